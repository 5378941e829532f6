import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap } from '@vnet/frame';
import { describe, expect, it } from 'vitest';
import { Lab } from './lab.js';

// Wireshark as the oracle for what the stack puts on the wire. Skips with a message when
// tshark is missing; VNET_REQUIRE_TOOLS=1 (CI) turns the skip into a failure.
const hasTshark = (() => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
})();

const PI_WARN = 0x0060_0000;

/** A session through a router: ARP, a fragmented ping and its fragmented reply, ICMP errors. */
function session(): Uint8Array[] {
  const lab = new Lab();
  const h1 = lab.stack();
  const r = lab.stack({ forwarding: true });
  const h2 = lab.stack();
  const w1 = lab.link(h1, 'h1-eth0', '10.0.1.1/24', r, 'r-eth0', '10.0.1.254/24');
  lab.link(r, 'r-eth1', '10.0.2.254/24', h2, 'h2-eth0', '10.0.2.1/24', 1000);
  h1.routes.add({ dst: 'default', via: '10.0.1.254' });
  h2.routes.add({ dst: 'default', via: '10.0.2.254' });
  h1.ping('10.0.2.1', { id: 1, seq: 1, size: 4000 });
  lab.pump();
  h1.ping('10.0.2.1', { id: 1, seq: 2, ttl: 1 });
  h1.ping('10.0.2.1', { id: 1, seq: 3, size: 1200, df: true });
  h1.ping('172.16.0.1', { id: 1, seq: 4 });
  lab.pump();
  // UDP: an echo server on h2, a small and a fragmented datagram echoed, one to a closed port.
  const echo = h2.udp.bind({ port: 7 });
  echo.onMessage = (bytes, offset, length, from, port) => echo.send(bytes, port, from, offset, length);
  const client = h1.udp.bind({ port: 40000 });
  client.send(new Uint8Array(100).fill(1), 7, '10.0.2.1');
  client.send(new Uint8Array(3000).fill(2), 7, '10.0.2.1');
  client.send(new Uint8Array(10), 9, '10.0.2.1');
  lab.pump();
  lab.close();
  return [...w1.a.sent, ...w1.b.sent];
}

if (!hasTshark && process.env.VNET_REQUIRE_TOOLS !== '1') {
  it.skip('needs tshark: install it (apt-get install tshark) to check frames against Wireshark', () => {});
}

describe.runIf(hasTshark || process.env.VNET_REQUIRE_TOOLS === '1')('frames on the wire, read by tshark', () => {
  it('are well formed, checksums verify, and fragments reassemble', () => {
    const frames = session();
    const dir = mkdtempSync(join(tmpdir(), 'netstack-'));
    try {
      const file = join(dir, 'session.pcap');
      writeFileSync(file, writePcap(frames.map((data, i) => ({ data, timestampNs: BigInt(i) * 1000n }))));
      const fields = [
        'ip.checksum.status',
        'icmp.checksum.status',
        '_ws.expert.severity',
        '_ws.malformed',
        'icmp.type',
        'icmp.code',
        'ip.reassembled.length',
        'icmp.mtu',
        'udp.checksum.status',
        'udp.length',
      ];
      const out = execFileSync(
        'tshark',
        [
          '-r',
          file,
          '-o',
          'ip.check_checksum:TRUE',
          '-o',
          'udp.check_checksum:TRUE',
          '-T',
          'fields',
          '-E',
          'separator=;',
          ...fields.flatMap((f) => ['-e', f]),
        ],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      const rows = out
        .trim()
        .split('\n')
        .map((line) => Object.fromEntries(line.split(';').map((v, i) => [fields[i], v === '' ? [] : v.split(',')])));
      expect(rows).toHaveLength(frames.length);
      for (const r of rows) {
        expect(r['_ws.malformed']).toEqual([]);
        for (const sev of r['_ws.expert.severity']) expect(Number(sev)).toBeLessThan(PI_WARN);
        for (const s of r['ip.checksum.status']) expect(s).toBe('1'); // good
        if (r['icmp.checksum.status'].length > 0) expect(r['icmp.checksum.status'][0]).toBe('1');
        for (const s of r['udp.checksum.status']) expect(s).toBe('1');
      }
      const icmp = rows
        .filter((r) => r['icmp.type'].length > 0)
        .map((r) => `${r['icmp.type'][0]}/${r['icmp.code'][0]} ${r['ip.reassembled.length'].join('')} ${r['icmp.mtu'].join('')}`.trim());
      expect(icmp).toEqual([
        '8/0 4008', // the request, reassembled by tshark from h1's three fragments
        '8/0',
        '8/0',
        '8/0',
        '0/0 4008', // the reply, from h2's five fragments
        '11/0', // time exceeded from the router
        '3/4  1000', // fragmentation needed, next-hop MTU 1000
        '3/0', // net unreachable
        '3/3', // port unreachable from h2, quoting the UDP datagram to port 9
      ]);
      // UDP datagrams whole or reassembled (h1's three, then the two echoes), checksums verified above.
      const udp = rows.filter((r) => r['icmp.type'].length === 0 && r['udp.length'].length > 0).map((r) => r['udp.length'][0]);
      expect(udp).toEqual(['108', '3008', '18', '108', '3008']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
