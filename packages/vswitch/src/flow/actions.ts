/**
 * OpenFlow actions as ovs-ofctl writes them (`output:2`, `mod_vlan_vid:10`, `set_field:…->…`),
 * their parsed form, and the reverse, in the spelling dump-flows prints.
 */
import { formatIpv4, formatIpv6, formatMac } from '@vnet/frame';
import { SwitchError } from '../errors.js';
import { badToken, ipv4, ipv6Words, mac, parseUint, wordsBigint } from './match.js';
import { hex } from './match-format.js';

export type FlowAction =
  | { readonly type: 'output'; readonly port: number }
  /** Back out of the port the frame came in on (`in_port`). */
  | { readonly type: 'in_port' }
  /** Every port but the ingress one that is up (`flood`; `all` also includes ports kept out of flooding). */
  | { readonly type: 'flood' }
  | { readonly type: 'all' }
  /** The learning switch's forwarding decision. */
  | { readonly type: 'normal' }
  /** A copy to the slow-path controller callback. */
  | { readonly type: 'controller'; readonly maxLen: number }
  | { readonly type: 'mod_vlan_vid'; readonly vid: number }
  | { readonly type: 'mod_vlan_pcp'; readonly pcp: number }
  | { readonly type: 'strip_vlan' }
  | { readonly type: 'push_vlan'; readonly ethertype: number }
  | { readonly type: 'mod_dl_src' | 'mod_dl_dst'; readonly mac: number }
  | { readonly type: 'mod_nw_src' | 'mod_nw_dst'; readonly ip: number }
  | { readonly type: 'mod_ipv6_src' | 'mod_ipv6_dst'; readonly ip: bigint }
  | { readonly type: 'mod_nw_tos'; readonly tos: number }
  | { readonly type: 'mod_tp_src' | 'mod_tp_dst'; readonly port: number }
  | { readonly type: 'dec_ttl' }
  | { readonly type: 'goto_table'; readonly table: number }
  | { readonly type: 'group'; readonly group: number };

export type FlowActionType = FlowAction['type'];

/** Splits at commas that are not inside parentheses. */
export function splitTopLevel(text: string, sep = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** Port numbers are positive int32s: the flow key holds in_port as one. */
export const MAX_PORT = 0x7fff_ffff;

/** Parses the text after `actions=`; `drop` (or nothing) is the empty list. */
export function parseActions(text: string): FlowAction[] {
  const tokens = splitTopLevel(text);
  const out: FlowAction[] = [];
  for (const token of tokens) {
    const a = parseAction(token);
    if (a === 'drop') {
      if (tokens.length > 1) throw badToken(token, 'drop must be the only action (an empty action list drops too)');
      continue;
    }
    out.push(a);
  }
  return out;
}

function parseAction(token: string): FlowAction | 'drop' {
  const colon = token.indexOf(':');
  const name = (colon < 0 ? token : token.slice(0, colon)).trim().toLowerCase();
  const arg = colon < 0 ? undefined : token.slice(colon + 1).trim();
  const need = (): string => {
    if (arg === undefined || arg === '') throw badToken(token, `${name} needs an argument, as ${name}:N`);
    return arg;
  };
  const none = () => {
    if (arg !== undefined) throw badToken(token, `${name} takes no argument`);
  };
  if (/^\d+$/.test(token)) return { type: 'output', port: parseUint(token, MAX_PORT, token, 'a port') };
  switch (name) {
    case 'output':
      return { type: 'output', port: parseUint(need(), MAX_PORT, token, 'a port') };
    case 'in_port':
      none();
      return { type: 'in_port' };
    case 'flood':
    case 'all':
    case 'normal':
    case 'strip_vlan':
    case 'dec_ttl':
      none();
      return { type: name };
    case 'pop_vlan':
      none();
      return { type: 'strip_vlan' };
    case 'drop':
      none();
      return 'drop';
    case 'controller':
      return { type: 'controller', maxLen: arg === undefined ? 65535 : parseUint(arg, 65535, token, 'a byte count') };
    case 'mod_vlan_vid':
      return { type: 'mod_vlan_vid', vid: parseUint(need(), 4095, token, 'a VLAN ID') };
    case 'mod_vlan_pcp':
      return { type: 'mod_vlan_pcp', pcp: parseUint(need(), 7, token, 'a priority') };
    case 'push_vlan': {
      const ethertype = parseUint(need(), 0xffff, token, 'an EtherType');
      if (ethertype !== 0x8100 && ethertype !== 0x88a8) throw badToken(token, 'push_vlan takes 0x8100 or 0x88a8');
      return { type: 'push_vlan', ethertype };
    }
    case 'mod_dl_src':
    case 'mod_dl_dst':
      return { type: name, mac: mac(need(), token) };
    case 'mod_nw_src':
    case 'mod_nw_dst':
      return { type: name, ip: ipv4(need(), token) >>> 0 };
    case 'mod_nw_tos': {
      const tos = parseUint(need(), 255, token);
      if (tos & 3) throw badToken(token, 'mod_nw_tos sets the DSCP bits: give the TOS byte, a multiple of 4');
      return { type: 'mod_nw_tos', tos };
    }
    case 'mod_tp_src':
    case 'mod_tp_dst':
      return { type: name, port: parseUint(need(), 0xffff, token, 'a port') };
    case 'goto_table':
      return { type: 'goto_table', table: parseUint(need(), 253, token, 'a table number') };
    case 'group':
      return { type: 'group', group: parseUint(need(), 0xffff_ff00, token, 'a group id') };
    case 'set_field':
      return parseSetField(need(), token);
    default:
      throw badToken(
        token,
        `unknown action "${name}"; actions are output:N, in_port, flood, all, normal, controller, drop, mod_vlan_vid, mod_vlan_pcp, ` +
          'strip_vlan, push_vlan, mod_dl_src, mod_dl_dst, mod_nw_src, mod_nw_dst, mod_nw_tos, mod_tp_src, mod_tp_dst, set_field, ' +
          'dec_ttl, goto_table, group',
      );
  }
}

/** `set_field:value->field`, mapped onto the mod_* action that does the same. */
function parseSetField(arg: string, token: string): FlowAction {
  const arrow = arg.indexOf('->');
  if (arrow < 0) throw badToken(token, 'write set_field:value->field');
  const value = arg.slice(0, arrow).trim();
  const field = arg
    .slice(arrow + 2)
    .trim()
    .toLowerCase();
  switch (field) {
    case 'eth_src':
    case 'dl_src':
      return { type: 'mod_dl_src', mac: mac(value, token) };
    case 'eth_dst':
    case 'dl_dst':
      return { type: 'mod_dl_dst', mac: mac(value, token) };
    case 'ip_src':
    case 'ipv4_src':
    case 'nw_src':
      return { type: 'mod_nw_src', ip: ipv4(value, token) >>> 0 };
    case 'ip_dst':
    case 'ipv4_dst':
    case 'nw_dst':
      return { type: 'mod_nw_dst', ip: ipv4(value, token) >>> 0 };
    case 'ipv6_src':
      return { type: 'mod_ipv6_src', ip: wordsBigint(ipv6Words(value, token)) };
    case 'ipv6_dst':
      return { type: 'mod_ipv6_dst', ip: wordsBigint(ipv6Words(value, token)) };
    case 'tcp_src':
    case 'udp_src':
    case 'tp_src':
      return { type: 'mod_tp_src', port: parseUint(value, 0xffff, token, 'a port') };
    case 'tcp_dst':
    case 'udp_dst':
    case 'tp_dst':
      return { type: 'mod_tp_dst', port: parseUint(value, 0xffff, token, 'a port') };
    case 'vlan_vid':
    case 'dl_vlan':
      // OXM's vlan_vid carries the "present" bit 0x1000 beside the VID.
      return { type: 'mod_vlan_vid', vid: parseUint(value, 0x1fff, token, 'a VLAN ID') & 0xfff };
    case 'vlan_pcp':
    case 'dl_vlan_pcp':
      return { type: 'mod_vlan_pcp', pcp: parseUint(value, 7, token, 'a priority') };
    case 'ip_dscp':
      return { type: 'mod_nw_tos', tos: parseUint(value, 63, token, 'a DSCP value') << 2 };
    case 'nw_tos': {
      const tos = parseUint(value, 255, token);
      if (tos & 3) throw badToken(token, 'nw_tos is the TOS byte with the low 2 bits clear');
      return { type: 'mod_nw_tos', tos };
    }
    default:
      throw badToken(
        token,
        `set_field cannot set "${field}"; it sets eth_src, eth_dst, ip_src, ip_dst, ipv6_src, ipv6_dst, tcp/udp_src, tcp/udp_dst, vlan_vid, vlan_pcp, ip_dscp`,
      );
  }
}

/** Checks a parsed action list from code (not text): numbers in range, goto_table last. */
export function checkActions(actions: readonly FlowAction[], table: number): void {
  actions.forEach((a, i) => {
    const bad = (why: string) => new SwitchError('bad-option', `action ${i + 1} (${formatAction(a)}): ${why}`);
    if (a.type === 'goto_table') {
      if (i !== actions.length - 1) throw bad('goto_table must be the last action');
      if (a.table <= table) throw bad(`goto_table must go forward, to a table after ${table}`);
    }
    const range = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
    const ok =
      a.type === 'output'
        ? range(a.port, MAX_PORT)
        : a.type === 'mod_vlan_vid'
          ? range(a.vid, 4095)
          : a.type === 'mod_vlan_pcp'
            ? range(a.pcp, 7)
            : a.type === 'mod_tp_src' || a.type === 'mod_tp_dst'
              ? range(a.port, 0xffff)
              : a.type === 'mod_nw_src' || a.type === 'mod_nw_dst'
                ? range(a.ip, 0xffff_ffff)
                : a.type === 'mod_dl_src' || a.type === 'mod_dl_dst'
                  ? range(a.mac, 0xffff_ffff_ffff)
                  : a.type === 'mod_nw_tos'
                    ? range(a.tos, 252) && (a.tos & 3) === 0
                    : a.type === 'goto_table'
                      ? range(a.table, 253)
                      : a.type === 'push_vlan'
                        ? a.ethertype === 0x8100 || a.ethertype === 0x88a8
                        : a.type === 'controller'
                          ? range(a.maxLen, 65535)
                          : true;
    if (!ok) throw bad('a value is out of range');
  });
}

export function formatAction(a: FlowAction): string {
  switch (a.type) {
    case 'output':
      return `output:${a.port}`;
    case 'in_port':
    case 'flood':
    case 'all':
    case 'normal':
      return a.type.toUpperCase();
    case 'controller':
      return `CONTROLLER:${a.maxLen}`;
    case 'mod_vlan_vid':
      return `mod_vlan_vid:${a.vid}`;
    case 'mod_vlan_pcp':
      return `mod_vlan_pcp:${a.pcp}`;
    case 'strip_vlan':
    case 'dec_ttl':
      return a.type;
    case 'push_vlan':
      return `push_vlan:${hex(a.ethertype, 4)}`;
    case 'mod_dl_src':
    case 'mod_dl_dst':
      return `${a.type}:${formatMac(a.mac)}`;
    case 'mod_nw_src':
    case 'mod_nw_dst':
      return `${a.type}:${formatIpv4(a.ip)}`;
    case 'mod_ipv6_src':
    case 'mod_ipv6_dst':
      return `set_field:${formatIpv6(a.ip)}->${a.type.slice(4)}`;
    case 'mod_nw_tos':
      return `mod_nw_tos:${a.tos}`;
    case 'mod_tp_src':
    case 'mod_tp_dst':
      return `${a.type}:${a.port}`;
    case 'goto_table':
      return `goto_table:${a.table}`;
    case 'group':
      return `group:${a.group}`;
  }
}

export function formatActions(actions: readonly FlowAction[]): string {
  return actions.length === 0 ? 'drop' : actions.map(formatAction).join(',');
}
