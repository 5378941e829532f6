import { Arp, ArpOperation, arp, build, EthernetFrame, ethernet, formatIpv4, IpProtocol } from '@vnet/frame';
import { afterEach, describe, expect, it } from 'vitest';
import { type EchoEvent, NetstackError, type Stack } from '../src/index.js';
import { arpFrames, arpRequests, conserved, ipv4Frames, Lab, type Wire } from './lab.js';

let lab: Lab;
afterEach(() => lab?.close());

function pair(): { h1: Stack; h2: Stack; w: Wire } {
  lab = new Lab();
  const h1 = lab.stack({ hostname: 'h1' });
  const h2 = lab.stack({ hostname: 'h2' });
  const w = lab.link(h1, 'h1-eth0', '10.0.0.1/8', h2, 'h2-eth0', '10.0.0.2/8');
  lab.pump();
  return { h1, h2, w };
}

function listen(s: Stack, id: number): EchoEvent[] {
  const events: EchoEvent[] = [];
  s.onEcho(id, (e) => events.push({ ...e }));
  return events;
}

function arpOf(frame: Uint8Array) {
  return Arp.parse(frame, 14);
}

describe('ARP', () => {
  it('resolves a neighbour with one request and one reply, then talks unicast', () => {
    const { h1, h2, w } = pair();
    const before = w.a.sent.length;
    expect(h1.ping('10.0.0.2', { id: 1, seq: 1 })).toBe('queued');
    lab.pump();
    const asked = arpFrames(w.a.sent.slice(before));
    expect(asked).toHaveLength(1);
    const req = arpOf(asked[0]);
    expect(req.operation).toBe(ArpOperation.Request);
    expect(formatIpv4(req.targetIp)).toBe('10.0.0.2');
    expect(formatIpv4(req.senderIp)).toBe('10.0.0.1');
    expect(new EthernetFrame(asked[0]).dst).toBe(0xffff_ffff_ffff);
    const replies = arpFrames(w.b.sent)
      .map(arpOf)
      .filter((a) => a.operation === ArpOperation.Reply);
    expect(replies).toHaveLength(1);
    expect(formatIpv4(replies[0].senderIp)).toBe('10.0.0.2');
    expect(replies[0].targetMac).toBe(req.senderMac);

    // h1 asked and was answered: REACHABLE. h2 learnt h1 from the request: STALE, then DELAY once used.
    expect(h1.arp.entries()).toEqual([{ ip: '10.0.0.2', mac: '02:00:00:00:00:02', dev: 'h1-eth0', state: 'REACHABLE' }]);
    expect(h2.arp.entries()).toEqual([{ ip: '10.0.0.1', mac: '02:00:00:00:00:01', dev: 'h2-eth0', state: 'DELAY' }]);
    expect(h1.stats.arp).toMatchObject({ OutRequests: 1, InReplies: 1 });
    expect(h2.stats.arp).toMatchObject({ InRequests: 2, OutReplies: 1 }); // the gratuitous one and the question

    // The next ping needs no ARP.
    const n = arpFrames(w.a.sent).length;
    expect(h1.ping('10.0.0.2', { id: 1, seq: 2 })).toBe('sent');
    lab.pump();
    expect(arpFrames(w.a.sent)).toHaveLength(n);
    expect(conserved(h1) && conserved(h2)).toBe(true);
  });

  it('queues packets while resolving and sends them all, in order, when the reply comes', () => {
    const { h1, h2, w } = pair();
    const replies = listen(h1, 9);
    w.filter = (f, from) => !(from === w.b && new EthernetFrame(f).ethertype === 0x0806); // hold h2's ARP replies back
    for (let seq = 1; seq <= 3; seq++) expect(h1.ping('10.0.0.2', { id: 9, seq })).toBe('queued');
    lab.pump();
    expect(ipv4Frames(w.a.sent)).toHaveLength(0);
    expect(h1.arp.entries()[0].state).toBe('INCOMPLETE');
    w.filter = undefined;
    lab.advance(1000); // the second probe is answered
    expect(ipv4Frames(w.a.sent, IpProtocol.ICMP).map((p) => p.bytes[p.payloadOffset + 7])).toEqual([1, 2, 3]);
    expect(replies.map((e) => [e.kind, e.seq])).toEqual([
      ['reply', 1],
      ['reply', 2],
      ['reply', 3],
    ]);
    expect(h2.stats.icmp.InEchos).toBe(3);
  });

  it('bounds the queue, dropping the oldest and counting it', () => {
    lab = new Lab();
    const h1 = lab.stack({ neighbor: { queueLen: 2 } });
    const h2 = lab.stack();
    const w = lab.link(h1, 'eth0', '10.0.0.1/8', h2, 'eth0', '10.0.0.2/8');
    w.filter = (f, from) => from === w.a || new EthernetFrame(f).ethertype !== 0x0806;
    const replies = listen(h1, 1);
    for (let seq = 1; seq <= 5; seq++) h1.ping('10.0.0.2', { id: 1, seq });
    expect(h1.stats.txDrops['arp-queue-full']).toBe(3);
    w.filter = undefined;
    lab.advance(1000);
    expect(replies.map((e) => e.seq)).toEqual([4, 5]);
  });

  it('gives up after 3 probes a second apart: queued packets dropped, Destination Host Unreachable to the sender', () => {
    const { h1, w } = pair();
    w.filter = (_f, from) => from === w.a; // h2 hears, nothing comes back
    const events = listen(h1, 3);
    const t0 = lab.now;
    h1.ping('10.0.0.2', { id: 3, seq: 1 });
    lab.advance(1000);
    h1.ping('10.0.0.2', { id: 3, seq: 2 });
    expect(h1.pollAt()).toBe(t0 + 2000);
    lab.advance(1999);
    expect(events).toEqual([]);
    expect(arpRequests(w.a.sent)).toHaveLength(3);
    lab.advanceTo(t0 + 3000);
    expect(events.map((e) => [e.kind, e.seq, formatIpv4(e.from), e.code])).toEqual([
      ['unreachable', 1, '10.0.0.1', 1],
      ['unreachable', 2, '10.0.0.1', 1],
    ]);
    // What an iputils-style ping prints from these events.
    const line = (e: EchoEvent) => `From ${formatIpv4(e.from)} icmp_seq=${e.seq} Destination Host Unreachable`;
    expect(line(events[0])).toBe('From 10.0.0.1 icmp_seq=1 Destination Host Unreachable');
    expect(h1.arp.entries()).toEqual([{ ip: '10.0.0.2', dev: 'h1-eth0', state: 'FAILED' }]);
    expect(h1.stats.txDrops['arp-failed']).toBe(2);
    expect(h1.stats.arp.ResolutionFailures).toBe(1);
    expect(h1.stats.icmp.OutDestUnreachs).toBe(2);
    expect(h1.pollAt()).toBeUndefined(); // nothing pending any more

    // A FAILED neighbour is asked again by the next packet.
    w.filter = undefined;
    expect(h1.ping('10.0.0.2', { id: 3, seq: 3 })).toBe('queued');
    lab.pump();
    expect(events.at(-1)).toMatchObject({ kind: 'reply', seq: 3 });
  });

  it('ages REACHABLE to STALE, then re-confirms through DELAY and a unicast PROBE', () => {
    const { h1, w } = pair();
    h1.ping('10.0.0.2', { id: 1, seq: 1 });
    lab.advance(10);
    expect(h1.arp.entries()[0].state).toBe('REACHABLE');
    lab.advance(46_000); // beyond 1.5 × 30 s
    expect(h1.arp.entries()[0].state).toBe('STALE');
    expect(h1.pollAt()).toBeUndefined();
    const before = w.a.sent.length;
    expect(h1.ping('10.0.0.2', { id: 1, seq: 2 })).toBe('sent'); // STALE is still usable
    expect(h1.arp.entries()[0].state).toBe('DELAY');
    lab.advance(5000);
    const probe = arpFrames(w.a.sent.slice(before)).filter((f) => arpOf(f).operation === ArpOperation.Request);
    expect(probe).toHaveLength(1);
    expect(new EthernetFrame(probe[0]).dst).toBe(0x02_00_00_00_00_02); // unicast
    expect(h1.arp.entries()[0].state).toBe('REACHABLE');
  });

  it('fails an entry whose unicast probes go unanswered', () => {
    const { h1, w } = pair();
    h1.ping('10.0.0.2', { id: 1, seq: 1 });
    lab.advance(46_000);
    w.filter = (_f, from) => from === w.a;
    h1.ping('10.0.0.2', { id: 1, seq: 2 });
    lab.advance(5000 + 3000);
    expect(h1.arp.entries()[0].state).toBe('FAILED');
  });

  it('sends a gratuitous ARP when an address is added and when the interface comes up', () => {
    const { h1, w } = pair();
    const announced = () =>
      arpFrames(w.a.sent)
        .map(arpOf)
        .filter((a) => a.senderIp === a.targetIp && a.operation === ArpOperation.Request)
        .map((a) => formatIpv4(a.senderIp));
    expect(announced()).toEqual(['10.0.0.1']);
    h1.addAddress('h1-eth0', '192.168.1.1/24');
    expect(announced()).toEqual(['10.0.0.1', '192.168.1.1']);
    h1.setInterfaceUp('h1-eth0', false);
    h1.setInterfaceUp('h1-eth0', true);
    expect(announced()).toEqual(['10.0.0.1', '192.168.1.1', '10.0.0.1', '192.168.1.1']);
    w.setCarrier(false);
    h1.addAddress('h1-eth0', '172.16.0.1/16'); // no carrier: nothing to announce on
    w.setCarrier(true);
    expect(announced().slice(4)).toEqual(['10.0.0.1', '192.168.1.1', '172.16.0.1']);
    expect(h1.stats.arp.OutGratuitous).toBe(7);
  });

  it('updates an existing entry from a gratuitous ARP, but learns no new one from it', () => {
    const { h1, w } = pair();
    h1.ping('10.0.0.2', { id: 1, seq: 1 });
    lab.pump();
    const garp = (ip: string, mac: string) =>
      build(ethernet({ src: mac, dst: 'ff:ff:ff:ff:ff:ff' }), arp({ senderMac: mac, senderIp: ip, targetIp: ip }));
    w.a.inject(garp('10.0.0.2', '02:00:00:00:00:99'));
    w.a.inject(garp('10.0.0.77', '02:00:00:00:00:77'));
    expect(h1.arp.entries()).toEqual([{ ip: '10.0.0.2', mac: '02:00:00:00:00:99', dev: 'h1-eth0', state: 'STALE' }]);
  });

  it('answers only for its own addresses, and address probes (RFC 5227) without learning', () => {
    const { h1, w } = pair();
    const ask = (spa: string, tpa: string) =>
      build(
        ethernet({ src: '02:00:00:00:00:55', dst: 'ff:ff:ff:ff:ff:ff' }),
        arp({ senderMac: '02:00:00:00:00:55', senderIp: spa, targetIp: tpa }),
      );
    const before = w.a.sent.length;
    w.a.inject(ask('10.0.0.55', '10.0.0.3'));
    expect(w.a.sent.length).toBe(before);
    expect(h1.arp.entries()).toEqual([]);
    w.a.inject(ask('0.0.0.0', '10.0.0.1'));
    const probeReply = arpOf(w.a.sent.at(-1)!);
    expect([probeReply.operation, formatIpv4(probeReply.senderIp), probeReply.targetIp]).toEqual([ArpOperation.Reply, '10.0.0.1', 0]);
    expect(h1.arp.entries()).toEqual([]);
    w.a.inject(ask('10.0.0.55', '10.0.0.1'));
    expect(h1.arp.entries()).toEqual([{ ip: '10.0.0.55', mac: '02:00:00:00:00:55', dev: 'h1-eth0', state: 'STALE' }]);
    expect(h1.stats.frames.arp).toBe(h1.stats.frames.received);
  });

  it('keeps static entries forever and sends to them without asking', () => {
    const { h1, w } = pair();
    h1.arp.add('10.0.0.2', '02:00:00:00:00:02');
    h1.arp.add('10.0.0.3', '02:00:00:00:00:03', { permanent: false });
    expect(h1.arp.entries()).toEqual([
      { ip: '10.0.0.2', mac: '02:00:00:00:00:02', dev: 'h1-eth0', state: 'PERMANENT' },
      { ip: '10.0.0.3', mac: '02:00:00:00:00:03', dev: 'h1-eth0', state: 'REACHABLE' },
    ]);
    const events = listen(h1, 5);
    for (let i = 0; i < 24; i++) {
      h1.ping('10.0.0.2', { id: 5, seq: i });
      lab.advance(3_600_000 / 24);
    }
    expect(arpRequests(w.a.sent)).toEqual([]);
    expect(events).toHaveLength(24);
    // ARP from the neighbour never overrides a permanent entry.
    w.a.inject(
      build(ethernet({ src: '02:00:00:00:00:66' }), arp({ senderMac: '02:00:00:00:00:66', senderIp: '10.0.0.2', targetIp: '10.0.0.1' })),
    );
    const e = h1.arp.entries();
    expect(e[0]).toEqual({ ip: '10.0.0.2', mac: '02:00:00:00:00:02', dev: 'h1-eth0', state: 'PERMANENT' });
    expect(e[1].state).toBe('STALE'); // the non-permanent one aged
    h1.arp.delete('10.0.0.2');
    expect(h1.arp.entries().map((x) => x.ip)).toEqual(['10.0.0.3']);
    expect(() => h1.arp.delete('10.0.0.2')).toThrow(NetstackError);
    expect(() => h1.arp.add('192.168.0.1', '02:00:00:00:00:01')).toThrow(/no connected network/);
  });

  it('flushes learnt entries when the carrier goes down, but keeps permanent ones', () => {
    const { h1, w } = pair();
    h1.arp.add('10.0.0.9', '02:00:00:00:00:09');
    h1.ping('10.0.0.2', { id: 1, seq: 1 });
    lab.pump();
    expect(h1.arp.entries()).toHaveLength(2);
    h1.arp.add('10.0.0.8', '02:00:00:00:00:08', { permanent: false });
    h1.arp.flush();
    expect(h1.arp.entries().map((e) => e.ip)).toEqual(['10.0.0.9']);
    h1.ping('10.0.0.2', { id: 1, seq: 1 });
    lab.pump();
    w.setCarrier(false);
    expect(h1.arp.entries().map((e) => e.state)).toEqual(['PERMANENT']);
    expect(h1.ping('10.0.0.9', { id: 1, seq: 2 })).toBe('dropped');
    expect(h1.stats.txDrops['no-carrier']).toBe(1);
  });

  it('drops malformed and foreign ARP with a reason', () => {
    const { h1, w } = pair();
    const good = build(
      ethernet({ src: '02:00:00:00:00:55' }),
      arp({ senderMac: '02:00:00:00:00:55', senderIp: '10.0.0.55', targetIp: '10.0.0.1' }),
    );
    w.a.inject(good.subarray(0, 30));
    const rarp = good.slice();
    rarp[14 + 7] = 3; // RARP request operation
    w.a.inject(rarp);
    const bogus = build(
      ethernet({ src: '02:00:00:00:00:01' }),
      arp({ senderMac: '02:00:00:00:00:01', senderIp: '10.0.0.55', targetIp: '10.0.0.1' }),
    );
    w.a.inject(bogus); // claims our own MAC
    expect(h1.stats.rxDrops).toMatchObject({ truncated: 1, 'arp-unsupported': 1, 'arp-bogus': 1 });
    expect(conserved(h1)).toBe(true);
  });
});
