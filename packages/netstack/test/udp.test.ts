import {
  build,
  ethernet,
  formatIpv4,
  Icmpv4,
  Icmpv4Type,
  Icmpv4Unreachable,
  IpProtocol,
  internetChecksum,
  ipv4,
  parseIpv4,
  payload,
  pseudoHeaderSum4,
  Udp,
  udp,
} from '@vnet/frame';
import { afterEach, describe, expect, it } from 'vitest';
import { NetstackError, type Stack, type UdpErrno, type UdpSocket } from '../src/index.js';
import { conserved, ipv4Frames, Lab, seeded, type Wire } from './lab.js';

let lab: Lab;
afterEach(() => lab?.close());

const PEER = '02:00:00:00:00:09';
const H_MAC = '02:00:00:00:00:01';

/** h1 (10.0.0.1/24) and h2 (10.0.0.2/24) on one wire. */
function pair(mtu = 1500): { h1: Stack; h2: Stack; w: Wire } {
  lab = new Lab();
  const h1 = lab.stack();
  const h2 = lab.stack();
  const w = lab.link(h1, 'h1-eth0', '10.0.0.1/24', h2, 'h2-eth0', '10.0.0.2/24', mtu);
  return { h1, h2, w };
}

/** A host h (10.0.0.1/24, MAC …:01) whose wire the test feeds crafted frames, with a peer 10.0.0.9 known by ARP. */
function host(): { h: Stack; w: Wire } {
  lab = new Lab();
  const h = lab.stack();
  const w = lab.link(h, 'eth0', '10.0.0.1/24', lab.stack(), 'x', undefined);
  h.arp.add('10.0.0.9', PEER);
  return { h, w };
}

/** A UDP frame from 10.0.0.9 to h. */
function udpFrame(dstPort: number, data: Uint8Array | string, o: { dst?: string; checksum?: 'compute' | 'none' } = {}): Uint8Array {
  const dst = o.dst ?? '10.0.0.1';
  const mac = dst.endsWith('.255') ? 'ff:ff:ff:ff:ff:ff' : H_MAC;
  return build(
    ethernet({ src: PEER, dst: mac }),
    ipv4({ src: '10.0.0.9', dst }),
    udp({ srcPort: 4000, dstPort, checksum: o.checksum ?? 'compute' }),
    payload(data),
  );
}

interface Heard {
  text: string;
  from: string;
  port: number;
}

function listen(s: UdpSocket): Heard[] {
  const heard: Heard[] = [];
  s.onMessage = (bytes, offset, length, srcAddr, srcPort) => {
    heard.push({ text: new TextDecoder().decode(bytes.subarray(offset, offset + length)), from: formatIpv4(srcAddr), port: srcPort });
  };
  return heard;
}

interface HeardError {
  type: number;
  code: number;
  errno: UdpErrno;
  to: string;
  from: string;
}

function errors(s: UdpSocket): HeardError[] {
  const out: HeardError[] = [];
  s.onError = (type, code, errno, address, port, from) => {
    out.push({ type, code, errno, to: `${formatIpv4(address)}:${port}`, from: formatIpv4(from) });
  };
  return out;
}

const text = (t: string) => new TextEncoder().encode(t);

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof NetstackError ? e.code : String(e);
  }
  return 'no error';
}

describe('UDP', () => {
  it('echoes between two stacks, with checksums Wireshark would accept', () => {
    const { h1, h2, w } = pair();
    const server = h2.udp.bind({ port: 7 });
    server.onMessage = (bytes, offset, length, srcAddr, srcPort) => {
      server.send(bytes, srcPort, srcAddr, offset, length); // answered from inside the handler
    };
    const client = h1.udp.bind();
    const heard = listen(client);
    expect(client.send(text('hello'), 7, '10.0.0.2')).toBe('queued'); // ARP first
    lab.pump();
    expect(client.send(text('again'), 7, parseIpv4('10.0.0.2'))).toBe('sent');
    lab.pump();
    expect(heard).toEqual([
      { text: 'hello', from: '10.0.0.2', port: 7 },
      { text: 'again', from: '10.0.0.2', port: 7 },
    ]);
    // What went on the wire parses, and its checksum verifies over the pseudo-header.
    const datagrams = ipv4Frames([...w.a.sent, ...w.b.sent], IpProtocol.UDP);
    expect(datagrams).toHaveLength(4);
    for (const d of datagrams) {
      const pseudoSum = pseudoHeaderSum4(d.src, d.dst, IpProtocol.UDP, d.payloadLen);
      const repr = Udp.parse(d.bytes, d.payloadOffset, { pseudoSum, check: 'verify' });
      expect(repr.payloadLen).toBe(5);
      expect(d.bytes[d.payloadOffset + 6] | d.bytes[d.payloadOffset + 7]).not.toBe(0);
    }
    const first = Udp.parse(datagrams[0].bytes, datagrams[0].payloadOffset);
    expect([first.srcPort, first.dstPort]).toEqual([client.localPort, 7]);
    for (const h of [h1, h2]) {
      expect(h.stats.udp).toMatchObject({ InDatagrams: 2, OutDatagrams: 2, NoPorts: 0, InErrors: 0 });
      expect(conserved(h)).toBe(true);
    }
  });

  it('gives ephemeral ports from 32768-60999 and lists sockets like ss -u', () => {
    const { h1 } = pair();
    const ports = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const s = h1.udp.bind(i % 2 === 0 ? {} : { port: 0 });
      expect(s.localPort).toBeGreaterThanOrEqual(32768);
      expect(s.localPort).toBeLessThanOrEqual(60999);
      expect(s.localAddress).toBe('0.0.0.0');
      ports.add(s.localPort);
    }
    expect(ports.size).toBe(50);
    lab.close();
    const { h2 } = pair();
    h2.udp.bind({ port: 53, address: '10.0.0.2' });
    const c = h2.udp.bind({ port: 5000 });
    c.connect(53, '10.0.0.9');
    expect(h2.udp.sockets()).toEqual([
      { state: 'UNCONN', localAddress: '10.0.0.2', localPort: 53 },
      { state: 'ESTAB', localAddress: '10.0.0.2', localPort: 5000, remoteAddress: '10.0.0.9', remotePort: 53 },
    ]);
  });

  it('sends to a connected peer without a destination, and hears only from it', () => {
    const { h1, h2 } = pair();
    h1.arp.add('10.0.0.2', '02:00:00:00:00:02');
    const a = h1.udp.bind({ port: 1000 });
    expect(code(() => a.send(text('x')))).toBe('bad-value'); // not connected: EDESTADDRREQ
    expect(code(() => a.connect(53, '192.0.2.1'))).toBe('network-unreachable');
    a.connect(2000, '10.0.0.2');
    expect([a.connected, a.remoteAddress, a.remotePort, a.localAddress]).toEqual([true, '10.0.0.2', 2000, '10.0.0.1']);
    const fromA = listen(a);
    const b = h2.udp.bind({ port: 2000 });
    const other = h2.udp.bind({ port: 2001 });
    const heardB = listen(b);
    expect(a.send(text('one'))).toBe('sent');
    lab.pump();
    expect(heardB).toEqual([{ text: 'one', from: '10.0.0.1', port: 1000 }]);
    b.send(text('reply'), 1000, '10.0.0.1');
    other.send(text('stranger'), 1000, '10.0.0.1'); // from another port: not for a connected socket
    lab.pump();
    expect(fromA.map((m) => m.text)).toEqual(['reply']);
    expect(h1.stats.udp.NoPorts).toBe(1);
    // A datagram to another destination is still allowed, as on Linux.
    expect(a.send(text('two'), 2001, '10.0.0.2')).toBe('sent');
    a.disconnect();
    expect([a.connected, a.remoteAddress, a.localAddress]).toEqual([false, undefined, '0.0.0.0']);
    expect(code(() => a.send(text('x')))).toBe('bad-value');
  });

  it('carries port unreachable back to the sending socket, as ECONNREFUSED when connected', () => {
    const { h1, h2 } = pair();
    const connected = h1.udp.bind();
    connected.connect(9999, '10.0.0.2');
    const heard = errors(connected);
    connected.send(text('anyone?'));
    lab.pump();
    expect(heard).toEqual([
      { type: Icmpv4Type.DestUnreachable, code: Icmpv4Unreachable.Port, errno: 'ECONNREFUSED', to: '10.0.0.2:9999', from: '10.0.0.2' },
    ]);
    expect(h2.stats.udp).toMatchObject({ NoPorts: 1, InDatagrams: 0 });
    expect(h2.stats.icmp.OutDestUnreachs).toBe(1);
    expect(h2.stats.rxDrops['udp-no-port']).toBe(1);
    expect(h1.stats.icmp.InDestUnreachs).toBe(1);
    expect(conserved(h2)).toBe(true);
    // Unconnected, the error is heard only with recvErr (IP_RECVERR), as on Linux.
    const quiet = h1.udp.bind();
    const none = errors(quiet);
    quiet.send(text('x'), 9998, '10.0.0.2');
    const loud = h1.udp.bind({ recvErr: true });
    const some = errors(loud);
    loud.send(text('x'), 9997, '10.0.0.2');
    lab.pump();
    expect(none).toEqual([]);
    expect(some.map((e) => `${e.errno} ${e.to}`)).toEqual(['ECONNREFUSED 10.0.0.2:9997']);
    expect(h2.stats.udp.NoPorts).toBe(3);
  });

  it('hears soft errors (time exceeded) only with recvErr, as traceroute does', () => {
    lab = new Lab();
    const h1 = lab.stack();
    const r = lab.stack({ forwarding: true });
    const h2 = lab.stack();
    lab.link(h1, 'h1-eth0', '10.0.1.1/24', r, 'r-eth0', '10.0.1.254/24');
    lab.link(r, 'r-eth1', '10.0.2.254/24', h2, 'h2-eth0', '10.0.2.1/24');
    h1.routes.add({ dst: 'default', via: '10.0.1.254' });
    h2.routes.add({ dst: 'default', via: '10.0.2.254' });
    const probe = h1.udp.bind({ ttl: 1, recvErr: true });
    const heard = errors(probe);
    const plain = h1.udp.bind({ ttl: 1 });
    plain.connect(33434, '10.0.2.1');
    const none = errors(plain);
    probe.send(text('probe'), 33434, '10.0.2.1');
    plain.send(text('probe'));
    lab.pump();
    expect(heard).toEqual([{ type: Icmpv4Type.TimeExceeded, code: 0, errno: 'EHOSTUNREACH', to: '10.0.2.1:33434', from: '10.0.1.254' }]);
    expect(none).toEqual([]);
    probe.ttl = 64;
    probe.send(text('probe'), 33434, '10.0.2.1');
    lab.pump();
    expect(heard.at(-1)).toMatchObject({ errno: 'ECONNREFUSED', from: '10.0.2.1' });
  });

  it('drops datagrams with a bad checksum and counts them; zero means no checksum', () => {
    const { h, w } = host();
    const s = h.udp.bind({ port: 53 });
    const heard = listen(s);
    const good = udpFrame(53, 'query');
    const bad = good.slice();
    bad[14 + 20 + 8] ^= 0x01;
    w.a.inject(bad);
    expect(heard).toEqual([]);
    expect(h.stats.udp).toMatchObject({ InCsumErrors: 1, InErrors: 1, InDatagrams: 0 });
    expect(h.stats.rxDrops['udp-checksum']).toBe(1);
    w.a.inject(good);
    w.a.inject(udpFrame(53, 'unchecked', { checksum: 'none' }));
    expect(heard.map((m) => m.text)).toEqual(['query', 'unchecked']);
    expect(h.stats.udp.InDatagrams).toBe(2);
    // Bad checksums get no port unreachable either.
    const worse = udpFrame(54, 'x');
    worse[14 + 20 + 8] ^= 0x01;
    w.a.inject(worse);
    expect(h.stats.udp).toMatchObject({ InCsumErrors: 2, NoPorts: 0 });
    expect(conserved(h)).toBe(true);
  });

  it('delivers broadcasts to every socket bound to any address on the port, and needs SO_BROADCAST to send one', () => {
    const { h1, h2, w } = pair();
    const any = h2.udp.bind({ port: 67, reuseAddr: true });
    const any2 = h2.udp.bind({ port: 67, reuseAddr: true });
    const unicastOnly = h2.udp.bind({ port: 67, address: '10.0.0.2', reuseAddr: true });
    const [a, a2, u] = [listen(any), listen(any2), listen(unicastOnly)];
    const client = h1.udp.bind({ port: 68 });
    expect(code(() => client.send(text('discover'), 67, '10.0.0.255'))).toBe('bad-address');
    client.broadcast = true;
    expect(client.send(text('discover'), 67, '10.0.0.255')).toBe('sent'); // no ARP for a broadcast
    lab.pump();
    expect([a.length, a2.length, u.length]).toEqual([1, 1, 0]);
    expect(a[0]).toEqual({ text: 'discover', from: '10.0.0.1', port: 68 });
    expect(h2.stats.udp.InDatagrams).toBe(2);
    // A broadcast nobody wants is ignored quietly: no ICMP error.
    client.send(text('nobody'), 6000, '10.0.0.255');
    lab.pump();
    expect(h2.stats.udp).toMatchObject({ IgnoredMulti: 1, NoPorts: 0 });
    expect(h2.stats.icmp.OutDestUnreachs).toBe(0);
    expect(ipv4Frames(w.b.sent, IpProtocol.ICMP)).toEqual([]);
    // Unicast goes to the best match only: the socket bound to the address.
    client.send(text('unicast'), 67, '10.0.0.2');
    lab.pump();
    expect([a.length, a2.length, u.length]).toEqual([1, 1, 1]);
    expect(conserved(h2)).toBe(true);
  });

  it('refuses conflicting binds with typed errors, as Linux does', () => {
    const { h1 } = pair();
    h1.addAddress('h1-eth0', '10.0.0.3/24');
    const s = h1.udp.bind({ port: 5000 });
    expect(code(() => h1.udp.bind({ port: 5000 }))).toBe('in-use');
    expect(() => h1.udp.bind({ port: 5000, address: '10.0.0.1' })).toThrow(/UDP port 5000 is already bound on 0.0.0.0/);
    s.close();
    h1.udp.bind({ port: 5000, address: '10.0.0.1' });
    h1.udp.bind({ port: 5000, address: '10.0.0.3' }); // another address: fine
    expect(code(() => h1.udp.bind({ port: 5000 }))).toBe('in-use');
    expect(code(() => h1.udp.bind({ port: 5000, address: '10.0.0.1', reuseAddr: true }))).toBe('in-use'); // both must set it
    h1.udp.bind({ port: 6000, reuseAddr: true });
    h1.udp.bind({ port: 6000, reuseAddr: true });
    expect(code(() => h1.udp.bind({ port: 5001, address: '10.0.0.77' }))).toBe('no-such-address');
    expect(code(() => h1.udp.bind({ port: 5001, address: '10.0.0.300' }))).toBe('bad-address');
    expect(code(() => h1.udp.bind({ port: 70000 }))).toBe('bad-value');
    expect(code(() => h1.udp.bind({ port: 1.5 }))).toBe('bad-value');
    expect(code(() => h1.udp.bind({ ttl: 0 }))).toBe('bad-value');
    h1.udp.bind({ port: 5002, address: '127.0.0.1' });
    h1.udp.bind({ port: 5002, address: '10.0.0.255' }); // a broadcast address can be bound
    const t = h1.udp.bind();
    expect(code(() => t.send(text('x'), 0, '10.0.0.2'))).toBe('bad-value');
    expect(code(() => t.send(text('x'), 53, '0.0.0.0'))).toBe('bad-address');
    expect(code(() => t.send(text('x'), 53, '10.0.0.2', 3, 5))).toBe('bad-value');
    expect(code(() => t.send(new Uint8Array(65508), 53, '10.0.0.2'))).toBe('bad-value');
    expect(code(() => t.send('text' as unknown as Uint8Array, 53, '10.0.0.2'))).toBe('bad-value');
    expect(code(() => (t.tos = 256))).toBe('bad-value');
  });

  it('sends a datagram larger than the MTU in fragments, reassembled on the other side', () => {
    const { h1, h2, w } = pair();
    h1.arp.add('10.0.0.2', '02:00:00:00:00:02');
    const s = h2.udp.bind({ port: 9 });
    let got: Uint8Array | undefined;
    s.onMessage = (bytes, offset, length) => {
      got = bytes.slice(offset, offset + length);
    };
    const data = new Uint8Array(4000).map((_, i) => i * 7);
    expect(h1.udp.bind().send(data, 9, '10.0.0.2')).toBe('sent');
    expect(ipv4Frames(w.a.sent, IpProtocol.UDP)).toHaveLength(3);
    lab.pump();
    expect(got).toEqual(data);
    expect(h1.stats.ip.FragCreates).toBe(3);
    expect(h2.stats.ip.ReasmOKs).toBe(1);
    expect(h2.stats.udp.InDatagrams).toBe(1);
    // The largest datagram IPv4 can carry.
    const big = new Uint8Array(65507).fill(0xab);
    h1.udp.bind().send(big, 9, '10.0.0.2');
    lab.pump();
    expect(got?.length).toBe(65507);
    expect(got?.every((b) => b === 0xab)).toBe(true);
    expect(conserved(h2)).toBe(true);
  });

  it('releases the port on close; a closed socket or stack refuses use', () => {
    const { h1, h2 } = pair();
    const s = h2.udp.bind({ port: 4000 });
    listen(s);
    s.close();
    s.close(); // idempotent
    expect(s.closed).toBe(true);
    expect(code(() => s.send(text('x'), 1, '10.0.0.1'))).toBe('closed');
    expect(code(() => s.connect(1, '10.0.0.1'))).toBe('closed');
    expect(h2.udp.sockets()).toEqual([]);
    h1.udp.bind().send(text('late'), 4000, '10.0.0.2');
    lab.pump();
    expect(h2.stats.udp.NoPorts).toBe(1);
    const again = h2.udp.bind({ port: 4000 });
    const heard = listen(again);
    h1.udp.bind().send(text('now'), 4000, '10.0.0.2');
    lab.pump();
    expect(heard.map((m) => m.text)).toEqual(['now']);
    // Closing the stack closes its sockets.
    const others = [h2.udp.bind(), h2.udp.bind({ port: 53 })];
    h2.close();
    for (const o of [again, ...others]) {
      expect(o.closed).toBe(true);
      expect(code(() => o.send(text('x'), 1, '10.0.0.1'))).toBe('closed');
      o.close();
    }
    expect(code(() => h2.udp.bind())).toBe('closed');
    expect(h2.udp.sockets()).toEqual([]);
  });

  it('counts garbage as drops and never throws', () => {
    const { h, w } = host();
    const s = h.udp.bind({ port: 53 });
    const heard = listen(s);
    const good = udpFrame(53, 'twelve bytes');
    const withU16 = (b: Uint8Array, at: number, v: number) => {
      const c = b.slice();
      c[at] = v >>> 8;
      c[at + 1] = v & 0xff;
      return c;
    };
    const cases: Uint8Array[] = [
      build(
        ethernet({ src: PEER, dst: H_MAC }),
        ipv4({ src: '10.0.0.9', dst: '10.0.0.1', protocol: IpProtocol.UDP }),
        payload(new Uint8Array(4)),
      ),
      withU16(good, 14 + 20 + 4, 8 + 13), // UDP length beyond the datagram
      withU16(good, 14 + 20 + 4, 7), // below the header
      withU16(good, 14 + 20 + 4, 0),
    ];
    for (const f of cases) expect(() => w.a.inject(f)).not.toThrow();
    expect(heard).toEqual([]);
    expect(h.stats.rxDrops['udp-truncated']).toBe(4);
    expect(h.stats.udp.InErrors).toBe(4);
    // A shorter UDP length than the IP payload is fine: the rest is ignored (with its checksum redone).
    const short = build(
      ethernet({ src: PEER, dst: H_MAC }),
      ipv4({ src: '10.0.0.9', dst: '10.0.0.1' }),
      udp({ srcPort: 1, dstPort: 53 }),
      payload('abc'),
      payload('trailing'),
    );
    const body = short.subarray(14 + 20);
    body[4] = 0;
    body[5] = 11;
    body[6] = 0;
    body[7] = 0; // no checksum
    w.a.inject(short);
    expect(heard.map((m) => m.text)).toEqual(['abc']);
    // Random mutations of good datagrams: every frame accounted for, nothing thrown.
    const rnd = seeded(17);
    for (let i = 0; i < 5000; i++) {
      const f = good.slice(0, 14 + 20 + Math.floor(rnd() * 21));
      for (let k = 0; k < 3; k++) f[14 + 20 + Math.floor(rnd() * (f.length - 34))] = Math.floor(rnd() * 256);
      // Keep the IP header consistent so the datagram reaches UDP.
      f[16] = (f.length - 14) >>> 8;
      f[17] = (f.length - 14) & 0xff;
      f[24] = 0;
      f[25] = 0;
      const ipSum = internetChecksum(f, 14, 34);
      f[24] = ipSum >>> 8;
      f[25] = ipSum & 0xff;
      expect(() => w.a.inject(f)).not.toThrow();
    }
    expect(conserved(h)).toBe(true);
    expect(h.stats.frames.received).toBe(5 + 5000);
    expect(h.stats.udp.InErrors).toBeGreaterThan(100);
  });

  it('delivers over loopback, and counts datagrams nobody reads', () => {
    const { h1 } = pair();
    const s = h1.udp.bind({ port: 7, address: '127.0.0.1' });
    const heard = listen(s);
    const c = h1.udp.bind();
    expect(c.send(text('local'), 7, '127.0.0.1')).toBe('local');
    expect(heard).toEqual([{ text: 'local', from: '127.0.0.1', port: c.localPort }]);
    // Bound to 127.0.0.1, the socket does not hear datagrams to the host's other addresses.
    c.send(text('elsewhere'), 7, '10.0.0.1');
    expect(heard).toHaveLength(1);
    expect(h1.stats.udp.NoPorts).toBe(1);
    const deaf = h1.udp.bind({ port: 8 });
    c.send(text('unheard'), 8, '10.0.0.1');
    expect(deaf.onMessage).toBeUndefined();
    expect(h1.stats.udp).toMatchObject({ RcvbufErrors: 1, InErrors: 1 });
    expect(h1.stats.rxDrops['udp-rcvbuf']).toBe(1);
    expect(c.send(text('x'), 7, '192.0.2.1')).toBe('no-route');
    expect(h1.stats.udp.OutDatagrams).toBe(3);
    expect(conserved(h1)).toBe(true);
  });

  it('leaves the checksum to an interface with checksum offload, and trusts what arrives there', () => {
    const { h1, h2, w } = pair();
    h1.setChecksumOffload('h1-eth0', true);
    h2.setChecksumOffload('h2-eth0', true);
    const heard = listen(h2.udp.bind({ port: 9 }));
    h1.udp.bind().send(text('offloaded'), 9, '10.0.0.2');
    lab.pump();
    const [d] = ipv4Frames(w.a.sent, IpProtocol.UDP);
    expect(d.bytes[d.payloadOffset + 6] | d.bytes[d.payloadOffset + 7]).toBe(0); // "no checksum"
    expect(heard.map((m) => m.text)).toEqual(['offloaded']);
    // A wrong checksum arriving on an offloading interface is trusted, as a NIC that checked it would be.
    const bad = w.a.sent.at(-1)!.slice();
    bad[d.payloadOffset + 6] = 0x12;
    w.b.inject(bad);
    expect(heard).toHaveLength(2);
    expect(h2.stats.udp.InCsumErrors).toBe(0);
  });

  it('sets TTL and TOS on what it sends, and quotes the datagram in its port unreachable', () => {
    const { h, w } = host();
    const s = h.udp.bind({ ttl: 5, tos: 0x10 });
    s.send(text('hi'), 53, '10.0.0.9');
    const [d] = ipv4Frames(w.a.sent, IpProtocol.UDP);
    expect([d.ttl, d.tos, formatIpv4(d.src)]).toEqual([5, 0x10, '10.0.0.1']);
    w.a.inject(udpFrame(999, 'who?'));
    const [err] = ipv4Frames(w.a.sent, IpProtocol.ICMP);
    const icmp = Icmpv4.parse(err.bytes, err.payloadOffset, err.payloadLen);
    expect(icmp).toMatchObject({ kind: 'dest-unreachable', code: Icmpv4Unreachable.Port });
    expect(formatIpv4(err.dst)).toBe('10.0.0.9');
  });
});
