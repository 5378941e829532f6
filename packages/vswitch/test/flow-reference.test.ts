/**
 * The whole pipeline — microflow and megaflow caches, classifier, translation, executor —
 * against a reference that is trivially correct: no caches, a linear search of the rules for
 * every table visit, actions applied straight to a copy of the bytes with checksums recomputed
 * from scratch, and the flow key re-extracted from the rewritten bytes before every lookup.
 * Random rules, random frames, and random changes mid-stream (flows added and deleted, ports
 * going down, groups modified, the MAC table behind `normal` changing).
 */

import { isDeepStrictEqual } from 'node:util';
import {
  arp as arpLayer,
  build,
  ethernet,
  extractFlowKey,
  FlowKeyStatus,
  internetChecksum,
  ipv4,
  ipv6,
  type LayerSpec,
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
import { bucketLive, type PipelinePort, selectBucket } from '../src/flow/translate.js';
import {
  type FlowAction,
  type FlowGroup,
  FlowPipeline,
  FlowRule,
  formatMatch,
  NORMAL_FLOOD,
  type NormalFn,
  OutputKind,
  parseFlow,
  parseGroup,
} from '../src/index.js';

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)],
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof rng>;

const PORTS = [1, 2, 3, 4];
const MACS = ['00:00:00:00:00:01', '00:00:00:00:00:02', '00:00:00:00:00:03'];
const IPS = ['10.0.0.1', '10.0.0.2', '10.0.1.1', '192.168.0.1'];
const IP6S = ['2001:db8::1', '2001:db8::2', 'fe80::1'];
const TP = [80, 443, 1024];
const CONTROLLER = -1;
const FRAMES = 10_000;

const formatMacAt = (b: Uint8Array, at: number) => Array.from(b.subarray(at, at + 6), (x) => x.toString(16).padStart(2, '0')).join(':');

interface Out {
  port: number;
  kind: number;
  bytes: Uint8Array;
}

// ---- Random frames ----

function randomFrame(r: Rng): Uint8Array {
  const l2 = { src: r.pick(MACS), dst: r.chance(0.2) ? 'ff:ff:ff:ff:ff:ff' : r.pick(MACS) };
  const layers: LayerSpec[] = [ethernet(l2)];
  if (r.chance(0.35)) layers.push(vlan({ vid: r.pick([10, 20]), pcp: r.pick([0, 5]) }));
  const kind = r.int(20);
  if (kind < 12) {
    layers.push(ipv4({ src: r.pick(IPS), dst: r.pick(IPS), ttl: r.pick([1, 2, 64]), dscp: r.pick([0, 8]) }));
    const l4 = r.int(10);
    if (l4 < 5) layers.push(tcp({ srcPort: r.pick(TP), dstPort: r.pick(TP), flags: r.pick([0x02, 0x10, 0x12]) }));
    else if (l4 < 8) layers.push(udp({ srcPort: r.pick(TP), dstPort: r.pick(TP), checksum: r.pick(['compute', 'none'] as const) }));
    else
      return build(
        ...layers.slice(0, -1),
        ipv4({ src: r.pick(IPS), dst: r.pick(IPS), protocol: 1, ttl: 64 }),
        payload(new Uint8Array([8, 0, 0, 0, 0, 1, 0, 1])),
      );
  } else if (kind < 16) {
    layers.push(ipv6({ src: r.pick(IP6S), dst: r.pick(IP6S), hopLimit: r.pick([1, 64]) }));
    layers.push(r.chance(0.5) ? tcp({ srcPort: r.pick(TP), dstPort: r.pick(TP) }) : udp({ srcPort: r.pick(TP), dstPort: r.pick(TP) }));
  } else if (kind < 19) {
    layers.push(arpLayer({ operation: r.pick([1, 2]), senderMac: r.pick(MACS), senderIp: r.pick(IPS), targetIp: r.pick(IPS) }));
    return build(...layers);
  } else {
    return build(ethernet({ ...l2, ethertype: 0x88cc }), payload(new Uint8Array(46).fill(0x42)));
  }
  layers.push(payload(new Uint8Array(r.int(30))));
  return build(...layers);
}

// ---- Random rules ----

function randomMatch(r: Rng): string {
  const parts: string[] = [];
  const family = r.pick(['', '', 'ip', 'ip', 'tcp', 'udp', 'icmp', 'ipv6', 'tcp6', 'arp']);
  if (family) parts.push(family);
  if (r.chance(0.3)) parts.push(`in_port=${r.pick(PORTS)}`);
  if (r.chance(0.2)) parts.push(`dl_src=${r.pick(MACS)}`);
  if (r.chance(0.2)) parts.push(r.chance(0.5) ? `dl_dst=${r.pick(MACS)}` : 'dl_dst=01:00:00:00:00:00/01:00:00:00:00:00');
  if (r.chance(0.15)) parts.push(r.chance(0.3) ? 'dl_vlan=0xffff' : `dl_vlan=${r.pick([10, 20])}`);
  else if (r.chance(0.05)) parts.push('dl_vlan_pcp=5');
  if (family === 'ip' || family === 'tcp' || family === 'udp' || family === 'icmp') {
    if (r.chance(0.4)) parts.push(`nw_src=${r.pick(IPS)}/${r.pick([8, 24, 32])}`);
    if (r.chance(0.4)) parts.push(`nw_dst=${r.pick(IPS)}/${r.pick([8, 24, 32])}`);
    if (r.chance(0.1)) parts.push('nw_tos=32');
    if (family === 'ip' && r.chance(0.2)) parts.push(`nw_proto=${r.pick([6, 17])}`);
    if (r.chance(0.05)) parts.push(`nw_ttl=${r.pick([2, 63, 64])}`);
  }
  if (family === 'tcp' || family === 'udp' || family === 'tcp6') {
    if (r.chance(0.4)) parts.push(`tp_dst=${r.pick(TP)}`);
    if (r.chance(0.3)) parts.push(r.chance(0.5) ? `tp_src=${r.pick(TP)}` : 'tp_src=0x0000/0xff00');
  }
  if (family === 'tcp' && r.chance(0.3)) parts.push(r.pick(['tcp_flags=+syn', 'tcp_flags=+ack-syn', 'tcp_flags=syn|ack']));
  if (family === 'icmp' && r.chance(0.5)) parts.push('icmp_type=8');
  if (family === 'ipv6' || family === 'tcp6') {
    if (r.chance(0.4)) parts.push(`ipv6_src=${r.pick(IP6S)}${r.pick(['', '/64', '/16'])}`);
    if (r.chance(0.4)) parts.push(`ipv6_dst=${r.pick(IP6S)}`);
  }
  if (family === 'arp') {
    if (r.chance(0.4)) parts.push(`arp_op=${r.pick([1, 2])}`);
    if (r.chance(0.4)) parts.push(`arp_tpa=${r.pick(IPS)}`);
  }
  return parts.join(',');
}

function randomActions(r: Rng, table: number): string {
  const out: string[] = [];
  // Pushing tags only in the last table, once: the flow key has room for two tags.
  let mayPush = table === 2;
  for (let n = r.int(4); n > 0; n--) {
    const choice = r.int(22);
    if (choice < 5) out.push(`output:${r.pick(PORTS)}`);
    else if (choice === 5) out.push(r.pick(['flood', 'all', 'in_port']));
    else if (choice < 8) out.push('normal');
    else if (choice === 8) out.push('controller');
    else if (choice === 9) out.push(`mod_dl_dst:${r.pick(MACS)}`);
    else if (choice === 10) out.push(`mod_dl_src:${r.pick(MACS)}`);
    else if (choice === 11) out.push(`mod_nw_dst:${r.pick(IPS)}`);
    else if (choice === 12) out.push(`mod_nw_src:${r.pick(IPS)}`);
    else if (choice === 13) out.push(`mod_tp_dst:${r.pick([80, 8080])}`);
    else if (choice === 14) out.push('mod_nw_tos:16');
    else if (choice === 15) out.push('dec_ttl');
    else if (choice === 16) out.push(`set_field:${r.pick(IP6S)}->ipv6_dst`);
    else if (choice === 17) out.push(r.pick(['strip_vlan', 'mod_vlan_pcp:3']));
    else if (choice === 18 && mayPush) {
      out.push(r.pick(['push_vlan:0x8100', 'mod_vlan_vid:30']));
      mayPush = false;
    } else if (choice === 19) out.push(`group:${r.pick([1, 2, 2, 3, 4])}`);
    else if (choice === 20) out.push(`mod_tp_src:${r.pick(TP)}`);
    else out.push(`output:${r.pick(PORTS)}`);
  }
  if (table < 2 && r.chance(0.35)) out.push(`goto_table:${table + 1 + r.int(2 - table)}`);
  return out.length ? out.join(',') : 'drop';
}

const GROUPS = [
  'group_id=1,type=all,bucket=mod_dl_dst:00:00:00:00:00:09,output:2,bucket=output:3',
  'group_id=2,type=select,bucket=weight:50,watch_port:1,output:1,bucket=weight:30,output:2,bucket=weight:20,watch_port:3,mod_nw_tos:16,output:3',
  'group_id=3,type=ff,bucket=watch_port:2,output:2,bucket=watch_port:4,mod_nw_src:10.9.9.9,output:4',
  'group_id=4,type=indirect,bucket=dec_ttl,mod_tp_dst:9,output:4',
];

// ---- The learning switch behind `normal` ----

function learningSwitch(onChange: () => void): { normal: NormalFn; table: Map<number, number> } {
  const table = new Map<number, number>();
  const normal: NormalFn = (key, out) => {
    const src = key[3] * 2 ** 32 + key[4];
    const dst = key[1] * 2 ** 32 + key[2];
    const inPort = key[0];
    if ((key[3] & 0x100) === 0 && table.get(src) !== inPort) {
      table.set(src, inPort);
      onChange();
    }
    const at = key[1] & 0x100 ? undefined : table.get(dst);
    if (at === undefined) return NORMAL_FLOOD;
    if (at === inPort) return 0;
    out[0] = at;
    return 1;
  };
  return { normal, table };
}

// ---- The reference ----

interface RefRule {
  table: number;
  priority: number;
  rank: number;
  match: FlowRule['match'];
  actions: readonly FlowAction[];
  text: string;
}

class Reference {
  rules: RefRule[] = [];
  groups = new Map<number, FlowGroup>();
  ports = new Map<number, PipelinePort>(PORTS.map((n) => [n, { number: n, up: true, flood: true }]));
  private seq = 0;
  private outs: Out[] = [];
  private inPort = 0;
  private flags = { missed: false, noEgress: false, normalDrop: false, noController: false, ttl: false };
  private readonly normalOut = new Int32Array(8);

  constructor(private readonly normal: NormalFn) {}

  addFlow(text: string): void {
    const f = parseFlow(text);
    this.rules = this.rules.filter((r) => !(r.table === f.table && r.priority === f.priority && r.match.equals(f.match)));
    const rank = new FlowRule(f.table, f.priority, f.match, f.actions, 0n, 0, 0, 0, this.seq++).rank;
    this.rules.push({ table: f.table, priority: f.priority, rank, match: f.match, actions: f.actions, text });
  }

  /** What the frame produces, and the drop reason when it produces nothing. */
  run(frame: Uint8Array, inPort: number): { outs: Out[]; drop?: string } {
    this.outs = [];
    this.inPort = inPort;
    this.flags = { missed: false, noEgress: false, normalDrop: false, noController: false, ttl: false };
    const state = { bytes: frame.slice() };
    if (this.key(state.bytes) === undefined) return { outs: [], drop: 'malformed' };
    let table = 0;
    for (;;) {
      const key = this.key(state.bytes)!;
      let best: RefRule | undefined;
      for (const r of this.rules) if (r.table === table && r.match.matches(key) && (!best || r.rank > best.rank)) best = r;
      if (!best) {
        this.flags.missed = true;
        break;
      }
      const next = this.apply(best.actions, state);
      if (next < 0) break;
      table = next;
    }
    if (this.outs.length) return { outs: this.outs };
    const f = this.flags;
    const drop = f.ttl
      ? 'ttl-exceeded'
      : f.missed
        ? 'no-match'
        : f.noEgress
          ? 'no-egress'
          : f.normalDrop
            ? 'normal-drop'
            : f.noController
              ? 'no-controller'
              : 'drop-action';
    return { outs: [], drop };
  }

  private key(b: Uint8Array): Int32Array | undefined {
    const k = new Uint32Array(20);
    if (extractFlowKey(b, 0, b.length, this.inPort, k) !== FlowKeyStatus.OK) return undefined;
    return new Int32Array(k.buffer);
  }

  private emit(port: number, kind: number, b: Uint8Array): void {
    this.outs.push({ port, kind, bytes: b.slice() });
  }

  private output(port: number, kind: number, b: Uint8Array): void {
    const p = this.ports.get(port);
    if (port === this.inPort || !p?.up) this.flags.noEgress = true;
    else this.emit(port, kind, b);
  }

  /** Returns the goto_table target, -1 at the end, -2 when dec_ttl stopped the list. */
  private apply(actions: readonly FlowAction[], state: { bytes: Uint8Array }): number {
    for (const a of actions) {
      const b = state.bytes;
      switch (a.type) {
        case 'output':
          this.output(a.port, OutputKind.Port, b);
          break;
        case 'in_port':
          this.emit(this.inPort, OutputKind.Port, b);
          break;
        case 'flood':
        case 'all': {
          const to = [...this.ports.values()].filter((p) => p.number !== this.inPort && p.up && (a.type === 'all' || p.flood));
          if (!to.length) this.flags.noEgress = true;
          for (const p of to) this.emit(p.number, OutputKind.Flood, b);
          break;
        }
        case 'normal': {
          const n = this.normal(new Uint32Array(this.key(b)!.buffer), this.normalOut);
          if (n === NORMAL_FLOOD) {
            const to = [...this.ports.values()].filter((p) => p.number !== this.inPort && p.up && p.flood);
            if (!to.length) this.flags.normalDrop = true;
            for (const p of to) this.emit(p.number, OutputKind.Normal, b);
          } else if (n <= 0) this.flags.normalDrop = true;
          else for (let i = 0; i < n; i++) this.output(this.normalOut[i], OutputKind.Normal, b);
          break;
        }
        case 'controller':
          this.emit(CONTROLLER, CONTROLLER, b);
          break;
        case 'mod_dl_dst':
        case 'mod_dl_src': {
          const at = a.type === 'mod_dl_dst' ? 0 : 6;
          for (let i = 0; i < 6; i++) b[at + i] = Math.floor(a.mac / 2 ** (40 - 8 * i)) & 0xff;
          break;
        }
        case 'mod_nw_src':
        case 'mod_nw_dst': {
          const l3 = ipAt(b, 0x0800);
          if (l3 < 0) break;
          const at = l3 + (a.type === 'mod_nw_src' ? 12 : 16);
          for (let i = 0; i < 4; i++) b[at + i] = (a.ip >>> (24 - 8 * i)) & 0xff;
          fixChecksums(b);
          break;
        }
        case 'mod_ipv6_src':
        case 'mod_ipv6_dst': {
          const l3 = ipAt(b, 0x86dd);
          if (l3 < 0) break;
          const at = l3 + (a.type === 'mod_ipv6_src' ? 8 : 24);
          for (let i = 0; i < 16; i++) b[at + i] = Number((a.ip >> BigInt(120 - 8 * i)) & 0xffn);
          fixChecksums(b);
          break;
        }
        case 'mod_nw_tos': {
          const v4 = ipAt(b, 0x0800);
          const v6 = ipAt(b, 0x86dd);
          if (v4 >= 0) b[v4 + 1] = (b[v4 + 1] & 3) | a.tos;
          else if (v6 >= 0) {
            const tc = ((((b[v6] & 15) << 4) | (b[v6 + 1] >>> 4)) & 3) | a.tos;
            b[v6] = (b[v6] & 0xf0) | (tc >>> 4);
            b[v6 + 1] = (b[v6 + 1] & 0x0f) | ((tc & 15) << 4);
          }
          fixChecksums(b);
          break;
        }
        case 'mod_tp_src':
        case 'mod_tp_dst': {
          const l4 = l4At(b);
          if (l4 < 0) break;
          const at = l4 + (a.type === 'mod_tp_src' ? 0 : 2);
          b[at] = a.port >>> 8;
          b[at + 1] = a.port & 0xff;
          fixChecksums(b);
          break;
        }
        case 'dec_ttl': {
          const v4 = ipAt(b, 0x0800);
          const v6 = ipAt(b, 0x86dd);
          const at = v4 >= 0 ? v4 + 8 : v6 >= 0 ? v6 + 7 : -1;
          if (at < 0) break;
          if (b[at] <= 1) {
            this.flags.ttl = true;
            return -2;
          }
          b[at]--;
          fixChecksums(b);
          break;
        }
        case 'mod_vlan_vid':
        case 'mod_vlan_pcp': {
          const bits = a.type === 'mod_vlan_vid' ? a.vid : a.pcp << 13;
          const mask = a.type === 'mod_vlan_vid' ? 0x0fff : 0xe000;
          if (tagged(b)) {
            const tci = (u16(b, 14) & ~mask) | bits;
            b[14] = tci >>> 8;
            b[15] = tci & 0xff;
          } else state.bytes = pushTag(b, 0x8100, bits);
          break;
        }
        case 'strip_vlan':
          if (tagged(b)) state.bytes = Uint8Array.from([...b.subarray(0, 12), ...b.subarray(16)]);
          break;
        case 'push_vlan':
          state.bytes = pushTag(b, a.ethertype, tagged(b) ? u16(b, 14) : 0);
          break;
        case 'goto_table':
          return a.table;
        case 'group': {
          const g = this.groups.get(a.group)!;
          const live = g.buckets.filter((x) => bucketLive(x, this.ports));
          const chosen =
            g.type === 'all' || g.type === 'indirect'
              ? g.buckets
              : g.type === 'ff'
                ? live.slice(0, 1)
                : [selectBucket(g, this.key(b)!, this.ports)].filter((x) => x !== undefined);
          if (!chosen.length) this.flags.noEgress = true;
          for (const bucket of chosen) this.apply(bucket.actions, { bytes: b.slice() });
          break;
        }
      }
    }
    return -1;
  }
}

function tagged(b: Uint8Array): boolean {
  return u16(b, 12) === 0x8100 || u16(b, 12) === 0x88a8;
}

function pushTag(b: Uint8Array, tpid: number, tci: number): Uint8Array {
  return Uint8Array.from([...b.subarray(0, 12), tpid >>> 8, tpid & 0xff, tci >>> 8, tci & 0xff, ...b.subarray(12)]);
}

/** The L3 header offset when the frame (after up to two tags) carries `type`, else -1. */
function ipAt(b: Uint8Array, type: number): number {
  let t = 12;
  for (let i = 0; i < 2 && (u16(b, t) === 0x8100 || u16(b, t) === 0x88a8); i++) t += 4;
  return u16(b, t) === type ? t + 2 : -1;
}

/** The TCP/UDP header offset of an IPv4 or IPv6 frame, else -1. */
function l4At(b: Uint8Array): number {
  const v4 = ipAt(b, 0x0800);
  if (v4 >= 0) return b[v4 + 9] === 6 || b[v4 + 9] === 17 ? v4 + (b[v4] & 15) * 4 : -1;
  const v6 = ipAt(b, 0x86dd);
  if (v6 >= 0) return b[v6 + 6] === 6 || b[v6 + 6] === 17 ? v6 + 40 : -1;
  return -1;
}

/** Recomputes the IPv4 header checksum and the TCP/UDP checksum from scratch. */
function fixChecksums(b: Uint8Array): void {
  const v4 = ipAt(b, 0x0800);
  const v6 = ipAt(b, 0x86dd);
  const l4 = l4At(b);
  if (v4 >= 0) {
    const ihl = (b[v4] & 15) * 4;
    b[v4 + 10] = b[v4 + 11] = 0;
    const c = internetChecksum(b, v4, v4 + ihl);
    b[v4 + 10] = c >>> 8;
    b[v4 + 11] = c & 0xff;
  }
  if (l4 < 0) return;
  const proto = v4 >= 0 ? b[v4 + 9] : b[v6 + 6];
  const len = v4 >= 0 ? u16(b, v4 + 2) - (l4 - v4) : u16(b, v6 + 4);
  const at = l4 + (proto === 6 ? 16 : 6);
  if (proto === 17 && u16(b, at) === 0) return;
  b[at] = b[at + 1] = 0;
  const pseudo =
    v4 >= 0
      ? pseudoHeaderSum4(
          ((b[v4 + 12] << 24) | (b[v4 + 13] << 16) | (b[v4 + 14] << 8) | b[v4 + 15]) >>> 0,
          ((b[v4 + 16] << 24) | (b[v4 + 17] << 16) | (b[v4 + 18] << 8) | b[v4 + 19]) >>> 0,
          proto,
          len,
        )
      : pseudoHeaderSum6(b, v6 + 8, v6 + 24, proto, len);
  let c = internetChecksum(b, l4, l4 + len, pseudo);
  if (proto === 17 && c === 0) c = 0xffff;
  b[at] = c >>> 8;
  b[at + 1] = c & 0xff;
}

/** Whether the checksums the pipeline patched verify. */
function checksumsOk(b: Uint8Array): boolean {
  const v4 = ipAt(b, 0x0800);
  const v6 = ipAt(b, 0x86dd);
  const l4 = l4At(b);
  if (v4 >= 0 && !verifyChecksum(b, v4, v4 + (b[v4] & 15) * 4)) return false;
  if (l4 < 0) return true;
  const proto = v4 >= 0 ? b[v4 + 9] : b[v6 + 6];
  const len = v4 >= 0 ? u16(b, v4 + 2) - (l4 - v4) : u16(b, v6 + 4);
  if (proto === 17 && u16(b, l4 + 6) === 0) return true;
  const pseudo =
    v4 >= 0
      ? pseudoHeaderSum4(
          ((b[v4 + 12] << 24) | (b[v4 + 13] << 16) | (b[v4 + 14] << 8) | b[v4 + 15]) >>> 0,
          ((b[v4 + 16] << 24) | (b[v4 + 17] << 16) | (b[v4 + 18] << 8) | b[v4 + 19]) >>> 0,
          proto,
          len,
        )
      : pseudoHeaderSum6(b, v6 + 8, v6 + 24, proto, len);
  return verifyChecksum(b, l4, l4 + len, pseudo);
}

/** The bytes with checksum fields zeroed: incremental and full computation may differ in ±0. */
function withoutChecksums(b: Uint8Array): string {
  const c = b.slice();
  const v4 = ipAt(c, 0x0800);
  const l4 = l4At(c);
  if (v4 >= 0) c[v4 + 10] = c[v4 + 11] = 0;
  if (l4 >= 0) {
    const proto = v4 >= 0 ? c[v4 + 9] : c[ipAt(c, 0x86dd) + 6];
    const at = l4 + (proto === 6 ? 16 : 6);
    c[at] = c[at + 1] = 0;
  }
  return Buffer.from(c).toString('hex');
}

describe('the pipeline against a cache-less reference', () => {
  it.each(Array.from({ length: 12 }, (_, i) => 11 * (i + 1)))('agrees on random rules, frames and changes (seed %i)', (seed) => {
    const r = rng(seed);
    let p!: FlowPipeline;
    const mine = learningSwitch(() => p.invalidate());
    const theirs = learningSwitch(() => {});
    const got: Out[] = [];
    p = new FlowPipeline({
      ports: PORTS,
      normal: mine.normal,
      controller: (_info, b, o, l) => got.push({ port: CONTROLLER, kind: CONTROLLER, bytes: b.slice(o, o + l) }),
      output: (port, b, o, l, kind) => got.push({ port, kind, bytes: b.slice(o, o + l) }),
      microflowEntries: 64,
      microflowInsertInv: r.pick([1, 2]),
    });
    const ref = new Reference(theirs.normal);
    for (const g of GROUPS) {
      p.addGroup(g);
      ref.groups.set(parseGroup(g).id, parseGroup(g));
    }
    const add = (text: string) => {
      p.addFlow(text);
      ref.addFlow(text);
    };
    const addRandom = () => {
      const table = r.pick([0, 0, 0, 1, 2]);
      add(`table=${table},priority=${r.int(5)},${randomMatch(r)},actions=${randomActions(r, table)}`);
    };
    for (let i = 0; i < 25; i++) addRandom();
    // The same frames come back often, so the caches get hits.
    // Each host mostly sends from its own port (MACs that flap between ports would keep
    // invalidating every normal decision).
    const fresh = () => {
      const bytes = randomFrame(r);
      return { bytes, inPort: r.chance(0.8) ? MACS.indexOf(formatMacAt(bytes, 6)) + 1 : r.pick(PORTS) };
    };
    // Frames seen again (cache hits), and new ones that may fall into megaflows made by others.
    const frames = Array.from({ length: 100 }, fresh);
    let delivered = 0;
    for (let n = 0; n < FRAMES; n++) {
      if (r.chance(0.001)) addRandom();
      if (r.chance(0.0005) && ref.rules.length) {
        const victim = r.pick(ref.rules);
        const removed = p.deleteFlows(`table=${victim.table},${formatMatch(victim.match, victim.priority)}`, { strict: true });
        expect(removed).toBe(1);
        ref.rules = ref.rules.filter((x) => x !== victim);
      }
      if (r.chance(0.001)) {
        const port = r.pick(PORTS);
        const up = r.chance(0.6);
        p.setPortUp(port, up);
        ref.ports.get(port)!.up = up;
      }
      if (r.chance(0.0005)) {
        const port = r.pick(PORTS);
        const flood = r.chance(0.6);
        p.setPortFlood(port, flood);
        ref.ports.get(port)!.flood = flood;
      }
      if (r.chance(0.001)) {
        const text = `group_id=2,type=select,bucket=weight:${r.int(100)},output:1,bucket=weight:${r.int(100)},watch_port:2,output:2`;
        p.modGroup(text);
        ref.groups.set(2, parseGroup(text));
      }
      if (r.chance(0.001)) {
        // The MAC table changes behind the pipeline's back (a MAC ages out, or is flushed).
        const mac = r.pick([1, 2, 3]);
        mine.table.delete(mac);
        theirs.table.delete(mac);
        p.invalidate();
      }
      const pick = r.chance(0.3) ? fresh() : r.pick(frames);
      const frame = r.chance(0.01) ? randomFrame(r).subarray(0, 20) : pick.bytes;
      const inPort = pick.inPort;
      const dropsBefore = p.stats.drops;
      p.process(frame, 0, frame.length, inPort);
      const want = ref.run(frame, inPort);
      const mineOut = got.splice(0);
      const a = mineOut.map((o) => [o.port, o.kind, withoutChecksums(o.bytes)]);
      const b = want.outs.map((o) => [o.port, o.kind, withoutChecksums(o.bytes)]);
      const dropsAfter = p.stats.drops;
      const dropped = want.drop === undefined || (dropsAfter[want.drop] ?? 0) === (dropsBefore[want.drop] ?? 0) + 1;
      const sums = mineOut.every((o) => checksumsOk(o.bytes));
      if (!isDeepStrictEqual(a, b) || !dropped || !sums) {
        const context = `frame ${n}: ${Buffer.from(frame).toString('hex')} in_port=${inPort}\n${p.dumpFlows()}\n${p.dumpMegaflows()}`;
        expect(a, context).toEqual(b);
        expect(dropsAfter, `${context}\nexpected a ${want.drop} drop`).toEqual({
          ...dropsBefore,
          [want.drop!]: (dropsBefore[want.drop!] ?? 0) + 1,
        });
        expect(sums, `${context}\nchecksums`).toBe(true);
      }
      if (!want.drop) delivered++;
      expect([...mine.table]).toEqual([...theirs.table]);
    }
    const s = p.stats;
    expect(s.delivered).toBe(delivered);
    expect(s.frames).toBe(FRAMES);
    // Both caches did work between the changes that flushed them.
    expect(s.microflowHits).toBeGreaterThan(FRAMES / 10);
    expect(s.megaflowHits).toBeGreaterThan(FRAMES / 10);
    expect(s.flushes).toBeGreaterThan(5);
  });
});
