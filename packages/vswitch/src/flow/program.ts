/**
 * Datapath programs: what the slow path (translate.ts) compiles a flow's OpenFlow actions into,
 * and what the caches hand the executor (execute.ts) for every frame of a megaflow.
 *
 * What: a flat Int32Array of opcodes and their operands — outputs, header rewrites, VLAN
 * push/pop, TTL, clones for group buckets — with everything the slow path resolved already
 * resolved: `normal` is its output ports, `flood` the ports it reached, groups the bucket they
 * chose. Beside the ops: the counter slots of the rules it went through and the drop reason to
 * count when it ends up delivering nothing.
 *
 * Why fast: executing is a switch over small integers, with no lookups and no objects; a
 * program that is one output (the common case) is recognised at build time and run with a
 * single call. Identical programs are interned, so 100k megaflows through the same rules share
 * one program.
 */
import { formatIpv4, formatIpv6, formatMac } from '@vnet/frame';
import { wordsBigint } from './match.js';
import { hex } from './match-format.js';

export const Op = {
  /** port, kind */
  OUTPUT: 1,
  /** index into `packetIns` */
  CONTROLLER: 2,
  /** which (0 dst, 1 src), high 16 bits, low 32 bits */
  SET_ETH: 3,
  /** which (0 src, 1 dst), address */
  SET_IP4: 4,
  /** which (0 src, 1 dst), four words */
  SET_IP6: 5,
  /** which (0 src, 1 dst), port */
  SET_TP: 6,
  /** TOS byte with the DSCP bits to set */
  SET_TOS: 7,
  DEC_TTL: 8,
  /** TPID, TCI */
  PUSH_VLAN: 9,
  POP_VLAN: 10,
  /** TCI bits, their mask, on the outer tag */
  SET_VLAN: 11,
  /** index of the matching CLONE_END */
  CLONE: 12,
  CLONE_END: 13,
} as const;

/** Operands after each opcode. */
export const OP_ARGS: Readonly<Record<number, number>> = {
  [Op.OUTPUT]: 2,
  [Op.CONTROLLER]: 1,
  [Op.SET_ETH]: 3,
  [Op.SET_IP4]: 2,
  [Op.SET_IP6]: 5,
  [Op.SET_TP]: 2,
  [Op.SET_TOS]: 1,
  [Op.DEC_TTL]: 0,
  [Op.PUSH_VLAN]: 2,
  [Op.POP_VLAN]: 0,
  [Op.SET_VLAN]: 2,
  [Op.CLONE]: 1,
  [Op.CLONE_END]: 0,
};

/** The port of outputs a switch decides frame by frame (see NORMAL_PER_FRAME): OpenFlow's OFPP_NORMAL, 0xfffffffa, as a signed 32-bit number. */
export const NORMAL_PORT = -6;

/** Why a frame went out of a port: lets the owner of the pipeline treat `normal` outputs as a learning switch would (VLAN tagging). */
export const OutputKind = {
  /** output:N, in_port, a group bucket's output. */
  Port: 0,
  /** flood or all. */
  Flood: 1,
  /** The normal action's decision. */
  Normal: 2,
  /** A mirror's copy. */
  Mirror: 3,
} as const;

export type OutputKind = (typeof OutputKind)[keyof typeof OutputKind];

/** What the controller callback is told with each frame. */
export interface PacketIn {
  readonly inPort: number;
  readonly table: number;
  readonly cookie: bigint;
  /** Bytes of the frame the flow asked for (controller:N); the callback gets the whole frame. */
  readonly maxLen: number;
  readonly reason: 'action';
}

/** Drop reasons a program can end with, as indexes into DROP_REASONS. */
export const DropCode = {
  Malformed: 0,
  NoMatch: 1,
  DropAction: 2,
  NoEgress: 3,
  NormalDrop: 4,
  NoController: 5,
  TtlExceeded: 6,
  Reentrant: 7,
} as const;

/** Why the flow pipeline dropped a frame. */
export const FlowDrop = {
  /** Too short for its own headers. */
  Malformed: 'malformed',
  /** No rule matched in some table (OpenFlow's table miss). */
  NoMatch: 'no-match',
  /** The rule said drop (or had no actions). */
  DropAction: 'drop-action',
  /** Outputs only to the ingress port, to ports that are down or unknown, or a flood with nobody to reach. */
  NoEgress: 'no-egress',
  /** The normal action decided not to forward. */
  NormalDrop: 'normal-drop',
  /** A controller action with no controller callback. */
  NoController: 'no-controller',
  /** dec_ttl on a packet whose TTL or hop limit was 1 or 0. */
  TtlExceeded: 'ttl-exceeded',
  /** process() called from inside an output or controller callback of the same pipeline. */
  Reentrant: 'reentrant',
} as const;

export const DROP_REASONS: readonly string[] = [
  FlowDrop.Malformed,
  FlowDrop.NoMatch,
  FlowDrop.DropAction,
  FlowDrop.NoEgress,
  FlowDrop.NormalDrop,
  FlowDrop.NoController,
  FlowDrop.TtlExceeded,
  FlowDrop.Reentrant,
];

export class DpProgram {
  private formatted: string | undefined;

  constructor(
    readonly ops: Int32Array,
    /** Counter slots of the rules the frame went through, one per table visited. */
    readonly ruleSlots: Int32Array,
    readonly packetIns: readonly PacketIn[],
    /** A DropCode, counted when a frame leaves through nothing. */
    readonly dropCode: number,
    /** Whether a `normal` decision is part of it (so MAC-table changes invalidate it). */
    readonly normal: boolean,
  ) {
    this.single = ops.length === 3 && ops[0] === Op.OUTPUT;
    this.singlePort = this.single ? ops[1] : 0;
    this.singleKind = this.single ? ops[2] : 0;
  }

  /** Whether the program is exactly one output (to singlePort, of singleKind). */
  readonly single: boolean;
  readonly singlePort: number;
  readonly singleKind: number;

  /** The datapath actions as `ovs-appctl dpctl/dump-flows` prints them. */
  get text(): string {
    this.formatted ??= formatProgram(this.ops);
    return this.formatted;
  }
}

function formatProgram(ops: Int32Array): string {
  const out: string[] = [];
  const stack: string[][] = [];
  let cur = out;
  for (let pc = 0; pc < ops.length; pc += 1 + OP_ARGS[ops[pc]]) {
    const a = ops[pc + 1];
    const b = ops[pc + 2];
    switch (ops[pc]) {
      case Op.OUTPUT:
        cur.push(a === NORMAL_PORT ? 'userspace(normal)' : String(a));
        break;
      case Op.CONTROLLER:
        cur.push('userspace(controller)');
        break;
      case Op.SET_ETH:
        cur.push(`set(eth(${a === 0 ? 'dst' : 'src'}=${formatMac(b * 2 ** 32 + (ops[pc + 3] >>> 0))}))`);
        break;
      case Op.SET_IP4:
        cur.push(`set(ipv4(${a === 0 ? 'src' : 'dst'}=${formatIpv4(b >>> 0)}))`);
        break;
      case Op.SET_IP6:
        cur.push(`set(ipv6(${a === 0 ? 'src' : 'dst'}=${formatIpv6(wordsBigint(ops, pc + 2))}))`);
        break;
      case Op.SET_TP:
        cur.push(`set(tp(${a === 0 ? 'src' : 'dst'}=${b}))`);
        break;
      case Op.SET_TOS:
        cur.push(`set(ip(tos=${hex(a)}/0xfc))`);
        break;
      case Op.DEC_TTL:
        cur.push('dec_ttl');
        break;
      case Op.PUSH_VLAN:
        cur.push(`push_vlan(${a === 0x8100 ? '' : `tpid=${hex(a, 4)},`}vid=${b & 0xfff},pcp=${b >>> 13})`);
        break;
      case Op.POP_VLAN:
        cur.push('pop_vlan');
        break;
      case Op.SET_VLAN:
        cur.push(`set(vlan(tci=${hex(a, 4)}/${hex(b, 4)}))`);
        break;
      case Op.CLONE:
        stack.push(cur);
        cur = [];
        break;
      case Op.CLONE_END: {
        const inner = cur;
        cur = stack.pop()!;
        cur.push(`clone(${inner.join(',') || 'drop'})`);
        break;
      }
    }
  }
  return out.length ? out.join(',') : 'drop';
}

/** Programs by content, so identical ones are shared. Cleared with the caches. */
export class ProgramInterner {
  private readonly map = new Map<string, DpProgram>();

  intern(
    ops: readonly number[],
    ruleSlots: readonly number[],
    packetIns: readonly PacketIn[],
    dropCode: number,
    normal: boolean,
  ): DpProgram {
    let key = `${ops.join(',')}|${ruleSlots.join(',')}|${dropCode}|${normal ? 1 : 0}`;
    for (const p of packetIns) key += `|${p.inPort},${p.table},${p.cookie},${p.maxLen}`;
    let p = this.map.get(key);
    if (!p) {
      if (this.map.size >= 65536) this.map.clear();
      p = new DpProgram(Int32Array.from(ops), Int32Array.from(ruleSlots), packetIns.slice(), dropCode, normal);
      this.map.set(key, p);
    }
    return p;
  }

  clear(): void {
    this.map.clear();
  }
}
