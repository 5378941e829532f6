import { afterEach, describe, expect, it } from 'vitest';
import {
  auditLink,
  countDrop,
  createLink,
  createLocalLink,
  detachLinkEnd,
  LinkDrop,
  type LinkEnd,
  LinkError,
  openLinkEnd,
  readLinkImpairments,
  readLinkStats,
  setLinkImpairments,
  setLinkUp,
  totalDrops,
} from '../src/index.js';
import { frame } from './helpers/recorder.js';

const open: LinkEnd[] = [];
afterEach(() => {
  for (const e of open.splice(0)) e.close();
});

/** Both kinds of link, ends in this thread: a plain-buffer local link, and a shared one opened here. */
function pair(kind: 'local' | 'shared', options: Parameters<typeof createLink>[0] = {}): { a: LinkEnd; b: LinkEnd } {
  const ends =
    kind === 'local'
      ? createLocalLink(options)
      : (() => {
          const d = createLink(options);
          return { a: openLinkEnd(d.a), b: openLinkEnd(d.b) };
        })();
  open.push(ends.a, ends.b);
  return ends;
}

const turn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await sleep(1);
  }
}

for (const kind of ['local', 'shared'] as const) {
  describe(`LinkEnd over a ${kind} link`, () => {
    it('delivers frames both ways, intact and in order, and counts them', async () => {
      const { a, b } = pair(kind, { a: 'h1-eth0', b: 's1-eth1' });
      expect([a.name, a.peer, b.name, b.peer]).toEqual(['h1-eth0', 's1-eth1', 's1-eth1', 'h1-eth0']);
      const atB: number[] = [];
      const atA: number[] = [];
      b.onFrame = (bytes, off, len) => atB.push(new DataView(bytes.buffer, bytes.byteOffset + off, len).getUint32(0));
      a.onFrame = (bytes, off, len) => atA.push(bytes[off + len - 1]);
      for (let i = 0; i < 500; i++) expect(a.send(frame(i, 60 + (i % 1400)))).toBe(true);
      const big = new Uint8Array(70_000).subarray(1000, 1000 + 65_536);
      big[big.length - 1] = 0xab;
      expect(b.send(big)).toBe(true);
      // A range of a larger buffer.
      const backing = new Uint8Array(300).fill(7);
      expect(b.send(backing, 100, 50)).toBe(true);
      await until(() => atB.length === 500 && atA.length === 2);
      expect(atB).toEqual([...Array(500).keys()]);
      expect(atA).toEqual([0xab, 7]);
      expect(a.stats).toMatchObject({ txFrames: 500, rxFrames: 2, rxBytes: 65_536 + 50, txDuplicates: 0 });
      expect(b.stats).toMatchObject({ txFrames: 2, rxFrames: 500 });
      expect(totalDrops(a.stats)).toBe(0);
      // A device counts its own reasons on the same stats; spreading them gives plain numbers.
      countDrop(a.stats, 'vlan');
      expect(totalDrops(a.stats)).toBe(1);
      expect({ ...a.stats.drops }).toEqual({ 'link-down': 0, loss: 0, 'queue-full': 0, 'ring-full': 0, 'too-big': 0, vlan: 1 });
      expect({ ...b.stats }).toMatchObject({ txFrames: 2, rxFrames: 500 });
      const s = readLinkStats(a.descriptor);
      expect(s.ab).toMatchObject({ from: 'h1-eth0', to: 's1-eth1', offeredFrames: 500, deliveredFrames: 500, inFlight: 0 });
      expect(s.ba.deliveredBytes).toBe(65_536 + 50);
      expect(auditLink(a.descriptor).balanced).toBe(true);
    });

    it('delivers in bursts of at most 32, so a busy link cannot starve another', async () => {
      const one = pair(kind);
      const two = pair(kind);
      const order: number[] = [];
      one.b.onFrame = () => order.push(1);
      two.b.onFrame = () => order.push(2);
      const f = frame(0, 64);
      for (let i = 0; i < 1000; i++) {
        one.a.send(f);
        two.a.send(f);
      }
      await until(() => order.length === 2000);
      let run = 1;
      let longest = 1;
      for (let i = 1; i < order.length; i++) longest = Math.max(longest, (run = order[i] === order[i - 1] ? run + 1 : 1));
      expect(longest).toBeLessThanOrEqual(32);
    });

    it('drops at a down link, purges what it held, reports carrier, and balances', async () => {
      const { a, b } = pair(kind, { delay: 50 });
      const carrier: string[] = [];
      a.onCarrier = (up) => carrier.push(`a:${up}`);
      b.onCarrier = (up) => carrier.push(`b:${up}`);
      let got = 0;
      b.onFrame = () => got++;
      for (let i = 0; i < 10; i++) a.send(frame(i));
      await turn();
      expect(readLinkStats(a.descriptor).ab.inFlight).toBe(10);
      setLinkUp(a.descriptor, false); // as `ip link set h1-eth0 down`, from any thread
      expect(a.up).toBe(false);
      expect(b.up).toBe(false);
      expect(a.adminUp).toBe(false);
      expect(b.adminUp).toBe(true);
      expect(a.send(frame(99))).toBe(false);
      expect(b.send(frame(98))).toBe(false);
      await until(() => carrier.length === 2);
      expect(carrier.sort()).toEqual(['a:false', 'b:false']);
      await until(() => readLinkStats(a.descriptor).ab.inFlight === 0);
      expect(got).toBe(0);
      expect(a.stats.drops[LinkDrop.LinkDown]).toBe(11); // 1 offered while down + 10 purged from the ring
      expect(b.stats.drops[LinkDrop.LinkDown]).toBe(1);
      expect(auditLink({ a: a.descriptor, b: b.descriptor })).toMatchObject({ balanced: true, ab: { sent: 11, dropped: 11, inFlight: 0 } });

      a.setUp(true);
      await until(() => carrier.length === 4);
      expect(carrier.slice(2).sort()).toEqual(['a:true', 'b:true']);
      expect(a.send(frame(1))).toBe(true);
      await until(() => got === 1);
      expect(auditLink(a.descriptor)).toMatchObject({ balanced: true, ab: { sent: 12, delivered: 1, dropped: 11 } });
    });

    it('closes: the peer loses carrier, sending throws, and the end can be opened again', async () => {
      const d = kind === 'local' ? undefined : createLink();
      const { a, b } = d ? { a: openLinkEnd(d.a), b: openLinkEnd(d.b) } : pair(kind);
      const carrier: boolean[] = [];
      b.onCarrier = (up) => carrier.push(up);
      a.send(frame(1));
      a.flush(); // published, never read by b: b discards it on close
      a.send(frame(2)); // not yet published when b closes: it lands in a ring no one reads
      b.close();
      await until(() => !a.up);
      expect(b.isClosed).toBe(true);
      expect(() => b.send(frame(2))).toThrow(expect.objectContaining({ code: 'closed' }));
      expect(a.send(frame(3))).toBe(false);
      expect(readLinkStats(a.descriptor)).toMatchObject({ up: false, b: { open: false, gone: true } });
      expect(auditLink(a.descriptor)).toMatchObject({ balanced: true, ab: { sent: 3, dropped: 2, inFlight: 1 } });
      expect(carrier).toEqual([]); // b itself is closed: it reports nothing more
      if (d) {
        // Opening b again discards the stale frame.
        const again = openLinkEnd(d.b);
        open.push(a, again);
        expect(again.up).toBe(true);
        expect(auditLink(a.descriptor)).toMatchObject({ balanced: true, ab: { sent: 3, dropped: 3, inFlight: 0 } });
        let got = 0;
        again.onFrame = () => got++;
        a.send(frame(4));
        await until(() => got === 1);
      } else a.close();
    });

    it('applies impairment changes made from any thread', async () => {
      const { a, b } = pair(kind, { seed: 5 });
      let got = 0;
      b.onFrame = () => got++;
      setLinkImpairments(a.descriptor, { loss: 100 });
      expect(readLinkImpairments(a.descriptor).ab.loss).toBe(100);
      expect(readLinkImpairments(a.descriptor).ba.loss).toBe(0);
      for (let i = 0; i < 10; i++) a.send(frame(i));
      a.setImpairments({ loss: 0, delay: 5 });
      expect(a.impairments).toMatchObject({ loss: 0, delay: 5 });
      const t0 = performance.now();
      a.send(frame(10));
      await until(() => got === 1);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(4.9);
      expect(a.stats.drops[LinkDrop.Loss]).toBe(10);
    });
  });
}

describe('link creation and misuse', () => {
  it('refuses a second open of the same end', () => {
    const d = createLink();
    const a = openLinkEnd(d.a);
    open.push(a);
    expect(() => openLinkEnd(d.a)).toThrow(expect.objectContaining({ name: 'LinkError', code: 'already-open' }));
  });

  it('rejects bad ranges, options and descriptors with typed errors', () => {
    const { a } = pair('local');
    expect(() => a.send(new Uint8Array(10), 5, 6)).toThrow(expect.objectContaining({ code: 'bad-range' }));
    expect(() => a.send(new Uint8Array(10), -1)).toThrow(LinkError);
    expect(() => createLink({ loss: 101 })).toThrow(expect.objectContaining({ code: 'bad-option' }));
    expect(() => createLink({ ringBytes: 1000 })).toThrow(/ringBytes must be/);
    expect(() => createLink({ a: '' })).toThrow(/non-empty end name/);
    expect(() => openLinkEnd({} as never)).toThrow(expect.objectContaining({ code: 'bad-descriptor' }));
    expect(() => readLinkStats({ kind: 'vnet-link-end', name: 'x', peer: 'y', side: 'a', buffer: new SharedArrayBuffer(2048) })).toThrow(
      /holds no vnet link/,
    );
  });

  it('makes descriptors that survive structured cloning, sharing the same memory', () => {
    const d = createLink({ a: 'h1-eth0', b: 's1-eth1', bw: 10e6, delay: 2, ba: { loss: 1 } });
    const copy = structuredClone(d);
    expect(copy.a.buffer).toBeInstanceOf(SharedArrayBuffer);
    setLinkUp(copy, false);
    expect(readLinkStats(d).up).toBe(false);
    expect(readLinkImpairments(copy)).toMatchObject({ ab: { bw: 10e6, delay: 2, loss: 0 }, ba: { bw: 10e6, loss: 1, seed: 2 } });
  });

  it('declares an end gone for a worker that died without closing it', async () => {
    const d = createLink();
    const a = openLinkEnd(d.a);
    open.push(a);
    const carrier: boolean[] = [];
    a.onCarrier = (up) => carrier.push(up);
    detachLinkEnd(d.b);
    await until(() => carrier.length === 1);
    expect(carrier).toEqual([false]);
    expect(readLinkStats(d).b).toMatchObject({ open: false, gone: true });
  });
});
