import { build, ethernet, Icmpv4, IpProtocol, Ipv4Packet, icmpv4, ipv4, ipv6, parseIpv4, payload } from '@vnet/frame';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from '../src/index.js';
import { conserved, ipv4Frames, Lab, seeded, total, type Wire } from './lab.js';

let lab: Lab;
afterEach(() => lab?.close());

const PEER = '02:00:00:00:00:09';

/** A host h (10.0.0.1/24 on eth0, MAC …:01) whose wire the test feeds directly. */
function host(opts: { forwarding?: boolean } = {}): { h: Stack; w: Wire; mac: string } {
  lab = new Lab();
  const h = lab.stack({ forwarding: opts.forwarding ?? false });
  const w = lab.link(h, 'eth0', '10.0.0.1/24', lab.stack(), 'x', undefined);
  h.arp.add('10.0.0.9', PEER);
  return { h, w, mac: '02:00:00:00:00:01' };
}

function ip4(mac: string, o: Parameters<typeof ipv4>[0], ...inner: ReturnType<typeof payload>[]): Uint8Array {
  return build(ethernet({ src: PEER, dst: mac }), ipv4({ src: '10.0.0.9', dst: '10.0.0.1', ...o }), ...inner);
}

describe('malformed frames', () => {
  it('are counted under a named reason, never thrown', () => {
    const { h, w, mac } = host();
    const echo = icmpv4({ kind: 'echo-request', identifier: 1, sequence: 1, data: new Uint8Array(8) });
    const good = ip4(mac, {}, echo);
    const cases: [string, Uint8Array][] = [
      ['truncated', good.subarray(0, 10)],
      ['truncated', good.subarray(0, 14 + 12)],
      ['bad-version', withByte(good, 14, 0x65)],
      ['bad-header-length', withByte(good, 14, 0x44)],
      ['bad-header-length', withU16(good, 16, 19)],
      ['truncated', withU16(good, 16, 200)],
      ['bad-checksum', withByte(good, 14 + 8, 7)],
      ['martian-source', ip4(mac, { src: '127.0.0.1' }, echo)],
      ['martian-source', ip4(mac, { src: '224.0.0.5' }, echo)],
      ['martian-source', ip4(mac, { src: '10.0.0.1' }, echo)],
      ['not-for-us', ip4(mac, { dst: '10.0.0.77' }, echo)],
      ['multicast-not-joined', ip4('01:00:5e:00:00:05', { dst: '224.0.0.5' }, echo)],
      ['other-host', ip4('02:00:00:00:00:77', {}, echo)],
      ['unknown-ethertype', build(ethernet({ src: PEER, dst: mac }), ipv6({ src: 'fe80::1', dst: 'fe80::2' }), payload('x'))],
      ['icmp-truncated', ip4(mac, { protocol: IpProtocol.ICMP }, payload(new Uint8Array(4)))],
      ['icmp-checksum', withByte(good, 14 + 20 + 2, 0)],
      ['icmp-truncated', ip4(mac, {}, icmpv4({ kind: 'dest-unreachable', code: 1, nextHopMtu: 0, original: new Uint8Array(10) }))],
      ['unknown-protocol', ip4(mac, { protocol: 253 }, payload('hi'))],
      ['icmp-ignored', ip4(mac, {}, icmpv4({ kind: 'other', type: 13, code: 0, rest: 0, data: new Uint8Array(12) }))],
    ];
    for (const [reason, frame] of cases) {
      const before = h.stats.rxDrops[reason] ?? 0;
      expect(() => w.a.inject(frame), reason).not.toThrow();
      expect(h.stats.rxDrops[reason], reason).toBe(before + 1);
    }
    expect(h.stats.frames.received).toBe(cases.length);
    expect(total(h.stats.rxDrops)).toBe(cases.length);
    expect(conserved(h)).toBe(true);
    const s = h.stats.ip;
    expect(s.InHdrErrors).toBe(6);
    expect(s.InAddrErrors).toBe(5);
    expect(s.InUnknownProtos).toBe(1);
    expect(h.stats.icmp.InCsumErrors).toBe(1);
    const iface = h.interface('eth0');
    expect(iface.stats.rxErrors + iface.stats.rxDropped).toBe(cases.length);
    // The unknown protocol got a protocol unreachable back, quoting it.
    const sent = ipv4Frames(w.a.sent, IpProtocol.ICMP);
    const err = Icmpv4.parse(sent[0].bytes, sent[0].payloadOffset, sent[0].payloadLen);
    expect(err).toMatchObject({ kind: 'dest-unreachable', code: 2 });
  });

  it('survive random bytes and mutations of real frames, keeping every frame accounted for', () => {
    const rnd = seeded(20261122);
    const corpus = realFrames();
    expect(corpus.length).toBeGreaterThan(20);
    for (const forwarding of [false, true]) {
      const { h, w, mac } = host({ forwarding });
      const macBytes = mac.split(':').map((x) => Number.parseInt(x, 16));
      for (let i = 0; i < 20_000; i++) {
        const frame = mutate(corpus[Math.floor(rnd() * corpus.length)], rnd);
        if (rnd() < 0.9 && frame.length >= 6) frame.set(macBytes, 0); // mostly reach past the MAC filter
        if (rnd() < 0.5) retarget(frame);
        w.a.inject(frame);
        if (i % 1000 === 0) lab.advance(7000);
      }
      lab.advance(60_000);
      expect(conserved(h)).toBe(true);
      expect(h.stats.frames.held).toBe(0);
      expect(h.stats.reassembly).toEqual({ datagrams: 0, bytes: 0 });
      expect(h.interface('eth0').stats.rxPackets).toBe(20_000);
      expect(h.stats.ip.ReasmOKs).toBeGreaterThan(0); // the fuzz reached reassembly…
      expect(h.stats.icmp.InEchos).toBeGreaterThan(0); // …and ICMP
      // Still a working host.
      const replies: number[] = [];
      h.onEcho(4242, (e) => replies.push(e.seq));
      w.a.inject(
        build(
          ethernet({ src: PEER, dst: mac }),
          ipv4({ src: '10.0.0.9', dst: '10.0.0.1' }),
          icmpv4({ kind: 'echo-reply', identifier: 4242, sequence: 5, data: new Uint8Array(0) }),
        ),
      );
      expect(replies).toEqual([5]);
      lab.close();
    }
  }, 60_000);
});

function withByte(b: Uint8Array, at: number, v: number): Uint8Array {
  const c = b.slice();
  c[at] = v;
  return c;
}

function withU16(b: Uint8Array, at: number, v: number): Uint8Array {
  const c = b.slice();
  c[at] = v >>> 8;
  c[at + 1] = v & 0xff;
  return c;
}

/** Frames of a real session between two hosts through a router: ARP, pings, fragments, ICMP errors. */
function realFrames(): Uint8Array[] {
  const l = new Lab();
  const h1 = l.stack();
  const r = l.stack({ forwarding: true });
  const h2 = l.stack();
  const w1 = l.link(h1, 'a', '10.0.0.9/24', r, 'b', '10.0.0.1/24');
  const w2 = l.link(r, 'c', '10.0.2.254/24', h2, 'd', '10.0.2.1/24', 600);
  h1.routes.add({ dst: 'default', via: '10.0.0.1' });
  h2.routes.add({ dst: 'default', via: '10.0.2.254' });
  h1.ping('10.0.2.1', { id: 1, seq: 1, size: 3000 });
  h1.ping('10.0.2.1', { id: 1, seq: 2, ttl: 1 });
  h1.ping('10.0.2.1', { id: 1, seq: 3, size: 1000, df: true });
  h1.ping('10.0.0.1', { id: 1, seq: 4, size: 0 });
  h1.ping('10.0.0.1', { id: 1, seq: 5, size: 5000 });
  h1.ping('172.16.0.1', { id: 1, seq: 6 });
  h1.sendIp({ dst: parseIpv4('10.0.0.1'), protocol: 99 }, new Uint8Array(40));
  l.pump();
  const frames = [...w1.a.sent, ...w1.b.sent, ...w2.a.sent, ...w2.b.sent];
  l.close();
  return frames;
}

/** Points an IPv4 frame at the fuzzed host (10.0.0.1) with a valid header checksum, to reach the layers above. */
function retarget(b: Uint8Array): void {
  if (b.length < 34 || b[12] !== 0x08 || b[13] !== 0) return;
  const p = new Ipv4Packet(b, 14);
  if (p.headerLen < 20 || 14 + p.headerLen > b.length) return;
  p.dst = 0x0a000001;
  p.fillChecksum();
}

const INTERESTING = [0, 1, 5, 6, 8, 0x3f, 0x40, 0x45, 0x7f, 0x80, 0xff];

function mutate(seed: Uint8Array, rnd: () => number): Uint8Array {
  let b = seed.slice();
  const n = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) {
    const op = Math.floor(rnd() * 6);
    const at = Math.floor(rnd() * b.length);
    if (op === 0) b[at] ^= 1 << Math.floor(rnd() * 8);
    else if (op === 1) b[at] = INTERESTING[Math.floor(rnd() * INTERESTING.length)];
    else if (op === 2) b = b.slice(0, at);
    else if (op === 3) b[14 + Math.floor(rnd() * 40)] = Math.floor(rnd() * 256);
    else if (op === 4) {
      const more = new Uint8Array(b.length + Math.floor(rnd() * 64));
      more.set(b);
      b = more;
    } else b = new Uint8Array(Math.floor(rnd() * 128)).map(() => Math.floor(rnd() * 256));
  }
  return b;
}
