/**
 * A flow match: a value and a mask over the 20 words of a flow key. A key matches when
 * `(key[w] & mask[w]) === value[w]` for every word; the value never has bits outside the mask.
 * Parsing field text into a match and checking its prerequisites live here; printing it in
 * ovs-ofctl's order lives in match-format.ts.
 */
import { parseIpv4, parseIpv6, parseMac, FlowKeyWord as W } from '@vnet/frame';
import { SwitchError } from '../errors.js';
import { EthType, type FieldDef, fieldMask, IpProto, KEY_WORDS, KeyBits, type Prereq, TCP_FLAG_NAMES } from './fields.js';

export class FlowMatch {
  readonly value = new Int32Array(KEY_WORDS);
  readonly mask = new Int32Array(KEY_WORDS);

  /** Whether the key (read as int32 words) is covered by this match. */
  matches(key: Int32Array): boolean {
    const v = this.value;
    const m = this.mask;
    for (let w = 0; w < KEY_WORDS; w++) if ((key[w] & m[w]) !== v[w]) return false;
    return true;
  }

  equals(other: FlowMatch): boolean {
    for (let w = 0; w < KEY_WORDS; w++) if (this.value[w] !== other.value[w] || this.mask[w] !== other.mask[w]) return false;
    return true;
  }

  /**
   * Whether this match is at least as specific as `filter` and agrees with it: every packet
   * this match covers is covered by `filter` (OpenFlow's non-strict delete and dump).
   */
  within(filter: FlowMatch): boolean {
    for (let w = 0; w < KEY_WORDS; w++) {
      const fm = filter.mask[w];
      if ((this.mask[w] & fm) !== fm || (this.value[w] & fm) !== filter.value[w]) return false;
    }
    return true;
  }

  /** Whether some packet is covered by both matches. */
  overlaps(other: FlowMatch): boolean {
    for (let w = 0; w < KEY_WORDS; w++) if ((this.value[w] ^ other.value[w]) & this.mask[w] & other.mask[w]) return false;
    return true;
  }

  isCatchAll(): boolean {
    return this.mask.every((m) => m === 0);
  }

  clone(): FlowMatch {
    const m = new FlowMatch();
    m.value.set(this.value);
    m.mask.set(this.mask);
    return m;
  }

  /** Sets `bits` of `word` to `value`; a field given twice must agree with itself. */
  set(word: number, value: number, bits: number, what: string): void {
    const clash = this.mask[word] & bits;
    if (clash !== 0 && ((this.value[word] ^ value) & clash) !== 0) {
      throw new SwitchError('bad-option', `${what} contradicts an earlier field of the same match; give each field once`);
    }
    this.mask[word] |= bits;
    this.value[word] = (this.value[word] & ~bits) | (value & bits);
  }

  /** The EtherType the match requires, or -1 when it leaves dl_type wildcarded. */
  get ethType(): number {
    return this.mask[W.ETH_TYPE] === 0xffff ? this.value[W.ETH_TYPE] : -1;
  }

  /** The IP protocol the match requires, or -1. */
  get ipProto(): number {
    return (this.mask[W.NW] & KeyBits.NW_PROTO) === KeyBits.NW_PROTO ? this.value[W.NW] >>> 24 : -1;
  }
}

/** A SwitchError for bad flow text, naming the token. */
export function badToken(token: string, why: string): SwitchError {
  return new SwitchError('bad-option', `"${token}": ${why}`);
}

/** An unsigned integer in decimal or 0x hex, at most `max`. */
export function parseUint(text: string, max: number, token: string, what = 'a number'): number {
  const t = text.trim();
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(t)) throw badToken(token, `"${text}" is not ${what}; write a decimal or 0x hex number`);
  const n = Number(t);
  if (n > max) throw badToken(token, `${t} is out of range: at most ${max}`);
  return n;
}

/** Integer fields ovs-ofctl takes a /mask on. */
const MASKABLE = new Set(['tp_src', 'tp_dst', 'ipv6_label']);

/** Sets one field of `match` from its text (`value` or `value/mask`); `token` is the whole `name=value`. */
export function setField(match: FlowMatch, f: FieldDef, text: string, token: string): void {
  const slash = text.indexOf('/');
  const valueText = slash < 0 ? text : text.slice(0, slash);
  const maskText = slash < 0 ? undefined : text.slice(slash + 1);
  switch (f.kind) {
    case 'int': {
      if (maskText !== undefined && !MASKABLE.has(f.name)) throw badToken(token, `${f.name} takes no mask`);
      const max = f.bits === 32 ? 0xffff_ffff : 2 ** f.bits - 1;
      const v = parseUint(valueText, max, token);
      const m = maskText === undefined ? max : parseUint(maskText, max, token, 'a mask');
      const full = fieldMask(f);
      match.set(f.word, (v & m) << f.shift, (m << f.shift) & full, token);
      return;
    }
    case 'mac': {
      const v = mac(valueText, token);
      const m = maskText === undefined ? 0xffff_ffff_ffff : mac(maskText, token);
      const mHi = Math.floor(m / 2 ** 32);
      const mLo = (m % 2 ** 32) | 0;
      match.set(f.word, Math.floor(v / 2 ** 32) & mHi, mHi, token);
      match.set(f.word + 1, (v % 2 ** 32) & mLo, mLo, token);
      return;
    }
    case 'ipv4': {
      const v = ipv4(valueText, token);
      const m = maskText === undefined ? -1 : ipv4Mask(maskText, token);
      match.set(f.word, v & m, m, token);
      return;
    }
    case 'ipv6': {
      const v = ipv6Words(valueText, token);
      const m = maskText === undefined ? [-1, -1, -1, -1] : ipv6Mask(maskText, token);
      for (let i = 0; i < 4; i++) match.set(f.word + i, v[i] & m[i], m[i], token);
      return;
    }
    case 'tcp-flags': {
      const [v, m] = tcpFlags(text, token);
      match.set(f.word, v, m, token);
      return;
    }
    case 'dl-vlan': {
      if (maskText !== undefined) throw badToken(token, 'dl_vlan takes no mask; use vlan_tci=value/mask');
      const vid = parseUint(valueText, 0xffff, token);
      // No tag: the whole word is zero, as OVS matches vlan_tci=0x0000 under a full mask.
      if (vid === 0xffff) match.set(f.word, 0, tciToWord(0xffff), token);
      else if (vid > 4095) throw badToken(token, `VLAN ${vid} is outside 0-4095 (0xffff matches frames without a tag)`);
      else match.set(f.word, KeyBits.VLAN_PRESENT | vid, KeyBits.VLAN_PRESENT | KeyBits.VLAN_VID, token);
      return;
    }
    case 'vlan-pcp': {
      if (maskText !== undefined) throw badToken(token, 'dl_vlan_pcp takes no mask');
      const pcp = parseUint(valueText, 7, token);
      match.set(f.word, KeyBits.VLAN_PRESENT | (pcp << 13), KeyBits.VLAN_PRESENT | KeyBits.VLAN_PCP, token);
      return;
    }
    case 'vlan-tci': {
      // OVS's CFI bit means "a tag is present"; the key's present bit is bit 31.
      const v = parseUint(valueText, 0xffff, token);
      const m = maskText === undefined ? 0xffff : parseUint(maskText, 0xffff, token, 'a mask');
      match.set(f.word, tciToWord(v & m), tciToWord(m), token);
      return;
    }
    case 'nw-tos': {
      if (maskText !== undefined) throw badToken(token, 'nw_tos takes no mask');
      const tos = parseUint(valueText, 255, token);
      if (tos & 3)
        throw badToken(token, `nw_tos is the DSCP bits of the TOS byte, a multiple of 4; ${tos} is not (nw_ecn matches the low 2 bits)`);
      match.set(f.word, tos << 16, KeyBits.NW_DSCP, token);
      return;
    }
  }
}

/** OVS vlan_tci bits (CFI = present) to the key's outer VLAN word bits. */
export function tciToWord(tci: number): number {
  return (tci & 0x1000 ? KeyBits.VLAN_PRESENT : 0) | (tci & 0xefff);
}

/** The key's outer VLAN word bits to OVS vlan_tci bits. */
export function wordToTci(word: number): number {
  return (word & KeyBits.VLAN_PRESENT ? 0x1000 : 0) | (word & 0xefff);
}

export function mac(text: string, token: string): number {
  try {
    return parseMac(text);
  } catch {
    throw badToken(token, `"${text}" is not a MAC address; write six hex bytes like 00:00:00:00:00:01`);
  }
}

export function ipv4(text: string, token: string): number {
  try {
    return parseIpv4(text) | 0;
  } catch {
    throw badToken(token, `"${text}" is not an IPv4 address; write four numbers 0-255 like 10.0.0.1`);
  }
}

function ipv4Mask(text: string, token: string): number {
  if (/^\d{1,2}$/.test(text)) {
    const len = Number(text);
    if (len > 32) throw badToken(token, `/${len} is not a prefix length 0-32`);
    return len === 0 ? 0 : (-1 << (32 - len)) | 0;
  }
  return ipv4(text, token);
}

/** An IPv6 address as four int32 words, most significant first. */
export function ipv6Words(text: string, token: string): number[] {
  let a: bigint;
  try {
    a = parseIpv6(text);
  } catch {
    throw badToken(token, `"${text}" is not an IPv6 address; write hex groups like 2001:db8::1`);
  }
  return bigintWords(a);
}

export function bigintWords(a: bigint): number[] {
  return [96n, 64n, 32n, 0n].map((s) => Number((a >> s) & 0xffff_ffffn) | 0);
}

export function wordsBigint(w: ArrayLike<number>, at = 0): bigint {
  let a = 0n;
  for (let i = 0; i < 4; i++) a = (a << 32n) | BigInt(w[at + i] >>> 0);
  return a;
}

function ipv6Mask(text: string, token: string): number[] {
  if (/^\d{1,3}$/.test(text)) {
    const len = Number(text);
    if (len > 128) throw badToken(token, `/${len} is not a prefix length 0-128`);
    return [0, 1, 2, 3].map((i) => {
      const bits = Math.max(0, Math.min(32, len - 32 * i));
      return bits === 0 ? 0 : (-1 << (32 - bits)) | 0;
    });
  }
  return ipv6Words(text, token);
}

/** `+syn-ack`, `syn|ack`, or a number with an optional mask. */
function tcpFlags(text: string, token: string): [number, number] {
  if (/^[+-]/.test(text)) {
    let v = 0;
    let m = 0;
    for (const part of text.match(/[+-][a-z]+/gi) ?? []) {
      const bit = flagBit(part.slice(1), token);
      m |= bit;
      if (part[0] === '+') v |= bit;
    }
    if ((text.match(/[+-][a-z]+/gi) ?? []).join('') !== text) throw badToken(token, 'write TCP flags as +flag-flag, e.g. +syn-ack');
    return [v, m];
  }
  if (/^[a-z|]+$/i.test(text)) {
    let v = 0;
    for (const name of text.split('|')) v |= flagBit(name, token);
    return [v, KeyBits.TCP_FLAGS];
  }
  const slash = text.indexOf('/');
  const v = parseUint(slash < 0 ? text : text.slice(0, slash), 0xfff, token);
  const m = slash < 0 ? 0xfff : parseUint(text.slice(slash + 1), 0xfff, token, 'a mask');
  return [v & m, m];
}

function flagBit(name: string, token: string): number {
  const i = (TCP_FLAG_NAMES as readonly string[]).indexOf(name.toLowerCase());
  if (i < 0) throw badToken(token, `"${name}" is not a TCP flag; flags are ${TCP_FLAG_NAMES.join(', ')}`);
  return 1 << i;
}

const PREREQ_TEXT: Record<Exclude<Prereq, 'none'>, string> = {
  ip: 'ip or ipv6 (dl_type=0x0800 or 0x86dd)',
  ipv4: 'ip (dl_type=0x0800)',
  ipv6: 'ipv6 (dl_type=0x86dd)',
  'ipv4-or-arp': 'ip or arp (dl_type=0x0800 or 0x0806)',
  arp: 'arp (dl_type=0x0806)',
  l4: 'tcp, udp or sctp (or nw_proto=6/17/132 with ip or ipv6)',
  icmp: 'icmp or icmp6',
  tcp: 'tcp or tcp6',
};

/** Whether a match with this EtherType and IP protocol (-1: wildcarded) meets a prerequisite. */
export function meetsPrereq(p: Prereq, type: number, proto: number): boolean {
  const ip = type === EthType.IPv4 || type === EthType.IPv6;
  switch (p) {
    case 'none':
      return true;
    case 'ip':
      return ip;
    case 'ipv4':
      return type === EthType.IPv4;
    case 'ipv6':
      return type === EthType.IPv6;
    case 'ipv4-or-arp':
      return type === EthType.IPv4 || type === EthType.ARP || type === EthType.RARP;
    case 'arp':
      return type === EthType.ARP || type === EthType.RARP;
    case 'l4':
      return ip && (proto === IpProto.TCP || proto === IpProto.UDP || proto === IpProto.SCTP);
    case 'icmp':
      return (type === EthType.IPv4 && proto === IpProto.ICMP) || (type === EthType.IPv6 && proto === IpProto.ICMPv6);
    case 'tcp':
      return ip && proto === IpProto.TCP;
  }
}

/** Throws unless the match says what `f` needs (nw_dst needs ip or arp, tp_dst needs tcp/udp, …). */
export function checkPrereq(match: FlowMatch, f: FieldDef, token: string): void {
  if (f.prereq === 'none' || meetsPrereq(f.prereq, match.ethType, match.ipProto)) return;
  throw badToken(token, `${f.name} needs ${PREREQ_TEXT[f.prereq]} in the same match, e.g. "ip,${token}"`);
}
