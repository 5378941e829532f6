import {
  build,
  dissect,
  ethernet,
  fieldMap,
  ipv4,
  ipv6,
  payload,
  pseudoHeaderSum4,
  pseudoHeaderSum6,
  tcp,
  u16,
  udp,
  verifyChecksum,
  vlan,
} from '@vnet/frame';
import { describe, expect, it } from 'vitest';
import {
  FlowDrop,
  FlowPipeline,
  type FlowPipelineOptions,
  FrameBurst,
  NORMAL_FLOOD,
  type NormalFn,
  OutputKind,
  type PacketIn,
  SwitchError,
} from '../src/index.js';

interface Sent {
  port: number;
  kind: number;
  bytes: Uint8Array;
}

/** A pipeline on ports 1-4 whose outputs are recorded as copies. */
function lab(options: Partial<FlowPipelineOptions> = {}) {
  const out: Sent[] = [];
  const p = new FlowPipeline({
    ports: [1, 2, 3, 4],
    microflowInsertInv: 1,
    output: (port, b, o, l, kind) => out.push({ port, kind, bytes: b.slice(o, o + l) }),
    ...options,
  });
  /** Sends one frame in on `inPort` and returns what came out. */
  const send = (inPort: number, frame: Uint8Array): Sent[] => {
    p.process(frame, 0, frame.length, inPort);
    return out.splice(0);
  };
  return { p, out, send };
}

const mac = (n: number) => `00:00:00:00:00:0${n}`;
const tcpTo = (dst: string, extra: { src?: string; sport?: number; dport?: number; ttl?: number; tos?: number } = {}) =>
  build(
    ethernet({ src: mac(1), dst: mac(2) }),
    ipv4({ src: extra.src ?? '10.0.0.1', dst, ttl: extra.ttl ?? 64, dscp: (extra.tos ?? 0) >> 2 }),
    tcp({ srcPort: extra.sport ?? 1234, dstPort: extra.dport ?? 80 }),
    payload('hello, world'),
  );
const fields = (b: Uint8Array) => fieldMap(dissect(b));
const ports = (sent: Sent[]) => sent.map((s) => s.port);

/** Whether the IPv4/IPv6 header and TCP/UDP checksums of an Ethernet frame verify. */
function checksumsOk(b: Uint8Array): boolean {
  let t = 12;
  while (u16(b, t) === 0x8100 || u16(b, t) === 0x88a8) t += 4;
  const type = u16(b, t);
  const l3 = t + 2;
  if (type === 0x0800) {
    const ihl = (b[l3] & 15) * 4;
    if (!verifyChecksum(b, l3, l3 + ihl)) return false;
    const total = u16(b, l3 + 2);
    const proto = b[l3 + 9];
    const l4 = l3 + ihl;
    const len = total - ihl;
    const src = ((b[l3 + 12] << 24) | (b[l3 + 13] << 16) | (b[l3 + 14] << 8) | b[l3 + 15]) >>> 0;
    const dst = ((b[l3 + 16] << 24) | (b[l3 + 17] << 16) | (b[l3 + 18] << 8) | b[l3 + 19]) >>> 0;
    if (proto === 17 && u16(b, l4 + 6) === 0) return true;
    if (proto === 6 || proto === 17) return verifyChecksum(b, l4, l4 + len, pseudoHeaderSum4(src, dst, proto, len));
    return true;
  }
  if (type === 0x86dd) {
    const len = u16(b, l3 + 4);
    const proto = b[l3 + 6];
    if (proto === 6 || proto === 17) return verifyChecksum(b, l3 + 40, l3 + 40 + len, pseudoHeaderSum6(b, l3 + 8, l3 + 24, proto, len));
  }
  return true;
}

/** frames = delivered + every drop: nothing is lost without a count. */
function conserved(p: FlowPipeline): void {
  const s = p.stats;
  const dropped = Object.values(s.drops).reduce((a, b) => a + b, 0);
  expect(s.delivered + dropped).toBe(s.frames);
}

describe('flow tables', () => {
  it('sends a frame where the highest-priority matching flow says', () => {
    const { p, send } = lab();
    p.addFlow('priority=100,ip,nw_dst=10.0.0.2,actions=output:2');
    p.addFlow('priority=200,tcp,nw_dst=10.0.0.2,tp_dst=22,actions=output:3');
    p.addFlow('priority=0,actions=output:4');
    expect(ports(send(1, tcpTo('10.0.0.2')))).toEqual([2]);
    expect(ports(send(1, tcpTo('10.0.0.2', { dport: 22 })))).toEqual([3]);
    expect(ports(send(1, tcpTo('10.0.0.9')))).toEqual([4]);
    conserved(p);
  });

  it('drops and counts a table miss, an explicit drop, and an output only to the ingress port', () => {
    const { p, send } = lab();
    expect(send(1, tcpTo('10.0.0.2'))).toEqual([]);
    p.addFlow('ip,nw_dst=10.0.0.2,actions=drop');
    p.addFlow('ip,nw_dst=10.0.0.3,actions=output:1');
    expect(send(1, tcpTo('10.0.0.2'))).toEqual([]);
    expect(send(1, tcpTo('10.0.0.3'))).toEqual([]);
    expect(send(1, tcpTo('10.0.0.4'))).toEqual([]);
    expect(p.stats.drops).toEqual({ [FlowDrop.NoMatch]: 2, [FlowDrop.DropAction]: 1, [FlowDrop.NoEgress]: 1 });
    conserved(p);
  });

  it('floods to every other port that is up, all also to no-flood ports, in_port back out', () => {
    const { p, send } = lab();
    p.addFlow('tcp,tp_dst=1,actions=flood');
    p.addFlow('tcp,tp_dst=2,actions=all');
    p.addFlow('tcp,tp_dst=3,actions=in_port');
    p.setPortUp(3, false);
    p.setPortFlood(4, false);
    expect(ports(send(1, tcpTo('10.0.0.2', { dport: 1 })))).toEqual([2]);
    expect(send(1, tcpTo('10.0.0.2', { dport: 1 }))[0].kind).toBe(OutputKind.Flood);
    expect(ports(send(2, tcpTo('10.0.0.2', { dport: 2 })))).toEqual([1, 4]);
    expect(ports(send(2, tcpTo('10.0.0.2', { dport: 3 })))).toEqual([2]);
    p.setPortUp(3, true);
    expect(ports(send(1, tcpTo('10.0.0.2', { dport: 1 })))).toEqual([2, 3]);
  });

  it('follows goto_table to later tables, which see rewritten fields', () => {
    const { p, send } = lab();
    p.addFlow('table=0,ip,nw_dst=10.0.0.2,actions=mod_nw_dst:10.9.9.9,goto_table:1');
    p.addFlow('table=0,priority=0,actions=goto_table:2');
    p.addFlow('table=1,ip,nw_dst=10.9.9.9,actions=output:3');
    p.addFlow('table=2,actions=output:4');
    const [a] = send(1, tcpTo('10.0.0.2'));
    expect(a.port).toBe(3);
    expect(fields(a.bytes)['ip.dst']).toBe('10.9.9.9');
    expect(ports(send(1, tcpTo('10.0.0.7')))).toEqual([4]);
    // A miss in a later table is a table miss.
    p.deleteFlows('table=1');
    expect(send(1, tcpTo('10.0.0.2'))).toEqual([]);
    expect(p.stats.drops[FlowDrop.NoMatch]).toBe(1);
  });

  it('replaces a flow with the same match and priority, resetting its counters', () => {
    const { p, send } = lab();
    p.addFlow('priority=5,ip,actions=output:2');
    send(1, tcpTo('10.0.0.2'));
    p.addFlow('priority=5,ip,actions=output:3');
    expect(p.flows()).toHaveLength(1);
    expect(p.flows()[0].packets).toBe(0);
    expect(ports(send(1, tcpTo('10.0.0.2')))).toEqual([3]);
  });

  it('deletes flows as del-flows does: non-strict, strict, by cookie, out_port and table', () => {
    const { p } = lab();
    p.addFlow('cookie=0x11,priority=10,ip,nw_dst=10.0.0.2,actions=output:2');
    p.addFlow('cookie=0x12,priority=20,ip,nw_dst=10.0.0.2,actions=output:3');
    p.addFlow('cookie=0x21,tcp,nw_dst=10.0.0.0/8,tp_dst=80,actions=output:2');
    p.addFlow('table=1,cookie=0x22,arp,actions=output:4');
    expect(p.deleteFlows('priority=20,ip,nw_dst=10.0.0.2', { strict: true })).toBe(1);
    expect(p.deleteFlows('cookie=0x20/0xf0')).toBe(2);
    expect(p.deleteFlows('out_port=3')).toBe(0);
    p.addFlow('table=1,arp,actions=output:4');
    expect(p.deleteFlows('table=1')).toBe(1);
    expect(p.flows().map((f) => f.match)).toEqual(['priority=10,ip,nw_dst=10.0.0.2']);
    expect(p.deleteFlows({ ip: true })).toBe(1);
    expect(p.deleteFlows()).toBe(0);
  });

  it('takes flows as data too, checked like text', () => {
    const { p, send } = lab();
    p.addFlow({ priority: 300, match: { tcp: true, nw_dst: '10.0.0.2', tp_dst: 80 }, actions: [{ type: 'output', port: 4 }] });
    p.addFlow({ match: 'udp', actions: 'output:3' });
    expect(ports(send(1, tcpTo('10.0.0.2')))).toEqual([4]);
    expect(() => p.addFlow({ match: { nw_dst: '10.0.0.2' }, actions: 'drop' })).toThrow(SwitchError);
    expect(() => p.addFlow({ actions: [{ type: 'output', port: -1 }] })).toThrow(/out of range/);
    expect(() => p.addFlow({ table: 3, actions: [{ type: 'goto_table', table: 1 }] })).toThrow(/forward/);
  });
});

describe('rewrites', () => {
  it('pushes, rewrites and strips VLAN tags as mod_vlan_vid, push_vlan and strip_vlan do', () => {
    const { p, send } = lab();
    p.addFlow('in_port=1,actions=mod_vlan_vid:10,output:2');
    p.addFlow('in_port=2,actions=mod_vlan_vid:20,mod_vlan_pcp:5,output:3');
    p.addFlow('in_port=3,actions=strip_vlan,output:4');
    p.addFlow('in_port=4,actions=push_vlan:0x88a8,output:1');
    const untagged = tcpTo('10.0.0.2');
    const tagged = build(
      ethernet({ src: mac(1), dst: mac(2) }),
      vlan({ vid: 7, pcp: 3 }),
      ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }),
      udp(),
      payload('x'),
    );
    const pushed = fields(send(1, untagged)[0].bytes);
    expect([pushed['vlan.id'], pushed['vlan.priority'], pushed['ip.dst']]).toEqual([10, 0, '10.0.0.2']);
    const rewritten = fields(send(2, tagged)[0].bytes);
    expect([rewritten['vlan.id'], rewritten['vlan.priority']]).toEqual([20, 5]);
    const stripped = send(3, tagged)[0].bytes;
    expect(stripped).toEqual(untaggedLike(tagged));
    const qinq = send(4, tagged)[0].bytes;
    // The new outer tag copies the VID and PCP of the one it covers.
    expect([u16(qinq, 12), u16(qinq, 14), u16(qinq, 16), u16(qinq, 18)]).toEqual([0x88a8, (3 << 13) | 7, 0x8100, (3 << 13) | 7]);
  });

  it('rewrites addresses and ports with checksums fixed, and leaves the caller’s frame alone', () => {
    const { p, send } = lab();
    p.addFlow(
      'tcp,actions=output:2,mod_dl_src:00:00:00:00:00:aa,mod_dl_dst:00:00:00:00:00:bb,mod_nw_src:192.168.1.1,mod_nw_dst:192.168.1.2,mod_tp_src:4000,mod_tp_dst:8080,mod_nw_tos:184,output:3',
    );
    p.addFlow('udp,actions=mod_nw_dst:172.16.0.1,mod_tp_dst:5353,output:3');
    const frame = tcpTo('10.0.0.2');
    const before = frame.slice();
    const [first, second] = send(1, frame);
    expect(frame).toEqual(before);
    expect(first.bytes).toEqual(before);
    const f = fields(second.bytes);
    expect([f['eth.src'], f['eth.dst'], f['ip.src'], f['ip.dst'], f['tcp.srcport'], f['tcp.dstport'], f['ip.dsfield.dscp']]).toEqual([
      '00:00:00:00:00:aa',
      '00:00:00:00:00:bb',
      '192.168.1.1',
      '192.168.1.2',
      4000,
      8080,
      46,
    ]);
    expect(checksumsOk(second.bytes)).toBe(true);
    for (const checksum of ['compute', 'none'] as const) {
      const u = build(ethernet(), ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }), udp({ srcPort: 9, dstPort: 53, checksum }), payload('query'));
      const [out] = send(1, u);
      expect(checksumsOk(out.bytes)).toBe(true);
      expect(fields(out.bytes)['udp.dstport']).toBe(5353);
      // A UDP checksum of zero means "none", and stays so.
      expect(u16(out.bytes, 40) === 0).toBe(checksum === 'none');
    }
  });

  it('rewrites frames that sit inside a bigger buffer, at any alignment, as it rewrites whole ones', () => {
    const { p, send, out } = lab();
    p.addFlow('udp,actions=mod_nw_dst:10.7.7.7,mod_tp_dst:7,push_vlan:0x8100,output:2');
    const frame = build(
      ethernet(),
      ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }),
      udp({ srcPort: 1, dstPort: 2 }),
      payload(new Uint8Array(901).fill(7)),
    );
    const [whole] = send(1, frame);
    expect(checksumsOk(whole.bytes)).toBe(true);
    const ring = new Uint8Array(4096);
    for (const at of [1, 2, 3, 4, 1001]) {
      ring.fill(0xee);
      ring.set(frame, at);
      p.process(ring, at, frame.length, 1);
      p.process(ring.subarray(at - 1), 1, frame.length, 1);
    }
    const sent = out.splice(0);
    expect(sent).toHaveLength(10);
    for (const o of sent) expect(o.bytes).toEqual(whole.bytes);
  });

  it('rewrites IPv6 addresses with the transport checksum fixed', () => {
    const { p, send } = lab();
    p.addFlow('tcp6,actions=set_field:2001:db8::99->ipv6_dst,set_field:fe80::1->ipv6_src,mod_tp_dst:443,mod_nw_tos:32,output:2');
    const frame = build(ethernet(), ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }), tcp({ srcPort: 5, dstPort: 80 }), payload('six'));
    const [out] = send(1, frame);
    const f = fields(out.bytes);
    expect([f['ipv6.src'], f['ipv6.dst'], f['tcp.dstport']]).toEqual(['fe80::1', '2001:db8::99', 443]);
    expect((u16(out.bytes, 14) >>> 4) & 0xff).toBe(32);
    expect(checksumsOk(out.bytes)).toBe(true);
  });

  it('decrements the TTL, and drops a frame whose TTL runs out after what it already sent', () => {
    const { p, send } = lab();
    p.addFlow('tcp,tp_dst=80,actions=dec_ttl,output:2');
    p.addFlow('tcp,tp_dst=81,actions=output:3,dec_ttl,output:2');
    const [out] = send(1, tcpTo('10.0.0.2', { ttl: 9 }));
    expect(fields(out.bytes)['ip.ttl']).toBe(8);
    expect(checksumsOk(out.bytes)).toBe(true);
    expect(send(1, tcpTo('10.0.0.2', { ttl: 1 }))).toEqual([]);
    expect(ports(send(1, tcpTo('10.0.0.2', { ttl: 1, dport: 81 })))).toEqual([3]);
    expect(p.stats.drops).toEqual({ [FlowDrop.TtlExceeded]: 1 });
    conserved(p);
  });
});

/** A tagged frame with its tag taken out. */
function untaggedLike(tagged: Uint8Array): Uint8Array {
  const out = new Uint8Array(tagged.length - 4);
  out.set(tagged.subarray(0, 12), 0);
  out.set(tagged.subarray(16), 12);
  return out;
}

describe('groups, mirrors, controller', () => {
  it('runs every bucket of an all group on its own copy', () => {
    const { p, send } = lab();
    p.addGroup('group_id=1,type=all,bucket=mod_dl_dst:00:00:00:00:00:09,output:2,bucket=output:3');
    p.addFlow('ip,actions=group:1');
    const [a, b] = send(1, tcpTo('10.0.0.2'));
    expect([a.port, fields(a.bytes)['eth.dst']]).toEqual([2, '00:00:00:00:00:09']);
    expect([b.port, fields(b.bytes)['eth.dst']]).toEqual([3, mac(2)]);
    expect(p.dumpGroups()).toBe(' group_id=1,type=all,bucket=actions=mod_dl_dst:00:00:00:00:00:09,output:2,bucket=actions=output:3');
  });

  it('spreads flows over select buckets by weight, each flow staying on its bucket', () => {
    const { p, send } = lab();
    p.addGroup({
      id: 2,
      type: 'select',
      buckets: [
        { weight: 25, actions: 'output:2' },
        { weight: 75, actions: 'output:3' },
      ],
    });
    p.addFlow('tcp,actions=group:2');
    const chosen = new Map<number, number>();
    for (let i = 0; i < 2000; i++) {
      const frame = tcpTo('10.0.0.2', { sport: 1000 + i });
      const [first] = send(1, frame);
      const [again] = send(1, frame);
      expect(again.port).toBe(first.port);
      chosen.set(first.port, (chosen.get(first.port) ?? 0) + 1);
    }
    // 2000 flows, p = 0.25: the count of port 2 has a standard deviation of about 19.
    expect(chosen.get(2)! / 2000).toBeGreaterThan(0.2);
    expect(chosen.get(2)! / 2000).toBeLessThan(0.3);
    // A bucket whose watch port is down is left out.
    p.modGroup('group_id=2,type=select,bucket=watch_port:2,output:2,bucket=watch_port:3,output:3');
    p.setPortUp(3, false);
    for (let i = 0; i < 50; i++) expect(ports(send(1, tcpTo('10.0.0.2', { sport: 1000 + i })))).toEqual([2]);
  });

  it('fails over to the next live bucket of a fast-failover group, and back', () => {
    const { p, send } = lab();
    p.addGroup('group_id=3,type=ff,bucket=watch_port:2,output:2,bucket=watch_port:3,output:3');
    p.addFlow('actions=group:3');
    expect(ports(send(1, tcpTo('10.0.0.2')))).toEqual([2]);
    p.setPortUp(2, false);
    expect(ports(send(1, tcpTo('10.0.0.2')))).toEqual([3]);
    p.setPortUp(3, false);
    expect(send(1, tcpTo('10.0.0.2'))).toEqual([]);
    p.setPortUp(2, true);
    expect(ports(send(1, tcpTo('10.0.0.2')))).toEqual([2]);
    expect(p.stats.drops).toEqual({ [FlowDrop.NoEgress]: 1 });
  });

  it('refuses flows that name a missing group, and deleting a group deletes its flows', () => {
    const { p } = lab();
    expect(() => p.addFlow('actions=group:9')).toThrow(/group 9/);
    p.addGroup('group_id=9,type=indirect,bucket=output:2');
    p.addFlow('actions=group:9');
    p.addFlow('priority=1,actions=output:3');
    expect(() => p.addGroup('group_id=9,type=all,bucket=output:2')).toThrow(/exists/);
    expect(p.deleteGroups(9)).toBe(1);
    expect(p.flows().map((f) => f.actions)).toEqual(['output:3']);
  });

  it('mirrors what enters and leaves chosen ports, once per frame', () => {
    const { p, send } = lab();
    p.addFlow('in_port=1,actions=output:2,output:3');
    p.addFlow('in_port=2,actions=output:1');
    p.addMirror({ name: 'span', srcPorts: [1], dstPorts: [1, 2, 3], outputPort: 4 });
    const sent = send(1, tcpTo('10.0.0.2'));
    expect(sent.map((s) => [s.port, s.kind])).toEqual([
      [4, OutputKind.Mirror],
      [2, OutputKind.Port],
      [3, OutputKind.Port],
    ]);
    expect(ports(send(2, tcpTo('10.0.0.2')))).toEqual([1, 4]);
    expect(p.removeMirror('span')).toBe(true);
    expect(ports(send(2, tcpTo('10.0.0.2')))).toEqual([1]);
  });

  it('hands frames to the controller callback, and counts them when there is none', () => {
    const got: Array<[PacketIn, number]> = [];
    const { p, send } = lab({ controller: (info, _b, _o, length) => got.push([info, length]) });
    p.addFlow('table=0,cookie=0x7,tcp,actions=controller:128');
    const frame = tcpTo('10.0.0.2');
    send(3, frame);
    send(3, frame);
    expect(got).toHaveLength(2);
    expect(got[0]).toEqual([{ inPort: 3, table: 0, cookie: 7n, maxLen: 128, reason: 'action' }, frame.length]);
    const alone = lab();
    alone.p.addFlow('actions=controller');
    alone.send(1, frame);
    expect(alone.p.stats.drops).toEqual({ [FlowDrop.NoController]: 1 });
  });
});

describe('the caches', () => {
  it('upcalls once per megaflow, then hits the megaflow cache and the microflow cache', () => {
    const { p, send } = lab();
    p.addFlow('priority=100,ip,nw_dst=10.0.0.2,actions=output:2');
    send(1, tcpTo('10.0.0.2', { sport: 1 }));
    expect([p.stats.upcalls, p.stats.megaflowHits, p.stats.microflowHits]).toEqual([1, 0, 0]);
    // Another source port: the megaflow only looked at nw_dst, so no upcall.
    send(1, tcpTo('10.0.0.2', { sport: 2 }));
    expect([p.stats.upcalls, p.stats.megaflowHits, p.stats.microflowHits]).toEqual([1, 1, 0]);
    send(1, tcpTo('10.0.0.2', { sport: 2 }));
    expect([p.stats.upcalls, p.stats.megaflowHits, p.stats.microflowHits]).toEqual([1, 1, 1]);
    expect(p.stats.megaflows).toBe(1);
    expect(p.dumpMegaflows()).toBe('in_port(1),eth_type(0x0800),ipv4(dst=10.0.0.2), packets:3, bytes:198, used:0.000s, actions:2');
  });

  it('un-wildcards only what the lookup consulted: a higher-priority match stops the search', () => {
    const { p, send } = lab();
    p.addFlow('priority=200,tcp,tp_dst=22,actions=output:3');
    p.addFlow('priority=100,ip,nw_dst=10.0.0.2,actions=output:2');
    send(1, tcpTo('10.0.0.2', { dport: 22 }));
    send(1, tcpTo('10.0.0.7', { dport: 22 }));
    send(1, tcpTo('10.0.0.2', { dport: 80 }));
    expect(p.dumpMegaflows().split('\n')).toEqual([
      'in_port(1),eth_type(0x0800),ipv4(proto=6),tcp(dst=22), packets:2, bytes:132, used:0.000s, actions:3',
      'in_port(1),eth_type(0x0800),ipv4(dst=10.0.0.2,proto=6),tcp(dst=80), packets:1, bytes:66, used:0.000s, actions:2',
    ]);
  });

  it('flushes the caches when flows, groups or ports change: the next frame follows the new rules', () => {
    const { p, send } = lab();
    p.addFlow('priority=100,ip,actions=output:2');
    const frame = tcpTo('10.0.0.2');
    for (let i = 0; i < 3; i++) expect(ports(send(1, frame))).toEqual([2]);
    p.addFlow('priority=200,tcp,actions=output:3');
    expect(ports(send(1, frame))).toEqual([3]);
    p.deleteFlows('tcp');
    expect(ports(send(1, frame))).toEqual([2]);
    p.setPortUp(2, false);
    expect(send(1, frame)).toEqual([]);
    expect(p.stats.flushes).toBe(3);
  });

  it('forgets normal decisions when told the MAC table changed, and only those', () => {
    const table = new Map<number, number>();
    const normal: NormalFn = (key, out) => {
      const dst = key[1] * 2 ** 32 + key[2];
      const port = table.get(dst);
      if (port === undefined) return NORMAL_FLOOD;
      out[0] = port;
      return 1;
    };
    const { p, send } = lab({ normal });
    p.addFlow('priority=10,actions=normal');
    p.addFlow('priority=20,udp,actions=output:4');
    const frame = tcpTo('10.0.0.2');
    const sent = send(1, frame);
    expect(sent.map((s) => [s.port, s.kind])).toEqual([
      [2, OutputKind.Normal],
      [3, OutputKind.Normal],
      [4, OutputKind.Normal],
    ]);
    send(1, build(ethernet(), ipv4(), udp(), payload('u')));
    table.set(2, 3);
    // Until told, the cache keeps the old decision (as OVS would until revalidation) …
    expect(ports(send(1, frame))).toEqual([2, 3, 4]);
    p.invalidate();
    // … and once told, no frame follows it.
    expect(ports(send(1, frame))).toEqual([3]);
    expect(p.stats.megaflows).toBe(2);
    expect(p.stats.upcalls).toBe(3);
    expect(p.stats.invalidations).toBe(1);
  });

  it('tells the learning switch on poll which normal flows carried traffic', () => {
    const refreshed: string[] = [];
    const { p, send } = lab({
      normal: () => NORMAL_FLOOD,
      refreshNormal: (key) => refreshed.push(`${key[0]}:${key[4]}`),
    });
    p.addFlow('actions=normal');
    send(1, tcpTo('10.0.0.2'));
    send(2, tcpTo('10.0.0.2'));
    p.poll(1000);
    expect(refreshed.sort()).toEqual(['1:1', '2:1']);
    p.poll(2000);
    expect(refreshed).toHaveLength(2);
  });

  it('keeps switching, uncached, when the megaflow cache is full', () => {
    const { p, send } = lab({ maxMegaflows: 1 });
    p.addFlow('ip,nw_dst=10.0.0.2,actions=output:2');
    p.addFlow('ip,nw_dst=10.0.0.3,actions=output:3');
    for (let i = 0; i < 3; i++) {
      expect(ports(send(1, tcpTo('10.0.0.2')))).toEqual([2]);
      expect(ports(send(1, tcpTo('10.0.0.3')))).toEqual([3]);
    }
    expect(p.stats.megaflows).toBe(1);
    expect(p.stats.upcalls).toBe(4);
    expect(p.flows().map((f) => f.packets)).toEqual([3, 3]);
  });

  it('expires idle megaflows on poll', () => {
    const { p, send } = lab({ megaflowIdleMs: 5000 });
    p.addFlow('actions=output:2');
    send(1, tcpTo('10.0.0.2'));
    p.poll(4000);
    expect(p.stats.megaflows).toBe(1);
    p.poll(6000);
    expect(p.stats.megaflows).toBe(0);
    send(1, tcpTo('10.0.0.2'));
    expect(p.stats.upcalls).toBe(2);
  });
});

describe('timeouts and counters', () => {
  it('removes a flow idle for idle_timeout, keeps one in use, and removes any at hard_timeout', () => {
    const { p, send } = lab({ now: 0 });
    p.addFlow('idle_timeout=10,ip,nw_dst=10.0.0.2,actions=output:2');
    p.addFlow('idle_timeout=10,ip,nw_dst=10.0.0.3,actions=output:3');
    p.addFlow('hard_timeout=30,arp,actions=flood');
    expect(p.pollAt()).toBe(1000);
    for (let t = 1000; t <= 25_000; t += 1000) {
      p.poll(t);
      send(1, tcpTo('10.0.0.3'));
    }
    expect(p.flows().map((f) => f.match)).toEqual(['ip,nw_dst=10.0.0.3', 'arp']);
    expect(p.pollAt()).toBe(26_000);
    p.poll(30_000);
    expect(p.flows().map((f) => f.match)).toEqual(['ip,nw_dst=10.0.0.3']);
    p.poll(35_000);
    expect(p.flows()).toEqual([]);
    expect(send(1, tcpTo('10.0.0.3'))).toEqual([]);
  });

  it('counts packets and bytes per flow and prints them as ovs-ofctl dump-flows', () => {
    const { p, send } = lab({ now: 1000 });
    p.addFlow('priority=100,idle_timeout=10,ip,nw_dst=10.0.0.2,actions=output:2');
    p.addFlow('table=1,cookie=0xbeef,hard_timeout=60,actions=drop');
    p.addFlow('priority=0,actions=NORMAL');
    for (let i = 0; i < 3; i++) send(1, tcpTo('10.0.0.2', { sport: i }));
    send(1, tcpTo('10.0.0.9'));
    p.poll(2234);
    expect(p.dumpFlows()).toBe(
      [
        ' cookie=0x0, duration=1.234s, table=0, n_packets=3, n_bytes=198, idle_timeout=10, priority=100,ip,nw_dst=10.0.0.2 actions=output:2',
        ' cookie=0x0, duration=1.234s, table=0, n_packets=1, n_bytes=66, priority=0 actions=NORMAL',
        ' cookie=0xbeef, duration=1.234s, table=1, n_packets=0, n_bytes=0, hard_timeout=60, actions=drop',
      ].join('\n'),
    );
    expect(p.dumpFlows('table=1')).toContain('cookie=0xbeef');
    const [flow] = p.flows('ip');
    expect([flow.packets, flow.bytes, flow.idleAge]).toEqual([3, 198, 1.234]);
  });
});

describe('frames it cannot parse, bursts, re-entry', () => {
  it('counts malformed frames as drops and never throws', () => {
    const { p, send } = lab();
    p.addFlow('actions=output:2');
    const good = tcpTo('10.0.0.2');
    expect(send(1, new Uint8Array(10))).toEqual([]);
    expect(send(1, good.subarray(0, 30))).toEqual([]);
    // A frame whose length runs past its buffer.
    p.process(good, 0, good.length + 100, 1);
    expect(p.stats.drops).toEqual({ [FlowDrop.Malformed]: 3 });
    conserved(p);
  });

  it('survives garbage: random bytes under every kind of rewrite, each frame counted', () => {
    const { p, out } = lab();
    p.addGroup('group_id=1,type=all,bucket=mod_tp_dst:9,output:3,bucket=strip_vlan,output:4');
    p.addFlow('priority=3,ip,actions=mod_nw_src:1.2.3.4,mod_tp_src:7,mod_nw_tos:8,dec_ttl,output:2,group:1');
    p.addFlow('priority=3,ipv6,actions=set_field:2001:db8::7->ipv6_src,mod_tp_dst:7,dec_ttl,output:2');
    p.addFlow('priority=2,actions=push_vlan:0x88a8,mod_vlan_vid:5,strip_vlan,mod_dl_src:00:00:00:00:00:07,output:3');
    let seed = 12345;
    const byte = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    const types = [0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806];
    for (let i = 0; i < 3000; i++) {
      const f = Uint8Array.from({ length: byte() % 120 }, byte);
      if (f.length > 14) {
        const t = types[i % types.length];
        f[12] = t >>> 8;
        f[13] = t & 0xff;
        if (t === 0x0800) f[14] = 0x40 | (byte() & 15);
        if (t === 0x86dd) f[14] = 0x60;
      }
      p.process(f, 0, f.length, 1 + (i % 4));
    }
    // A jumbo frame, bigger than the scratch buffers start.
    const jumbo = new Uint8Array(70_000);
    jumbo[12] = 0x08;
    jumbo[14] = 0x45;
    jumbo[22] = 64;
    out.length = 0;
    p.process(jumbo, 0, jumbo.length, 1);
    expect(out.map((o) => [o.port, o.bytes.length])).toEqual([
      [2, 70_000],
      [3, 70_000],
      [4, 70_000],
    ]);
    expect(p.stats.frames).toBe(3001);
    conserved(p);
  });

  it('switches a burst as it would each frame, hits first and misses after, in order', () => {
    const { p, out } = lab();
    p.addFlow('ip,nw_dst=10.0.0.2,actions=output:2');
    p.addFlow('ip,nw_dst=10.0.0.3,actions=output:3');
    const a = tcpTo('10.0.0.2');
    const b = tcpTo('10.0.0.3');
    p.process(a, 0, a.length, 1);
    out.length = 0;
    const burst = new FrameBurst();
    for (const [f, port] of [
      [b, 1],
      [a, 1],
      [new Uint8Array(8), 1],
      [b, 4],
      [a, 1],
    ] as const)
      burst.push(f, 0, f.length, port);
    p.processBurst(burst);
    // a hits the cache; the two b frames miss and go after, in arrival order.
    expect(ports(out)).toEqual([2, 2, 3, 3]);
    expect(p.stats.upcalls).toBe(3);
    expect(p.stats.drops).toEqual({ [FlowDrop.Malformed]: 1 });
    conserved(p);
    burst.clear();
    expect(burst.count).toBe(0);
    for (let i = 0; i < 32; i++) expect(burst.push(a, 0, a.length, 1)).toBe(true);
    expect(burst.push(a, 0, a.length, 1)).toBe(false);
  });

  it('drops and counts a frame processed from inside its own output callback', () => {
    let p!: FlowPipeline;
    let inner = 0;
    p = new FlowPipeline({
      ports: [1, 2],
      output: (_port, b, o, l) => {
        if (inner++ === 0) p.process(b, o, l, 2);
      },
    });
    p.addFlow('actions=output:2');
    const f = tcpTo('10.0.0.2');
    p.process(f, 0, f.length, 1);
    expect(p.stats.drops).toEqual({ [FlowDrop.Reentrant]: 1 });
    conserved(p);
  });

  it('refuses bad options, ports and mirrors with typed errors', () => {
    expect(() => new FlowPipeline({ output: undefined as never })).toThrow(SwitchError);
    expect(() => new FlowPipeline({ output: () => {}, maxMegaflows: -1 })).toThrow(/maxMegaflows/);
    const { p } = lab();
    expect(() => p.addPort(1)).toThrow(expect.objectContaining({ code: 'port-in-use' }));
    expect(() => p.setPortUp(9, false)).toThrow(expect.objectContaining({ code: 'no-such-port' }));
    expect(() => p.addMirror({ name: 'm', outputPort: 9 })).toThrow(expect.objectContaining({ code: 'no-such-port' }));
    expect(() => p.addGroup('group_id=1,type=ff,bucket=watch_port:9,output:2')).toThrow(expect.objectContaining({ code: 'no-such-port' }));
  });
});
