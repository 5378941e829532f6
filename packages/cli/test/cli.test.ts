import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, ethernet, ipv4, payload, TcpFlags, tcp, udp, writePcap, writePcapng } from '@vnet/frame';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'vnet-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function vnet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const T0 = 1_700_000_000_000_000_000n;
const frames = [
  build(ethernet({ src: 1, dst: 2 }), ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }), udp({ srcPort: 1234, dstPort: 5678 }), payload('hello')),
  build(
    ethernet({ src: 2, dst: 1 }),
    ipv4({ src: '10.0.0.2', dst: '10.0.0.1', ttl: 63 }),
    tcp({ srcPort: 80, dstPort: 4000, flags: TcpFlags.SYN | TcpFlags.ACK, seq: 7 }),
  ),
];
const records = frames.map((data, i) => ({ data, timestampNs: T0 + BigInt(i) * 1_500_000n }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('vnet', () => {
  it('prints its version and help', async () => {
    const v = await vnet('--version');
    expect(v.code).toBe(0);
    expect(v.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = await vnet('--help');
    expect(h.code).toBe(0);
    expect(h.out).toContain('decode');
  });

  it('refuses an unknown command or option with exit code 2', async () => {
    const r = await vnet('frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'frobnicate'");
    expect((await vnet('decode', '--bogus', 'x.pcap')).code).toBe(2);
  });
});

describe('vnet decode', () => {
  it('prints one line per frame: number, relative time, summary', async () => {
    const r = await vnet('decode', file('two.pcap', writePcap(records)));
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter(Boolean)).toEqual([
      '    1    0.000000 IP 10.0.0.1.1234 > 10.0.0.2.5678: UDP, length 5',
      '    2    0.001500 IP 10.0.0.2.80 > 10.0.0.1.4000: Flags [S.], seq 7, ack 0, win 8192, length 0',
    ]);
  });

  it('prints Wireshark-named fields as JSON, from pcapng too', async () => {
    const r = await vnet('decode', '--json', file('two.pcapng', writePcapng(records)));
    expect(r.code).toBe(0);
    const [first, second] = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(first).toMatchObject({
      'frame.number': 1,
      'frame.time_epoch': '1700000000.000000000',
      'frame.len': 47,
      'eth.src': '00:00:00:00:00:01',
      'ip.ttl': 64,
      'ip.src': '10.0.0.1',
      'udp.dstport': 5678,
    });
    expect(second).toMatchObject({
      'frame.time_relative': '0.001500000',
      'tcp.flags.syn': true,
      'tcp.flags.ack': true,
      'tcp.flags.fin': false,
    });
  });

  it('prints the frames before damage, then names the frame and byte offset, exit 1', async () => {
    const whole = writePcap(records);
    const r = await vnet('decode', file('cut.pcap', whole.subarray(0, whole.length - 10)));
    expect(r.code).toBe(1);
    expect(r.out.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err).toMatch(/frame 2 at byte offset \d+/);
  });

  it('says what to do with a file that is missing or not a capture', async () => {
    const missing = await vnet('decode', join(dir, 'nope.pcap'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('cannot read');
    const text = await vnet('decode', file('notes.txt', new TextEncoder().encode('not a capture file')));
    expect(text.code).toBe(1);
    expect(text.err).toContain('neither pcap nor pcapng');
  });

  it('runs as an executable', async () => {
    const entry = new URL('../src/cli.ts', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--conditions=development',
      '--import',
      'tsx',
      entry,
      'decode',
      join(dir, 'two.pcap'),
    ]);
    expect(stdout).toContain('UDP, length 5');
  });
});
