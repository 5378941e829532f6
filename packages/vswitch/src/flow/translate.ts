/**
 * The slow path: translates a frame's flow key through the flow tables into a datapath program,
 * and works out the megaflow mask that program is valid for (OVS's xlate).
 *
 * What: looks the key up in table 0, applies the rule's actions to a working copy of the key
 * (so a later table sees rewritten fields), follows goto_table, resolves groups to buckets,
 * `normal` to the learning switch's ports, flood to the ports that are up, and mirrors to extra
 * outputs; emits the datapath ops for all of it.
 *
 * Design (un-wildcarding): the mask starts with in_port (always exact, as in OVS's userspace
 * datapath, so outputs can drop the ingress port at translation time) and gains the masks of
 * the classifier subtables each table lookup probed, plus every field an action's outcome
 * depended on: the EtherType for IP rewrites, protocol and fragment bits for port rewrites,
 * both VLAN words for VLAN actions, the L2 addresses and VLAN for `normal`, the hashed fields
 * for select groups. The resulting megaflow holds only frames that would translate the same.
 * Port state, groups and rules are not in the mask: changing them flushes the caches.
 */
import { FlowKeyWord as W } from '@vnet/frame';
import type { FlowAction } from './actions.js';
import type { Classifier } from './classifier.js';
import { EthType, IpProto, KEY_WORDS, KeyBits } from './fields.js';
import type { FlowGroup, GroupBucket } from './groups.js';
import { HASH_SEED, hashFinish, hashWord } from './hash.js';
import { type DpProgram, DropCode, NORMAL_PORT, Op, OutputKind, type PacketIn, type ProgramInterner } from './program.js';
import type { FlowRule } from './rule.js';

/**
 * The `normal` action: the learning switch's decision for a frame with this flow key. Write
 * the egress ports into `out` and return how many, or NORMAL_FLOOD for every port but the
 * ingress one. It may look only at in_port, dl_src, dl_dst and the outer VLAN word (those are
 * what the megaflow keeps), plus its own MAC table: call `invalidate()` on the pipeline when
 * that table changes. It may learn from the key; it is called once per upcall, not per frame.
 */
export type NormalFn = (key: Uint32Array, out: Int32Array) => number;

export const NORMAL_FLOOD = -1;

/**
 * What a `normal` fn returns to keep the decision for itself: the frame then leaves through
 * `output` to NORMAL_PORT every time, and the switch decides frame by frame. Nothing of its MAC
 * table is cached, so nothing needs invalidating.
 */
export const NORMAL_PER_FRAME = -2;

export interface PipelinePort {
  readonly number: number;
  up: boolean;
  /** Whether flood reaches it (ovs-ofctl mod-port … no-flood turns this off). */
  flood: boolean;
}

export interface Mirror {
  readonly name: string;
  readonly selectAll: boolean;
  readonly selectSrcPort: ReadonlySet<number>;
  readonly selectDstPort: ReadonlySet<number>;
  readonly outputPort: number;
}

export interface TranslateEnv {
  readonly tables: ReadonlyArray<Classifier<FlowRule> | undefined>;
  readonly groups: ReadonlyMap<number, FlowGroup>;
  /** Sorted by number. */
  readonly ports: readonly PipelinePort[];
  readonly portMap: ReadonlyMap<number, PipelinePort>;
  readonly mirrors: readonly Mirror[];
  readonly normal: NormalFn | undefined;
  readonly hasController: boolean;
}

/** Words `normal` may consult. */
const NORMAL_WORDS = [W.IN_PORT, W.ETH_DST_HI, W.ETH_DST_LO, W.ETH_SRC_HI, W.ETH_SRC_LO, W.VLAN_OUTER];
/** Words a select group hashes (and so un-wildcards): L2 addresses, type, IP protocol (of NW), IP addresses, ports. */
const SELECT_WORDS: readonly number[] = [
  ...[W.ETH_DST_HI, W.ETH_DST_LO, W.ETH_SRC_HI, W.ETH_SRC_LO, W.ETH_TYPE, W.NW],
  ...[0, 1, 2, 3].flatMap((i) => [W.NW_SRC + i, W.NW_DST + i]),
  W.TP,
];
const MAX_CLONE_DEPTH = 4;
const STOP = -2;
const MAX_TABLES = 254;

export class Translator {
  /** The megaflow mask of the last translation. */
  readonly wc = new Int32Array(KEY_WORDS);
  private readonly work = new Int32Array(KEY_WORDS);
  private readonly workU32 = new Uint32Array(this.work.buffer);
  private readonly saved = new Int32Array(KEY_WORDS * MAX_CLONE_DEPTH);
  private normalOut = new Int32Array(64);
  private readonly ops: number[] = [];
  private readonly rules: number[] = [];
  private packetIns: PacketIn[] = [];
  private env!: TranslateEnv;
  private inPort = 0;
  private table = 0;
  private cookie = 0n;
  private depth = 0;
  private mirrored = 0;
  private missed = false;
  private noEgress = false;
  private normalDrop = false;
  private noController = false;
  private usedNormal = false;
  private ttlExpired = false;

  constructor(private readonly interner: ProgramInterner) {}

  /** Translates `key`; `wc` then holds the megaflow mask. */
  translate(key: Int32Array, env: TranslateEnv): DpProgram {
    this.env = env;
    const wc = this.wc;
    wc.fill(0);
    wc[W.IN_PORT] = -1;
    this.work.set(key);
    this.ops.length = 0;
    this.rules.length = 0;
    this.packetIns = [];
    this.inPort = key[W.IN_PORT];
    this.depth = 0;
    this.mirrored = 0;
    this.missed = this.noEgress = this.normalDrop = this.noController = this.usedNormal = this.ttlExpired = false;

    env.mirrors.forEach((m, i) => {
      if (m.selectAll || m.selectSrcPort.has(this.inPort)) this.mirror(i);
    });
    let table = 0;
    for (let hops = 0; hops < MAX_TABLES; hops++) {
      const rule = env.tables[table]?.lookupWc(this.work, wc);
      if (!rule) {
        this.missed = true;
        break;
      }
      this.rules.push(rule.statSlot);
      this.table = table;
      this.cookie = rule.cookie;
      const next = this.apply(rule.actions);
      if (next < 0) break;
      table = next;
    }
    const dropCode = this.ttlExpired
      ? DropCode.TtlExceeded
      : this.missed
        ? DropCode.NoMatch
        : this.noEgress
          ? DropCode.NoEgress
          : this.normalDrop
            ? DropCode.NormalDrop
            : this.noController
              ? DropCode.NoController
              : DropCode.DropAction;
    return this.interner.intern(this.ops, this.rules, this.packetIns, dropCode, this.usedNormal);
  }

  /**
   * Applies an action list to the working key, emitting ops; returns the goto_table target, -1
   * at the end of the list, or STOP when dec_ttl found the TTL spent (the list ends there).
   */
  private apply(actions: readonly FlowAction[]): number {
    const work = this.work;
    const wc = this.wc;
    for (const a of actions) {
      switch (a.type) {
        case 'output':
          this.output(a.port, OutputKind.Port);
          break;
        case 'in_port':
          this.emitOutput(this.inPort, OutputKind.Port);
          break;
        case 'flood':
        case 'all': {
          let any = false;
          for (const p of this.env.ports) {
            if (p.number === this.inPort || !p.up || (a.type === 'flood' && !p.flood)) continue;
            this.emitOutput(p.number, OutputKind.Flood);
            any = true;
          }
          if (!any) this.noEgress = true;
          break;
        }
        case 'normal':
          this.normal();
          break;
        case 'controller':
          if (!this.env.hasController) {
            this.noController = true;
            break;
          }
          this.ops.push(Op.CONTROLLER, this.packetIns.length);
          this.packetIns.push({ inPort: this.inPort >>> 0, table: this.table, cookie: this.cookie, maxLen: a.maxLen, reason: 'action' });
          break;
        case 'mod_dl_src':
        case 'mod_dl_dst': {
          const hi = Math.floor(a.mac / 2 ** 32);
          const lo = (a.mac % 2 ** 32) | 0;
          const w = a.type === 'mod_dl_dst' ? W.ETH_DST_HI : W.ETH_SRC_HI;
          work[w] = hi;
          work[w + 1] = lo;
          this.ops.push(Op.SET_ETH, a.type === 'mod_dl_dst' ? 0 : 1, hi, lo);
          break;
        }
        case 'mod_nw_src':
        case 'mod_nw_dst': {
          if (this.ethType() !== EthType.IPv4) break;
          const src = a.type === 'mod_nw_src';
          work[src ? W.NW_SRC : W.NW_DST] = a.ip | 0;
          this.ops.push(Op.SET_IP4, src ? 0 : 1, a.ip | 0);
          break;
        }
        case 'mod_ipv6_src':
        case 'mod_ipv6_dst': {
          if (this.ethType() !== EthType.IPv6) break;
          const src = a.type === 'mod_ipv6_src';
          const w = src ? W.NW_SRC : W.NW_DST;
          this.ops.push(Op.SET_IP6, src ? 0 : 1);
          for (let i = 0; i < 4; i++) {
            const v = Number((a.ip >> BigInt(96 - 32 * i)) & 0xffff_ffffn) | 0;
            work[w + i] = v;
            this.ops.push(v);
          }
          break;
        }
        case 'mod_nw_tos': {
          const t = this.ethType();
          if (t !== EthType.IPv4 && t !== EthType.IPv6) break;
          work[W.NW] = (work[W.NW] & ~KeyBits.NW_DSCP) | (a.tos << 16);
          this.ops.push(Op.SET_TOS, a.tos);
          break;
        }
        case 'mod_tp_src':
        case 'mod_tp_dst': {
          const t = this.ethType();
          wc[W.NW] |= KeyBits.NW_PROTO | KeyBits.NW_FRAG;
          const proto = work[W.NW] >>> 24;
          const later = (work[W.NW] & KeyBits.NW_FRAG) === 2;
          if ((t !== EthType.IPv4 && t !== EthType.IPv6) || (proto !== IpProto.TCP && proto !== IpProto.UDP) || later) break;
          const src = a.type === 'mod_tp_src';
          work[W.TP] = src ? (work[W.TP] & 0xffff) | (a.port << 16) : (work[W.TP] & ~0xffff) | a.port;
          this.ops.push(Op.SET_TP, src ? 0 : 1, a.port);
          break;
        }
        case 'dec_ttl': {
          const t = this.ethType();
          if (t !== EthType.IPv4 && t !== EthType.IPv6) break;
          // As OVS does, the TTL joins the megaflow, so whether it runs out is known here.
          wc[W.NW] |= KeyBits.NW_TTL;
          if ((work[W.NW] & KeyBits.NW_TTL) <= 0x100) {
            this.ttlExpired = true;
            return STOP;
          }
          work[W.NW] -= 0x100;
          this.ops.push(Op.DEC_TTL);
          break;
        }
        case 'mod_vlan_vid':
        case 'mod_vlan_pcp': {
          const vid = a.type === 'mod_vlan_vid';
          const bits = vid ? a.vid : a.pcp << 13;
          const mask = vid ? KeyBits.VLAN_VID : KeyBits.VLAN_PCP;
          if (this.tagged()) {
            work[W.VLAN_OUTER] = (work[W.VLAN_OUTER] & ~mask) | bits;
            this.ops.push(Op.SET_VLAN, bits, mask);
          } else {
            // OVS pushes a tag when there is none to modify.
            work[W.VLAN_INNER] = work[W.VLAN_OUTER];
            work[W.VLAN_OUTER] = (0x8100 << 16) | bits;
            this.ops.push(Op.PUSH_VLAN, 0x8100, bits);
          }
          break;
        }
        case 'strip_vlan':
          if (this.tagged()) {
            work[W.VLAN_OUTER] = work[W.VLAN_INNER];
            work[W.VLAN_INNER] = 0;
            this.ops.push(Op.POP_VLAN);
          }
          break;
        case 'push_vlan': {
          // The new tag copies the VID and PCP of the outer one, if any (OpenFlow's rule).
          const tci = this.tagged() ? work[W.VLAN_OUTER] & 0xffff : 0;
          work[W.VLAN_INNER] = work[W.VLAN_OUTER];
          work[W.VLAN_OUTER] = (a.ethertype << 16) | tci;
          this.ops.push(Op.PUSH_VLAN, a.ethertype, tci);
          break;
        }
        case 'goto_table':
          return a.table;
        case 'group':
          this.group(a.group);
          break;
      }
    }
    return -1;
  }

  private ethType(): number {
    this.wc[W.ETH_TYPE] |= 0xffff;
    return this.work[W.ETH_TYPE];
  }

  /** Whether the working key has an outer tag; VLAN actions depend on both tag words. */
  private tagged(): boolean {
    this.wc[W.VLAN_OUTER] = -1;
    this.wc[W.VLAN_INNER] = -1;
    return (this.work[W.VLAN_OUTER] & KeyBits.VLAN_PRESENT) !== 0;
  }

  /** An output to a port by number: not back where it came from, and only to a port that is up. */
  private output(port: number, kind: number): void {
    if ((port | 0) === this.inPort) {
      this.noEgress = true;
      return;
    }
    const p = this.env.portMap.get(port);
    if (!p?.up) {
      this.noEgress = true;
      return;
    }
    this.emitOutput(port, kind);
  }

  private emitOutput(port: number, kind: number): void {
    this.ops.push(Op.OUTPUT, port, kind);
    const mirrors = this.env.mirrors;
    for (let i = 0; i < mirrors.length; i++) {
      const m = mirrors[i];
      if (m.selectAll || m.selectDstPort.has(port)) this.mirror(i);
    }
  }

  /** A mirror's copy, at most once per frame, never back to the ingress port. */
  private mirror(i: number): void {
    if (i >= 31 || this.mirrored & (1 << i)) return;
    this.mirrored |= 1 << i;
    const m = this.env.mirrors[i];
    const p = this.env.portMap.get(m.outputPort);
    if (m.outputPort !== this.inPort && p?.up) this.ops.push(Op.OUTPUT, m.outputPort, OutputKind.Mirror);
  }

  private normal(): void {
    const fn = this.env.normal;
    if (!fn) {
      this.normalDrop = true;
      return;
    }
    if (this.normalOut.length < this.env.ports.length) this.normalOut = new Int32Array(this.env.ports.length * 2);
    const n = fn(this.workU32, this.normalOut);
    if (n === NORMAL_PER_FRAME) {
      this.ops.push(Op.OUTPUT, NORMAL_PORT, OutputKind.Normal);
      return;
    }
    for (const w of NORMAL_WORDS) this.wc[w] = -1;
    this.usedNormal = true;
    if (n === NORMAL_FLOOD) {
      let any = false;
      for (const p of this.env.ports) {
        if (p.number === this.inPort || !p.up || !p.flood) continue;
        this.emitOutput(p.number, OutputKind.Normal);
        any = true;
      }
      if (!any) this.normalDrop = true;
      return;
    }
    if (n <= 0) {
      this.normalDrop = true;
      return;
    }
    for (let i = 0; i < n && i < this.normalOut.length; i++) this.output(this.normalOut[i], OutputKind.Normal);
  }

  private group(id: number): void {
    const g = this.env.groups.get(id);
    if (!g) {
      this.noEgress = true;
      return;
    }
    switch (g.type) {
      case 'all':
        for (const b of g.buckets) this.bucket(b);
        return;
      case 'indirect':
        this.bucket(g.buckets[0]);
        return;
      case 'ff': {
        const live = g.buckets.find((b) => this.live(b));
        if (live) this.bucket(live);
        else this.noEgress = true;
        return;
      }
      case 'select': {
        for (const w of SELECT_WORDS) this.wc[w] |= w === W.NW ? KeyBits.NW_PROTO : -1;
        const b = selectBucket(g, this.work, this.env.portMap);
        if (b) this.bucket(b);
        else this.noEgress = true;
      }
    }
  }

  private live(b: GroupBucket): boolean {
    return bucketLive(b, this.env.portMap);
  }

  /** Runs a bucket on a copy of the packet: its rewrites do not outlive it. */
  private bucket(b: GroupBucket): void {
    if (this.depth >= MAX_CLONE_DEPTH) return;
    const rewrites = b.actions.some(
      (a) => a.type.startsWith('mod_') || a.type === 'strip_vlan' || a.type === 'push_vlan' || a.type === 'dec_ttl',
    );
    if (!rewrites) {
      this.apply(b.actions);
      return;
    }
    const d = this.depth++;
    this.saved.set(this.work, d * KEY_WORDS);
    const at = this.ops.length;
    this.ops.push(Op.CLONE, 0);
    this.apply(b.actions);
    this.ops[at + 1] = this.ops.length;
    this.ops.push(Op.CLONE_END);
    this.work.set(this.saved.subarray(d * KEY_WORDS, (d + 1) * KEY_WORDS));
    this.depth = d;
  }
}

/** Whether a bucket may be used: no watch port, or one that is up. */
export function bucketLive(b: GroupBucket, ports: ReadonlyMap<number, PipelinePort>): boolean {
  return b.watchPort < 0 || ports.get(b.watchPort)?.up === true;
}

/**
 * The bucket a select group gives a flow: a hash of its addresses, EtherType, IP protocol and
 * ports picks among the live buckets in proportion to their weights; undefined when none is live.
 */
export function selectBucket(g: FlowGroup, key: Int32Array, ports: ReadonlyMap<number, PipelinePort>): GroupBucket | undefined {
  let total = 0;
  for (const b of g.buckets) if (bucketLive(b, ports)) total += b.weight;
  if (total === 0) return undefined;
  let h = HASH_SEED;
  for (const w of SELECT_WORDS) h = hashWord(h, key[w] & (w === W.NW ? KeyBits.NW_PROTO : -1));
  let pick = (hashFinish(h) >>> 0) % total;
  for (const b of g.buckets) {
    if (!bucketLive(b, ports)) continue;
    if (pick < b.weight) return b;
    pick -= b.weight;
  }
  return undefined;
}
