/**
 * 100 MB across impaired links, byte-exact (SHA-256 of what was sent against what arrived),
 * for NewReno and CUBIC; and throughput over a lossy long link against the Mathis formula.
 * The links are @vnet/link's, with their impairments; the stacks run in real time.
 */
import { createHash } from 'node:crypto';
import { createLocalLink, type LinkOptions } from '@vnet/link';
import { afterEach, describe, expect, it } from 'vitest';
import { type CongestionAlgorithm, Stack } from '../src/index.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

interface Outcome {
  sentHash: string;
  receivedHash: string;
  received: number;
  seconds: number;
  retransmits: number;
}

/** Sends `size` bytes from a to b over a link with `impairments` (each direction), until done or `limitMs`. */
async function transfer(
  size: number,
  congestion: CongestionAlgorithm,
  impairments: Omit<LinkOptions, 'a' | 'b'>,
  limitMs = 60_000,
): Promise<Outcome> {
  const link = createLocalLink({ a: 'a-eth0', b: 'b-eth0', ...impairments, seed: 42 });
  const a = new Stack({ hostname: 'a', tcp: { congestion } });
  const b = new Stack({ hostname: 'b' });
  closers.push(() => {
    a.close();
    b.close();
    link.a.close();
    link.b.close();
  });
  a.addInterface({ name: 'a-eth0', port: link.a, mac: '02:00:00:00:00:01' });
  b.addInterface({ name: 'b-eth0', port: link.b, mac: '02:00:00:00:00:02' });
  a.addAddress('a-eth0', '10.0.0.1/24');
  b.addAddress('b-eth0', '10.0.0.2/24');
  const sent = createHash('sha256');
  const got = createHash('sha256');
  let received = 0;
  let closed = false;
  b.tcp.listen({
    port: 5001,
    onConnection: (s) => {
      s.onData = (bytes, offset, length) => {
        got.update(bytes.subarray(offset, offset + length));
        received += length;
      };
      s.onEnd = () => s.end();
    },
  });
  const c = a.tcp.connect({ address: '10.0.0.2', port: 5001 });
  // A seeded pattern, so that a byte out of place changes the hash.
  const chunk = new Uint8Array(256 * 1024);
  let state = 1;
  let written = 0;
  const fill = () => {
    while (written < size) {
      const n = Math.min(chunk.length, size - written, c.writable);
      if (n === 0) return;
      for (let i = 0; i < n; i++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        chunk[i] = state >>> 24;
      }
      sent.update(chunk.subarray(0, n));
      written += c.write(chunk, 0, n);
    }
    c.end();
  };
  c.onConnect = fill;
  c.onDrain = fill;
  c.onClose = () => {
    closed = true;
  };
  const t0 = performance.now();
  while (!(closed && received === size) && performance.now() - t0 < limitMs) {
    const now = performance.now();
    a.poll(now);
    b.poll(now);
    await new Promise((r) => setImmediate(r));
  }
  const seconds = (performance.now() - t0) / 1000;
  return { sentHash: sent.digest('hex'), receivedHash: got.digest('hex'), received, seconds, retransmits: c.info().retransmits };
}

const MB100 = 100 * 1024 * 1024;

describe.each(['newreno', 'cubic'] as const)('100 MB over TCP (%s)', (congestion) => {
  it('arrives byte-exact over a link losing 1 % of frames each way', async () => {
    const r = await transfer(MB100, congestion, { loss: 1 });
    expect(r.received).toBe(MB100);
    expect(r.receivedHash).toBe(r.sentHash);
    // About one segment in a hundred of the ~72,000 went again.
    expect(r.retransmits).toBeGreaterThan(500);
  }, 120_000);

  it('arrives byte-exact over a link that reorders and duplicates', async () => {
    const r = await transfer(MB100, congestion, { reorder: 2, duplicate: 2 });
    expect(r.received).toBe(MB100);
    expect(r.receivedHash).toBe(r.sentHash);
  }, 120_000);

  it('arrives byte-exact over 20 ms RTT at 1 Gbit/s, at most at the link rate', async () => {
    const r = await transfer(MB100, congestion, { bw: 1e9, delay: 10 });
    expect(r.received).toBe(MB100);
    expect(r.receivedHash).toBe(r.sentHash);
    // 100 MB at 1 Gbit/s take 0.84 s; the handshake and slow start add some round trips.
    expect((MB100 * 8) / r.seconds).toBeLessThan(1.02e9);
    expect((MB100 * 8) / r.seconds).toBeGreaterThan(0.3e9);
  }, 120_000);
});

describe('throughput over loss', () => {
  it('is of the order the Mathis formula predicts (NewReno, 2 % loss, 10 ms RTT)', async () => {
    const size = 3 * 1024 * 1024;
    const r = await transfer(size, 'newreno', { ab: { loss: 2, delay: 5 }, ba: { delay: 5 } });
    expect(r.receivedHash).toBe(r.sentHash);
    // Mathis et al.: rate ≈ (MSS / RTT) · sqrt(3/2) / sqrt(p).
    const mathis = ((1448 * 8) / 0.01) * Math.sqrt(1.5 / 0.02);
    const rate = (size * 8) / r.seconds;
    expect(rate).toBeGreaterThan(mathis / 3);
    expect(rate).toBeLessThan(mathis * 3);
  }, 120_000);
});
