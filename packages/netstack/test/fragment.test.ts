import { build, ethernet, formatIpv4, IpProtocol, type Ipv4Packet, icmpv4, ipv4, payload } from '@vnet/frame';
import { afterEach, describe, expect, it } from 'vitest';
import type { EchoEvent, Stack } from '../src/index.js';
import { conserved, ipv4Frames, Lab, type Wire } from './lab.js';

let lab: Lab;
afterEach(() => lab?.close());

function listen(s: Stack, id: number): EchoEvent[] {
  const events: EchoEvent[] = [];
  s.onEcho(id, (e) => events.push({ ...e }));
  return events;
}

const shape = (p: Ipv4Packet) => [p.fragmentOffset, p.moreFragments, p.totalLen];

function pair(mtu = 1500): { h1: Stack; h2: Stack; w: Wire } {
  lab = new Lab();
  const h1 = lab.stack();
  const h2 = lab.stack();
  const w = lab.link(h1, 'h1-eth0', '10.0.0.1/8', h2, 'h2-eth0', '10.0.0.2/8', mtu);
  h1.arp.add('10.0.0.2', '02:00:00:00:00:02');
  h2.arp.add('10.0.0.1', '02:00:00:00:00:01');
  lab.pump();
  return { h1, h2, w };
}

/** Fragments h1 sends for a ping, captured and kept off the wire. */
function capturedFragments(h1: Stack, w: Wire, size: number): Uint8Array[] {
  w.filter = (_f, from) => from !== w.a;
  const before = w.a.sent.length;
  h1.ping('10.0.0.2', { id: 1, seq: 1, size });
  lab.pump();
  w.filter = undefined;
  return w.a.sent.slice(before);
}

describe('fragmentation and reassembly', () => {
  it('sends a 4000-byte ping over MTU 1500 as three fragments and reassembles the reply', () => {
    const { h1, h2, w } = pair();
    const events = listen(h1, 1);
    expect(h1.ping('10.0.0.2', { id: 1, seq: 1, size: 4000 })).toBe('sent');
    lab.pump();
    const out = ipv4Frames(w.a.sent, IpProtocol.ICMP);
    expect(out.map(shape)).toEqual([
      [0, true, 1500],
      [1480, true, 1500],
      [2960, false, 20 + 1048],
    ]);
    expect(new Set(out.map((p) => p.identification)).size).toBe(1);
    expect(out.every((p) => p.verifyChecksum() && !p.dontFragment)).toBe(true);
    expect(ipv4Frames(w.b.sent, IpProtocol.ICMP).map(shape)).toEqual(out.map(shape));
    expect(events.map((e) => [e.kind, e.seq, e.bytes])).toEqual([['reply', 1, 4008]]);
    expect(h1.stats.ip).toMatchObject({ FragOKs: 1, FragCreates: 3, ReasmReqds: 3, ReasmOKs: 1, ReasmFails: 0 });
    expect(h2.stats.ip).toMatchObject({ FragOKs: 1, FragCreates: 3, ReasmReqds: 3, ReasmOKs: 1, InDelivers: 1 });
    expect(h2.stats.frames.delivered).toBe(3);
    expect(h2.stats.reassembly).toEqual({ datagrams: 0, bytes: 0 });
    expect(conserved(h1) && conserved(h2)).toBe(true);
  });

  it('reassembles fragments out of order and drops duplicates, counting them', () => {
    const { h1, h2, w } = pair();
    const frags = capturedFragments(h1, w, 4000);
    expect(frags).toHaveLength(3);
    const events = listen(h1, 1);
    for (const i of [2, 0, 2, 1, 0]) w.b.inject(frags[i]);
    lab.pump();
    expect(events).toHaveLength(1);
    expect(h2.stats.ip).toMatchObject({ ReasmReqds: 5, ReasmOKs: 1 }); // the late duplicate starts a new datagram…
    expect(h2.stats.rxDrops['fragment-duplicate']).toBe(1);
    expect(h2.stats.frames.held).toBe(1); // …which waits, and times out
    lab.advance(30_000);
    expect(h2.stats.rxDrops['reasm-timeout']).toBe(1);
    expect(h2.stats.frames.held).toBe(0);
    expect(conserved(h2)).toBe(true);
  });

  it('drops a datagram missing a fragment after 30 s, frees its memory and reports time exceeded', () => {
    const { h1, h2, w } = pair();
    const frags = capturedFragments(h1, w, 4000);
    const events = listen(h1, 1);
    const t0 = lab.now;
    w.b.inject(frags[0]);
    w.b.inject(frags[2]);
    expect(h2.stats.reassembly.datagrams).toBe(1);
    expect(h2.stats.reassembly.bytes).toBeGreaterThan(4000);
    expect(h2.stats.frames.held).toBe(2);
    expect(h2.pollAt()).toBe(t0 + 30_000);
    lab.advance(29_999);
    expect(h2.stats.ip.ReasmFails).toBe(0);
    lab.advance(1);
    expect(h2.stats.ip).toMatchObject({ ReasmFails: 1, ReasmTimeout: 1, ReasmOKs: 0 });
    expect(h2.stats.reassembly).toEqual({ datagrams: 0, bytes: 0 });
    expect(h2.stats.rxDrops['reasm-timeout']).toBe(2);
    expect(h2.stats.frames.held).toBe(0);
    expect(events.map((e) => [e.kind, e.seq, formatIpv4(e.from), e.code])).toEqual([['time-exceeded', 1, '10.0.0.2', 1]]);
    expect(h2.pollAt()).toBeUndefined();
    expect(conserved(h2)).toBe(true);
  });

  it('sends no time exceeded when fragment zero never came', () => {
    const { h1, h2, w } = pair();
    const frags = capturedFragments(h1, w, 4000);
    w.b.inject(frags[1]);
    lab.advance(30_000);
    expect(h2.stats.ip.ReasmFails).toBe(1);
    expect(h2.stats.icmp.OutTimeExcds).toBe(0);
  });

  it('bounds the memory incomplete datagrams hold', () => {
    lab = new Lab();
    const h1 = lab.stack();
    const h2 = lab.stack({ reassembly: { maxBytes: 20_000 } });
    const w = lab.link(h1, 'a', '10.0.0.1/8', h2, 'b', '10.0.0.2/8');
    h1.arp.add('10.0.0.2', '02:00:00:00:00:02');
    w.filter = (_f, from) => from !== w.a;
    for (let seq = 0; seq < 10; seq++) h1.ping('10.0.0.2', { id: 1, seq, size: 3000 });
    w.filter = undefined;
    // Only the first fragment of each datagram arrives: ten incomplete datagrams are asked for.
    for (const f of ipv4Frames(w.a.sent, IpProtocol.ICMP).filter((p) => p.fragmentOffset === 0)) w.b.inject(f.bytes);
    expect(h2.stats.reassembly.bytes).toBeLessThanOrEqual(20_000);
    expect(h2.stats.rxDrops['reasm-memory']).toBeGreaterThan(0);
    expect(h2.stats.reassembly.datagrams + h2.stats.rxDrops['reasm-memory']).toBe(10);
    lab.advance(30_000);
    expect(h2.stats.reassembly).toEqual({ datagrams: 0, bytes: 0 });
    expect(conserved(h2)).toBe(true);
  });

  it('fills holes from overlapping fragments and drops a datagram whose fragments disagree on its end', () => {
    const { h2, w } = pair();
    const data = new Uint8Array(24).map((_, i) => i);
    const frag = (off: number, bytes: Uint8Array, more: boolean, id: number) =>
      build(
        ethernet({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }),
        ipv4({ src: '10.0.0.1', dst: '10.0.0.2', protocol: IpProtocol.ICMP, identification: id, fragmentOffset: off, moreFragments: more }),
        payload(bytes),
      );
    // An echo request of 16 data bytes (24 ICMP bytes) cut as [0,16) and an overlapping [8,24).
    const whole = build(icmpv4({ kind: 'echo-request', identifier: 5, sequence: 1, data: data.subarray(0, 16) }));
    w.b.inject(frag(0, whole.subarray(0, 16), true, 100));
    w.b.inject(frag(8, whole.subarray(8, 24), false, 100));
    expect(h2.stats.ip.ReasmOKs).toBe(1);
    expect(h2.stats.icmp.InEchos).toBe(1);
    // Two different ends for one datagram: it is dropped whole, with every fragment it held.
    w.b.inject(frag(16, whole.subarray(16, 24), false, 101));
    w.b.inject(frag(8, whole.subarray(8, 16), false, 101));
    expect(h2.stats.rxDrops['reasm-inconsistent']).toBe(2);
    // A last fragment that ends before data already received: the same.
    w.b.inject(frag(16, whole.subarray(16, 24), true, 102));
    w.b.inject(frag(8, whole.subarray(8, 16), false, 102));
    expect(h2.stats.rxDrops['reasm-inconsistent']).toBe(4);
    expect(h2.stats.ip.ReasmFails).toBe(2);
    // A fragment with MF whose length is not a multiple of 8 is malformed.
    w.b.inject(frag(0, whole.subarray(0, 12), true, 103));
    expect(h2.stats.rxDrops['fragment-malformed']).toBe(1);
    expect(h2.stats.reassembly.datagrams).toBe(0);
    expect(conserved(h2)).toBe(true);
  });

  it('refuses to fragment with DF: a local sender hears fragmentation needed with the MTU', () => {
    const { h1, w } = pair();
    const events = listen(h1, 1);
    const before = w.a.sent.length;
    expect(h1.ping('10.0.0.2', { id: 1, seq: 1, size: 2000, df: true })).toBe('too-big');
    expect(w.a.sent.length).toBe(before);
    expect(events.map((e) => [e.kind, e.code, e.mtu, formatIpv4(e.from)])).toEqual([['unreachable', 4, 1500, '10.0.0.1']]);
    expect(h1.stats.ip.FragFails).toBe(1);
    expect(h1.stats.txDrops['frag-needed']).toBe(1);
    expect(h1.ping('10.0.0.2', { id: 1, seq: 2, size: 1472, df: true })).toBe('sent'); // exactly 1500
  });
});

/** h1 —(1500)— r —(mtu2)— h2. */
function routed(mtu2: number) {
  lab = new Lab();
  const h1 = lab.stack();
  const r = lab.stack({ forwarding: true });
  const h2 = lab.stack();
  const w1 = lab.link(h1, 'h1-eth0', '10.0.1.1/24', r, 'r-eth0', '10.0.1.254/24');
  const w2 = lab.link(r, 'r-eth1', '10.0.2.254/24', h2, 'h2-eth0', '10.0.2.1/24', mtu2);
  h1.routes.add({ dst: 'default', via: '10.0.1.254' });
  h2.routes.add({ dst: 'default', via: '10.0.2.254' });
  lab.pump();
  return { h1, r, h2, w1, w2 };
}

describe('fragmentation on a router', () => {
  it('sends fragmentation needed with the next-hop MTU back to the source when DF is set', () => {
    const { h1, r } = routed(1000);
    const events = listen(h1, 1);
    expect(h1.ping('10.0.2.1', { id: 1, seq: 1, size: 1200, df: true })).toBe('queued');
    lab.pump();
    expect(events.map((e) => [e.kind, e.code, e.mtu, formatIpv4(e.from)])).toEqual([['unreachable', 4, 1000, '10.0.1.254']]);
    expect(r.stats.ip.FragFails).toBe(1);
    expect(r.stats.rxDrops['frag-needed']).toBe(1);
    expect(conserved(r)).toBe(true);
  });

  it('re-fragments fragments to a smaller MTU, keeping offsets and MF', () => {
    const { h1, r, h2, w2 } = routed(600);
    const events = listen(h1, 1);
    h1.ping('10.0.2.1', { id: 1, seq: 1, size: 2000 });
    lab.pump();
    expect(events.map((e) => [e.kind, e.bytes])).toEqual([['reply', 2008]]);
    const onWire2 = ipv4Frames(w2.a.sent, IpProtocol.ICMP);
    // 2008 bytes came as 1480 + 528; each cut to 576-byte pieces.
    expect(onWire2.map((p) => [p.fragmentOffset, p.moreFragments, p.payloadLen])).toEqual([
      [0, true, 576],
      [576, true, 576],
      [1152, true, 328],
      [1480, false, 528],
    ]);
    // The request's first fragment was cut in three; the reply's four fragments (h2's MTU is 600 too) went through whole.
    expect(r.stats.ip).toMatchObject({ ForwDatagrams: 2 + 4, FragOKs: 1, FragCreates: 3 });
    expect(h2.stats.ip.ReasmOKs).toBe(1);
    expect(conserved(r) && conserved(h2)).toBe(true);
  });

  it('copies only options with the copy flag into later fragments', () => {
    const { r, w1, w2 } = routed(600);
    r.arp.add('10.0.2.1', '02:00:00:00:00:04');
    // Security (130, copied), Record Route (7, not copied), end of list: 12 bytes of options.
    const opts = new Uint8Array([130, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0]);
    const frame = build(
      ethernet({ src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' }),
      ipv4({ src: '10.0.1.1', dst: '10.0.2.1', options: opts, identification: 9 }),
      icmpv4({ kind: 'echo-request', identifier: 1, sequence: 1, data: new Uint8Array(1000) }),
    );
    w1.b.inject(frame);
    const frags = ipv4Frames(w2.a.sent, IpProtocol.ICMP);
    expect(frags.length).toBe(2);
    expect([...frags[0].options()]).toEqual([...opts]);
    expect([...frags[1].options()]).toEqual([130, 4, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(frags.every((p) => p.headerLen === 32 && p.verifyChecksum())).toBe(true);
    expect(frags[0].payloadLen % 8).toBe(0);
  });
});
