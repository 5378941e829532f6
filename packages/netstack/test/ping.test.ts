import { build, ethernet, formatIpv4, Icmpv4, IpProtocol, icmpv4, ipv4 } from '@vnet/frame';
import { afterEach, describe, expect, it } from 'vitest';
import { type EchoEvent, NetstackError, Stack } from '../src/index.js';
import { conserved, ipv4Frames, Lab } from './lab.js';

let lab: Lab;
afterEach(() => lab?.close());

function listen(s: Stack, id: number): EchoEvent[] {
  const events: EchoEvent[] = [];
  s.onEcho(id, (e) => events.push({ ...e }));
  return events;
}

describe('ICMP echo', () => {
  it('reports a reply with the round trip measured on the clock given to poll', () => {
    lab = new Lab();
    const h1 = lab.stack();
    const h2 = lab.stack();
    const w = lab.link(h1, 'h1-eth0', '10.0.0.1/8', h2, 'h2-eth0', '10.0.0.2/8');
    h1.arp.add('10.0.0.2', '02:00:00:00:00:02');
    h2.arp.add('10.0.0.1', '02:00:00:00:00:01');
    const events = listen(h1, 0x1234);
    h1.poll(1000.25);
    expect(h1.ping('10.0.0.2', { id: 0x1234, seq: 7, size: 100, ttl: 33, tos: 0x10 })).toBe('sent');
    w.deliver(w.a); // the request reaches h2, whose reply waits on the wire
    const request = ipv4Frames(w.a.sent, IpProtocol.ICMP)[0];
    expect([request.ttl, request.tos, request.totalLen]).toEqual([33, 0x10, 20 + 8 + 100]);
    h1.poll(1012.75); // 12.5 ms later, the reply arrives
    w.deliver(w.b);
    expect(events).toHaveLength(1);
    const e = events[0];
    expect([e.kind, e.id, e.seq, formatIpv4(e.from), e.bytes, e.ttl, e.code, e.mtu]).toEqual([
      'reply',
      0x1234,
      7,
      '10.0.0.2',
      108,
      64,
      0,
      0,
    ]);
    expect(e.rtt).toBeCloseTo(12.5, 6);
    // The reply echoes the request's data and TOS.
    const reply = ipv4Frames(w.b.sent, IpProtocol.ICMP)[0];
    const echoed = Icmpv4.parse(reply.bytes, reply.payloadOffset, reply.payloadLen);
    const asked = Icmpv4.parse(request.bytes, request.payloadOffset, request.payloadLen);
    expect(echoed.kind).toBe('echo-reply');
    expect(asked.kind === 'echo-request' && echoed.kind === 'echo-reply' && echoed.data).toEqual(
      asked.kind === 'echo-request' && asked.data,
    );
    expect(reply.tos).toBe(0x10);
    expect(h2.stats.icmp).toMatchObject({ InMsgs: 1, InEchos: 1, OutMsgs: 1, OutEchoReps: 1 });
    expect(h1.stats.icmp).toMatchObject({ OutEchos: 1, InEchoReps: 1 });
  });

  it('has no round trip for data shorter than a timestamp', () => {
    lab = new Lab();
    const h1 = lab.stack();
    const h2 = lab.stack();
    lab.link(h1, 'a', '10.0.0.1/8', h2, 'b', '10.0.0.2/8');
    const events = listen(h1, 1);
    h1.ping('10.0.0.2', { id: 1, seq: 1, size: 4 });
    lab.pump();
    expect(events[0]).toMatchObject({ kind: 'reply', bytes: 12, rtt: undefined });
  });

  it('pings 127.0.0.1, any 127/8 address and its own addresses over loopback', () => {
    const s = new Stack();
    const events = listen(s, 1);
    expect(s.ping('127.0.0.1', { id: 1, seq: 1 })).toBe('local');
    expect(s.ping('127.1.2.3', { id: 1, seq: 2 })).toBe('local');
    expect(events.map((e) => [e.kind, e.seq, formatIpv4(e.from), e.rtt])).toEqual([
      ['reply', 1, '127.0.0.1', 0],
      ['reply', 2, '127.1.2.3', 0],
    ]);
    const w = new Lab().link(s, 'eth0', '10.0.0.1/8', new Stack(), 'eth0', undefined);
    expect(s.ping('10.0.0.1', { id: 1, seq: 3 })).toBe('local');
    expect(events.at(-1)).toMatchObject({ seq: 3, from: 0x0a000001 });
    expect(w.a.sent.filter((f) => f[12] === 0x08 && f[13] === 0)).toEqual([]); // nothing went on the wire
    const lo = s.interface('lo');
    expect(lo.stats).toMatchObject({ rxPackets: 6, txPackets: 6 });
    expect(s.stats.ip).toMatchObject({ OutRequests: 6, InReceives: 6, InDelivers: 6 });
    expect(conserved(s)).toBe(true);
    s.setInterfaceUp('lo', false);
    s.ping('127.0.0.1', { id: 1, seq: 4 });
    expect(events).toHaveLength(3);
    expect(s.stats.rxDrops['interface-down']).toBe(1);
    s.close();
  });

  it('says no-route when nothing leads to the destination', () => {
    const s = new Stack();
    expect(s.ping('8.8.8.8', { id: 1, seq: 1 })).toBe('no-route');
    expect(s.stats.ip.OutNoRoutes).toBe(1);
    expect(s.stats.txDrops['no-route']).toBe(1);
    s.close();
  });

  it('ignores echo requests to broadcast addresses, like Linux by default', () => {
    lab = new Lab();
    const h1 = lab.stack();
    const h2 = lab.stack();
    lab.link(h1, 'a', '10.0.0.1/8', h2, 'b', '10.0.0.2/8');
    expect(h1.ping('10.255.255.255', { id: 1, seq: 1 })).toBe('sent');
    lab.pump();
    expect(h2.stats.icmp.InEchos).toBe(1);
    expect(h2.stats.icmp.OutEchoReps).toBe(0);
    expect(h2.stats.rxDrops['icmp-echo-broadcast']).toBe(1);
    const h3 = new Lab();
    const a = h3.stack({ icmp: { echoIgnoreBroadcasts: false } });
    const b = h3.stack();
    h3.link(a, 'a', '10.0.0.1/8', b, 'b', '10.0.0.2/8');
    const events = listen(b, 2);
    b.ping('10.255.255.255', { id: 2, seq: 1 });
    h3.pump();
    expect(events.map((e) => formatIpv4(e.from))).toEqual(['10.0.0.1']);
    h3.close();
  });

  it('reports replies only to the listener of their id, and counts the rest', () => {
    lab = new Lab();
    const h1 = lab.stack();
    const h2 = lab.stack();
    lab.link(h1, 'a', '10.0.0.1/8', h2, 'b', '10.0.0.2/8');
    const one = listen(h1, 1);
    h1.ping('10.0.0.2', { id: 2, seq: 1 });
    lab.pump();
    expect(one).toEqual([]);
    expect(h1.stats.rxDrops['icmp-no-listener']).toBe(1);
    expect(() => h1.onEcho(1, () => {})).toThrow(NetstackError);
    const sub = h1.onEcho(2, () => {});
    sub.close();
    h1.onEcho(2, () => {}).close();
  });

  it('answers with the address it was asked on, and a ping can choose its source', () => {
    lab = new Lab();
    const h1 = lab.stack();
    const h2 = lab.stack();
    const w = lab.link(h1, 'a', '10.0.0.1/8', h2, 'b', '10.0.0.2/8');
    h2.addAddress('b', '10.0.0.3/8');
    h1.addAddress('a', '10.0.0.4/8');
    const events = listen(h1, 1);
    h1.ping('10.0.0.3', { id: 1, seq: 1, src: '10.0.0.4' });
    lab.pump();
    expect(events.map((e) => formatIpv4(e.from))).toEqual(['10.0.0.3']);
    const req = ipv4Frames(w.a.sent, IpProtocol.ICMP)[0];
    expect(formatIpv4(req.src)).toBe('10.0.0.4');
  });

  it('rejects bad arguments with typed errors', () => {
    const s = new Stack();
    const codes = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof NetstackError ? e.code : String(e);
      }
      return 'no error';
    };
    expect(codes(() => s.ping('10.0.0.300', { id: 1, seq: 1 }))).toBe('bad-address');
    expect(codes(() => s.ping('10.0.0.1', { id: 70000, seq: 1 }))).toBe('bad-value');
    expect(codes(() => s.ping('10.0.0.1', { id: 1, seq: 1, size: 70000 }))).toBe('bad-value');
    expect(codes(() => s.ping('10.0.0.1', { id: 1, seq: 1, ttl: 0 }))).toBe('bad-value');
    s.close();
    expect(codes(() => s.ping('127.0.0.1', { id: 1, seq: 1 }))).toBe('closed');
  });

  it('answers a request that arrives as a crafted frame', () => {
    lab = new Lab();
    const h = lab.stack();
    const w = lab.link(h, 'eth0', '10.0.0.1/24', new Stack(), 'x', undefined);
    h.arp.add('10.0.0.9', '02:00:00:00:00:09');
    const hMac = '02:00:00:00:00:01';
    w.a.inject(
      build(
        ethernet({ src: '02:00:00:00:00:09', dst: hMac }),
        ipv4({ src: '10.0.0.9', dst: '10.0.0.1', ttl: 5 }),
        icmpv4({ kind: 'echo-request', identifier: 77, sequence: 3, data: new Uint8Array([1, 2, 3]) }),
      ),
    );
    const reply = ipv4Frames(w.a.sent, IpProtocol.ICMP).at(-1)!;
    expect(Icmpv4.parse(reply.bytes, reply.payloadOffset, reply.payloadLen)).toEqual({
      kind: 'echo-reply',
      identifier: 77,
      sequence: 3,
      data: new Uint8Array([1, 2, 3]),
    });
    expect([formatIpv4(reply.src), formatIpv4(reply.dst), reply.ttl, reply.verifyChecksum()]).toEqual(['10.0.0.1', '10.0.0.9', 64, true]);
    expect(reply.bytes.length).toBe(60); // padded to the Ethernet minimum
  });
});
