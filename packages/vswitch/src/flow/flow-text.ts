/**
 * ovs-ofctl's flow syntax: `table=0,priority=100,cookie=0x1,idle_timeout=10,ip,nw_dst=10.0.0.2
 * actions=output:2`. Fields are separated by commas or white space; `actions=` comes last and
 * takes the rest. The same parser reads the filters of del-flows and dump-flows (no actions,
 * `cookie=value/mask`, `out_port`), and the structured `FlowSpec` of the API is turned into the
 * same tokens, so both paths check the same things and fail with the same messages.
 */

import { FlowKeyWord as W } from '@vnet/frame';
import { SwitchError } from '../errors.js';
import { checkActions, type FlowAction, MAX_PORT, parseActions } from './actions.js';
import { FIELD_NAMES, type FieldDef, KeyBits, SHORTHANDS } from './fields.js';
import { badToken, checkPrereq, FlowMatch, parseUint, setField } from './match.js';
import { DEFAULT_PRIORITY } from './match-format.js';

/** Match fields as an object: `{ ip: true, nw_dst: '10.0.0.0/24', tp_dst: 80 }`. */
export type FlowMatchFields = Readonly<Record<string, string | number | true>>;

/** A flow to add, as data. Omitted: table 0, priority 32768, cookie 0, no timeouts. */
export interface FlowSpec {
  table?: number;
  priority?: number;
  cookie?: bigint | number;
  /** Seconds without a matching frame after which the flow is removed (0: never). */
  idleTimeout?: number;
  /** Seconds after which the flow is removed whatever its traffic (0: never). */
  hardTimeout?: number;
  match?: string | FlowMatchFields;
  actions: string | readonly FlowAction[];
}

export interface ParsedFlow {
  table: number;
  priority: number;
  cookie: bigint;
  idleTimeout: number;
  hardTimeout: number;
  match: FlowMatch;
  actions: FlowAction[];
}

/** Which flows del-flows and dump-flows act on. */
export interface FlowFilter {
  /** -1: every table. */
  table: number;
  /** Only for strict deletes. */
  priority: number;
  cookie: bigint;
  cookieMask: bigint;
  match: FlowMatch;
  /** Only flows with an output to this port; -1: any. */
  outPort: number;
}

const HEADER = ['table', 'priority', 'cookie', 'idle_timeout', 'hard_timeout', 'out_port'] as const;

/** Parses `add-flow` text. */
export function parseFlow(text: string): ParsedFlow {
  return withContext(text, () => {
    const { header, match, actionText } = parseParts(text, false);
    if (actionText === undefined) throw new SwitchError('bad-option', 'missing "actions=…"; a flow needs actions (actions=drop to drop)');
    const table = header.table ?? 0;
    const actions = parseActions(actionText);
    checkActions(actions, table);
    return {
      table,
      priority: header.priority ?? DEFAULT_PRIORITY,
      cookie: header.cookie ?? 0n,
      idleTimeout: header.idle_timeout ?? 0,
      hardTimeout: header.hard_timeout ?? 0,
      match,
      actions,
    };
  });
}

/** Parses a del-flows / dump-flows filter; empty text selects every flow. */
export function parseFlowFilter(text: string): FlowFilter {
  return withContext(text, () => {
    const { header, match, actionText } = parseParts(text, true);
    if (actionText !== undefined) throw new SwitchError('bad-option', 'a filter has no actions; drop "actions=…"');
    return {
      table: header.table ?? -1,
      priority: header.priority ?? DEFAULT_PRIORITY,
      cookie: header.cookie ?? 0n,
      cookieMask: header.cookieMask ?? 0n,
      match,
      outPort: header.out_port ?? -1,
    };
  });
}

/** The text form of a FlowSpec, checked by the same parser. */
export function flowSpecText(spec: FlowSpec): { text: string; actions: readonly FlowAction[] | undefined } {
  const parts: string[] = [];
  if (spec.table !== undefined) parts.push(`table=${spec.table}`);
  if (spec.priority !== undefined) parts.push(`priority=${spec.priority}`);
  if (spec.cookie !== undefined) parts.push(`cookie=0x${BigInt(spec.cookie).toString(16)}`);
  if (spec.idleTimeout !== undefined) parts.push(`idle_timeout=${spec.idleTimeout}`);
  if (spec.hardTimeout !== undefined) parts.push(`hard_timeout=${spec.hardTimeout}`);
  if (spec.match !== undefined) parts.push(matchText(spec.match));
  if (typeof spec.actions === 'string') return { text: `${parts.filter(Boolean).join(',')} actions=${spec.actions}`, actions: undefined };
  return { text: `${parts.filter(Boolean).join(',')} actions=drop`, actions: spec.actions };
}

export function matchText(m: string | FlowMatchFields): string {
  if (typeof m === 'string') return m;
  return Object.entries(m)
    .map(([k, v]) => (v === true ? k : `${k}=${v}`))
    .join(',');
}

function withContext<T>(text: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SwitchError) throw new SwitchError(e.code, `flow "${text}": ${e.message}`);
    throw e;
  }
}

interface Header {
  table?: number;
  priority?: number;
  cookie?: bigint;
  cookieMask?: bigint;
  idle_timeout?: number;
  hard_timeout?: number;
  out_port?: number;
}

function parseParts(text: string, filter: boolean): { header: Header; match: FlowMatch; actionText: string | undefined } {
  const at = /(^|[\s,])actions\s*=/.exec(text);
  const matchPart = at ? text.slice(0, at.index + at[1].length) : text;
  const actionText = at ? text.slice(at.index + at[0].length) : undefined;
  const header: Header = {};
  const match = new FlowMatch();
  const fields: Array<[FieldDef, string]> = [];
  for (const token of matchPart.split(/[\s,]+/).filter(Boolean)) {
    const eq = token.indexOf('=');
    const name = (eq < 0 ? token : token.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : token.slice(eq + 1);
    const shorthand = SHORTHANDS.get(name);
    if (shorthand) {
      if (value !== undefined) throw badToken(token, `${name} is a protocol shorthand and takes no value`);
      match.set(W.ETH_TYPE, shorthand.type, 0xffff, token);
      if (shorthand.proto !== undefined) match.set(W.NW, shorthand.proto << 24, KeyBits.NW_PROTO, token);
      continue;
    }
    if ((HEADER as readonly string[]).includes(name)) {
      if (value === undefined || value === '') throw badToken(token, `${name} needs a value, as ${name}=N`);
      headerField(header, name as (typeof HEADER)[number], value, token, filter);
      continue;
    }
    const f = FIELD_NAMES.get(name);
    if (!f) {
      throw badToken(
        token,
        `unknown field "${name}"; fields are in_port, dl_src, dl_dst, dl_type, dl_vlan, dl_vlan_pcp, vlan_tci, nw_src, nw_dst, ` +
          'nw_proto, nw_tos, nw_ecn, nw_ttl, tp_src, tp_dst, tcp_flags, icmp_type, icmp_code, arp_op, arp_spa, arp_tpa, ipv6_src, ' +
          'ipv6_dst, ipv6_label, and the shorthands ip, ipv6, tcp, udp, sctp, icmp, arp, rarp, tcp6, udp6, icmp6',
      );
    }
    if (value === undefined || value === '') throw badToken(token, `${name} needs a value, as ${name}=…`);
    setField(match, f, value, token);
    fields.push([f, token]);
  }
  for (const [f, token] of fields) checkPrereq(match, f, token);
  return { header, match, actionText };
}

function headerField(h: Header, name: (typeof HEADER)[number], value: string, token: string, filter: boolean): void {
  switch (name) {
    case 'table':
      h.table = parseUint(value, 253, token, 'a table number');
      return;
    case 'priority':
      h.priority = parseUint(value, 65535, token, 'a priority');
      return;
    case 'idle_timeout':
    case 'hard_timeout':
      if (filter) throw badToken(token, `${name} is not a filter field`);
      h[name] = parseUint(value, 65535, token, 'a number of seconds');
      return;
    case 'out_port':
      if (!filter) throw badToken(token, 'out_port only filters del-flows and dump-flows');
      h.out_port = parseUint(value, MAX_PORT, token, 'a port');
      return;
    case 'cookie': {
      const [v, m] = value.split('/');
      const big = (t: string) => {
        if (!/^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(t)) throw badToken(token, `"${t}" is not a 64-bit number`);
        const n = BigInt(t);
        if (n >= 1n << 64n) throw badToken(token, `${t} does not fit in 64 bits`);
        return n;
      };
      if (m !== undefined && !filter) throw badToken(token, 'a cookie mask only filters del-flows and dump-flows');
      h.cookie = big(v);
      h.cookieMask = m === undefined ? (filter ? (1n << 64n) - 1n : 0n) : big(m);
      return;
    }
  }
}
