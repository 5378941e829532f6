/**
 * One rule of the packet filter: what it matches, checked against raw IPv4 bytes, and its
 * verdict; and how a rule given by the user is validated and printed the way `nft` prints it.
 *
 * A rule is compiled once into plain numbers (int32 prefixes, port ranges, a protocol number,
 * -1 for "any"), so matching a datagram reads bytes and compares numbers: no view, no string
 * built, no allocation per packet.
 */
import { formatIpv4, Icmpv4Unreachable, IpProtocol, type Ipv4Cidr } from '@vnet/frame';
import { i32 } from '../addr32.js';
import { cidrOf } from '../address.js';
import { NetstackError } from '../errors.js';

/** The three chains of the filter table, after nftables' hooks of the same names. */
export type FilterChainName = 'input' | 'forward' | 'output';
/** What happens to a datagram no rule decided on. */
export type FilterPolicy = 'accept' | 'drop';
/**
 * `accept` and `drop` end the chain; `reject` drops and answers with an ICMP error (port
 * unreachable unless `rejectWith` says otherwise); `continue` only counts, and the next rule
 * is tried (an nft rule with no verdict).
 */
export type FilterVerdict = 'accept' | 'drop' | 'reject' | 'continue';
/** `icmp`, `tcp`, `udp` or an IP protocol number (0–255). */
export type FilterProtocol = 'icmp' | 'tcp' | 'udp' | number;
/** A port (`22`), a range (`[1024, 65535]`), or either as nft writes it (`'22'`, `'1024-65535'`). */
export type FilterPorts = number | readonly [number, number] | string;
/** The ICMP error a `reject` sends, by nft's names for them. */
export type RejectWith =
  | 'port-unreachable'
  | 'net-unreachable'
  | 'host-unreachable'
  | 'prot-unreachable'
  | 'net-prohibited'
  | 'host-prohibited'
  | 'admin-prohibited';
/** ICMP types by nft's names. */
export type IcmpTypeName =
  | 'echo-reply'
  | 'destination-unreachable'
  | 'source-quench'
  | 'redirect'
  | 'echo-request'
  | 'router-advertisement'
  | 'router-solicitation'
  | 'time-exceeded'
  | 'parameter-problem'
  | 'timestamp-request'
  | 'timestamp-reply'
  | 'info-request'
  | 'info-reply'
  | 'address-mask-request'
  | 'address-mask-reply';

/**
 * A rule as `filter.add` takes it: every match given must hold (none given matches all).
 * `{ protocol: 'tcp', dport: 22, verdict: 'drop' }` is nft's `tcp dport 22 drop`.
 */
export interface FilterRuleSpec {
  /** The interface the datagram came in on (input, forward); a trailing `*` matches a prefix (`eth*`). */
  iifname?: string;
  /** The interface it leaves by (forward, output); `lo` for datagrams to this host. */
  oifname?: string;
  /** Source address or prefix: `10.0.1.0/24`, `10.0.1.5`. */
  saddr?: string;
  /** Destination address or prefix. */
  daddr?: string;
  /** Implied `icmp` by `icmpType`; needed (`tcp` or `udp`) with ports. */
  protocol?: FilterProtocol;
  /** TCP or UDP source port(s). Only the first fragment of a datagram carries ports. */
  sport?: FilterPorts;
  /** TCP or UDP destination port(s). */
  dport?: FilterPorts;
  /** An ICMP type: `echo-request`, or its number. */
  icmpType?: number | IcmpTypeName;
  verdict: FilterVerdict;
  /** With `reject`: the ICMP error to send; `port-unreachable` by default, as nft. */
  rejectWith?: RejectWith;
  /** Shown by `list()`, as nft's `comment "…"`. */
  comment?: string;
}

/** A rule as `filter.rules()` reads it back: the spec (normalised), where it is, and its counters. */
export interface FilterRuleInfo {
  /** nft's handle: what `delete` and positions name. */
  handle: number;
  chain: FilterChainName;
  iifname?: string;
  oifname?: string;
  /** As CIDR text, `10.0.1.0/24` (`/32` for a single address). */
  saddr?: string;
  daddr?: string;
  protocol?: FilterProtocol;
  sport?: readonly [number, number];
  dport?: readonly [number, number];
  icmpType?: number;
  verdict: FilterVerdict;
  rejectWith?: RejectWith;
  comment?: string;
  /** Datagrams that matched, and their bytes (IP header included, as nft counts). */
  packets: number;
  bytes: number;
  /** The rule as `nft list ruleset` prints it, counter included. */
  text: string;
}

const ICMP_TYPES: Record<IcmpTypeName, number> = {
  'echo-reply': 0,
  'destination-unreachable': 3,
  'source-quench': 4,
  redirect: 5,
  'echo-request': 8,
  'router-advertisement': 9,
  'router-solicitation': 10,
  'time-exceeded': 11,
  'parameter-problem': 12,
  'timestamp-request': 13,
  'timestamp-reply': 14,
  'info-request': 15,
  'info-reply': 16,
  'address-mask-request': 17,
  'address-mask-reply': 18,
};

const REJECT_CODES: Record<RejectWith, number> = {
  'net-unreachable': Icmpv4Unreachable.Net,
  'host-unreachable': Icmpv4Unreachable.Host,
  'prot-unreachable': Icmpv4Unreachable.Protocol,
  'port-unreachable': Icmpv4Unreachable.Port,
  'net-prohibited': Icmpv4Unreachable.NetProhibited,
  'host-prohibited': Icmpv4Unreachable.HostProhibited,
  'admin-prohibited': Icmpv4Unreachable.AdminProhibited,
};

const PROTOCOLS: Record<string, number> = { icmp: IpProtocol.ICMP, tcp: IpProtocol.TCP, udp: IpProtocol.UDP };
const VERDICTS: readonly FilterVerdict[] = ['accept', 'drop', 'reject', 'continue'];
const FIELDS = new Set([
  'iifname',
  'oifname',
  'saddr',
  'daddr',
  'protocol',
  'sport',
  'dport',
  'icmpType',
  'verdict',
  'rejectWith',
  'comment',
]);

/** What a chain's evaluation comes to: accept, drop, or `REJECT | icmpCode`. */
export const ACCEPT = 0;
export const DROP = 1;
export const REJECT = 0x100;
/** A matching `continue` rule: counted, and the chain goes on. */
const CONTINUE = -1;

/** The names of the ICMP types nft knows, for messages and parsers. */
export function icmpTypeNames(): IcmpTypeName[] {
  return Object.keys(ICMP_TYPES) as IcmpTypeName[];
}

/** The names of the ICMP errors a reject can send. */
export function rejectNames(): RejectWith[] {
  return Object.keys(REJECT_CODES) as RejectWith[];
}

export class FilterRule {
  packets = 0;
  bytes = 0;
  /** Interface names to compare, or undefined for any; `*Prefix` when the name ended in `*`. */
  private readonly iif: string | undefined;
  private readonly iifPrefix: boolean;
  private readonly oif: string | undefined;
  private readonly oifPrefix: boolean;
  private readonly srcMask: number;
  private readonly srcNet: number;
  private readonly dstMask: number;
  private readonly dstNet: number;
  /** -1: any. */
  private readonly proto: number;
  private readonly sportLo: number;
  private readonly sportHi: number;
  private readonly dportLo: number;
  private readonly dportHi: number;
  private readonly icmpType: number;
  /** Whether the match needs the transport header (ports or ICMP type). */
  private readonly l4: boolean;
  /** ACCEPT, DROP, REJECT | code, or CONTINUE. */
  private readonly result: number;

  constructor(
    readonly handle: number,
    readonly chain: FilterChainName,
    /** The normalised spec, for read-outs. */
    readonly info: Omit<FilterRuleInfo, 'handle' | 'chain' | 'packets' | 'bytes' | 'text'>,
  ) {
    const i = info;
    this.iif = i.iifname?.endsWith('*') ? i.iifname.slice(0, -1) : i.iifname;
    this.iifPrefix = i.iifname?.endsWith('*') ?? false;
    this.oif = i.oifname?.endsWith('*') ? i.oifname.slice(0, -1) : i.oifname;
    this.oifPrefix = i.oifname?.endsWith('*') ?? false;
    const s = i.saddr === undefined ? undefined : cidrOf(i.saddr, 'saddr');
    const d = i.daddr === undefined ? undefined : cidrOf(i.daddr, 'daddr');
    this.srcMask = s === undefined ? 0 : s.mask | 0;
    this.srcNet = s === undefined ? 0 : s.network | 0;
    this.dstMask = d === undefined ? 0 : d.mask | 0;
    this.dstNet = d === undefined ? 0 : d.network | 0;
    this.proto = i.protocol === undefined ? -1 : typeof i.protocol === 'number' ? i.protocol : PROTOCOLS[i.protocol];
    this.sportLo = i.sport === undefined ? -1 : i.sport[0];
    this.sportHi = i.sport === undefined ? -1 : i.sport[1];
    this.dportLo = i.dport === undefined ? -1 : i.dport[0];
    this.dportHi = i.dport === undefined ? -1 : i.dport[1];
    this.icmpType = i.icmpType ?? -1;
    this.l4 = this.sportLo >= 0 || this.dportLo >= 0 || this.icmpType >= 0;
    this.result =
      i.verdict === 'accept'
        ? ACCEPT
        : i.verdict === 'drop'
          ? DROP
          : i.verdict === 'reject'
            ? REJECT | REJECT_CODES[i.rejectWith ?? 'port-unreachable']
            : CONTINUE;
  }

  /**
   * Counts the datagram at `b[off, off + total)` when it matches, and returns the rule's
   * result then (`undefined`-free: -2 when it does not match).
   */
  apply(b: Uint8Array, off: number, total: number, iif: string | undefined, oif: string | undefined): number {
    if (this.iif !== undefined && !nameMatches(iif, this.iif, this.iifPrefix)) return NO_MATCH;
    if (this.oif !== undefined && !nameMatches(oif, this.oif, this.oifPrefix)) return NO_MATCH;
    if ((i32(b, off + 12) & this.srcMask) !== this.srcNet) return NO_MATCH;
    if ((i32(b, off + 16) & this.dstMask) !== this.dstNet) return NO_MATCH;
    if (this.proto >= 0 && b[off + 9] !== this.proto) return NO_MATCH;
    if (this.l4) {
      // Only the first fragment has the transport header; a later one never matches ports.
      if (((b[off + 6] & 0x1f) | b[off + 7]) !== 0) return NO_MATCH;
      const hl = (b[off] & 0x0f) << 2;
      const at = off + hl;
      if (this.icmpType >= 0 && (total < hl + 1 || b[at] !== this.icmpType)) return NO_MATCH;
      if (this.sportLo >= 0) {
        if (total < hl + 2) return NO_MATCH;
        const p = (b[at] << 8) | b[at + 1];
        if (p < this.sportLo || p > this.sportHi) return NO_MATCH;
      }
      if (this.dportLo >= 0) {
        if (total < hl + 4) return NO_MATCH;
        const p = (b[at + 2] << 8) | b[at + 3];
        if (p < this.dportLo || p > this.dportHi) return NO_MATCH;
      }
    }
    this.packets++;
    this.bytes += total;
    return this.result;
  }

  /** As `nft list ruleset` prints the rule (without its handle). */
  text(): string {
    const i = this.info;
    const words: string[] = [];
    if (i.iifname !== undefined) words.push(`iifname "${i.iifname}"`);
    if (i.oifname !== undefined) words.push(`oifname "${i.oifname}"`);
    if (i.saddr !== undefined) words.push(`ip saddr ${shortCidr(i.saddr)}`);
    if (i.daddr !== undefined) words.push(`ip daddr ${shortCidr(i.daddr)}`);
    const l4 = typeof i.protocol === 'string' ? i.protocol : String(i.protocol);
    if (i.protocol !== undefined && i.sport === undefined && i.dport === undefined && i.icmpType === undefined) {
      words.push(`ip protocol ${l4}`);
    }
    if (i.sport !== undefined) words.push(`${l4} sport ${portText(i.sport)}`);
    if (i.dport !== undefined) words.push(`${l4} dport ${portText(i.dport)}`);
    if (i.icmpType !== undefined) words.push(`icmp type ${icmpTypeText(i.icmpType)}`);
    words.push(`counter packets ${this.packets} bytes ${this.bytes}`);
    if (i.verdict === 'reject') {
      words.push(i.rejectWith === undefined || i.rejectWith === 'port-unreachable' ? 'reject' : `reject with icmp type ${i.rejectWith}`);
    } else if (i.verdict !== 'continue') {
      words.push(i.verdict);
    }
    if (i.comment !== undefined) words.push(`comment "${i.comment}"`);
    return words.join(' ');
  }

  readout(): FilterRuleInfo {
    return { handle: this.handle, chain: this.chain, ...this.info, packets: this.packets, bytes: this.bytes, text: this.text() };
  }
}

/** The result of a rule that does not match. */
export const NO_MATCH = -2;
/** The result of a `continue` rule that matched. */
export const COUNTED = CONTINUE;

function nameMatches(name: string | undefined, want: string, prefix: boolean): boolean {
  if (name === undefined) return false;
  return prefix ? name.startsWith(want) : name === want;
}

function shortCidr(cidr: string): string {
  return cidr.endsWith('/32') ? cidr.slice(0, -3) : cidr;
}

function portText(p: readonly [number, number]): string {
  return p[0] === p[1] ? String(p[0]) : `${p[0]}-${p[1]}`;
}

function icmpTypeText(t: number): string {
  for (const [name, n] of Object.entries(ICMP_TYPES)) if (n === t) return name;
  return String(t);
}

// ---- validation ----

function bad(chain: FilterChainName, message: string): NetstackError {
  return new NetstackError('bad-rule', `filter rule in chain ${chain}: ${message}`);
}

/** Checks a rule from the user and normalises it; throws `bad-rule` saying what to change. */
export function normaliseRule(chain: FilterChainName, spec: FilterRuleSpec): FilterRule['info'] {
  if (typeof spec !== 'object' || spec === null) throw bad(chain, 'give an object such as { protocol: "tcp", dport: 22, verdict: "drop" }');
  for (const key of Object.keys(spec)) {
    if (!FIELDS.has(key)) throw bad(chain, `unknown field "${key}"; a rule has ${[...FIELDS].join(', ')}`);
  }
  const out: FilterRule['info'] = { verdict: 'accept' };
  if (!VERDICTS.includes(spec.verdict)) {
    throw bad(chain, `verdict must be ${VERDICTS.join(', ')}, not ${JSON.stringify(spec.verdict)}`);
  }
  out.verdict = spec.verdict;
  if (spec.iifname !== undefined) {
    if (chain === 'output')
      throw bad(chain, 'iifname never matches in the output chain (locally sent datagrams came in on no interface); use oifname');
    out.iifname = ifname(chain, 'iifname', spec.iifname);
  }
  if (spec.oifname !== undefined) {
    if (chain === 'input')
      throw bad(chain, 'oifname never matches in the input chain (those datagrams leave by no interface); use iifname');
    out.oifname = ifname(chain, 'oifname', spec.oifname);
  }
  if (spec.saddr !== undefined) out.saddr = prefix(chain, 'saddr', spec.saddr);
  if (spec.daddr !== undefined) out.daddr = prefix(chain, 'daddr', spec.daddr);

  let proto = spec.protocol;
  if (proto !== undefined) {
    if (typeof proto === 'number') {
      if (!Number.isInteger(proto) || proto < 0 || proto > 255) throw bad(chain, `protocol ${proto} is not an IP protocol number (0-255)`);
      // Numbers with a name are kept by name, as nft prints them.
      for (const [name, n] of Object.entries(PROTOCOLS)) if (n === proto) proto = name as FilterProtocol;
    } else if (!(proto in PROTOCOLS)) {
      throw bad(chain, `protocol "${proto}" is unknown; give icmp, tcp, udp or a number 0-255`);
    }
  }
  const hasPorts = spec.sport !== undefined || spec.dport !== undefined;
  if (hasPorts) {
    if (proto !== 'tcp' && proto !== 'udp') {
      throw bad(chain, `ports need protocol "tcp" or "udp"${proto === undefined ? '' : `, not ${proto}`} (nft writes "tcp dport 22")`);
    }
    if (spec.sport !== undefined) out.sport = ports(chain, 'sport', spec.sport);
    if (spec.dport !== undefined) out.dport = ports(chain, 'dport', spec.dport);
  }
  if (spec.icmpType !== undefined) {
    if (proto === undefined) proto = 'icmp';
    if (proto !== 'icmp') throw bad(chain, `icmpType needs protocol "icmp", not ${proto}`);
    const t = spec.icmpType;
    if (typeof t === 'number') {
      if (!Number.isInteger(t) || t < 0 || t > 255) throw bad(chain, `icmpType ${t} is not an ICMP type (0-255)`);
      out.icmpType = t;
    } else if (Object.hasOwn(ICMP_TYPES, t)) {
      out.icmpType = ICMP_TYPES[t];
    } else {
      throw bad(chain, `icmpType "${t}" is unknown; give a number or one of ${icmpTypeNames().join(', ')}`);
    }
  }
  if (proto !== undefined) out.protocol = proto;
  if (spec.rejectWith !== undefined) {
    if (spec.verdict !== 'reject') throw bad(chain, `rejectWith goes with verdict "reject", not "${spec.verdict}"`);
    if (!Object.hasOwn(REJECT_CODES, spec.rejectWith)) {
      throw bad(chain, `rejectWith "${spec.rejectWith}" is unknown; give one of ${rejectNames().join(', ')}`);
    }
    out.rejectWith = spec.rejectWith;
  }
  if (spec.comment !== undefined) {
    if (typeof spec.comment !== 'string' || spec.comment.length > 128 || spec.comment.includes('"')) {
      throw bad(chain, 'comment must be text of at most 128 characters without double quotes');
    }
    out.comment = spec.comment;
  }
  return out;
}

function ifname(chain: FilterChainName, what: string, name: string): string {
  if (typeof name !== 'string' || !/^[^\s/"*]{1,64}\*?$/.test(name) || name.length > 64) {
    throw bad(chain, `${what} "${name}" is not an interface name (1-64 characters, no spaces, '/' or '"'; a '*' only at the end)`);
  }
  return name;
}

function prefix(chain: FilterChainName, what: string, text: string): string {
  let c: Ipv4Cidr;
  try {
    c = cidrOf(String(text), what);
  } catch (e) {
    if (e instanceof NetstackError)
      throw bad(chain, `${what} "${text}" is not an IPv4 address or prefix; write it like 10.0.1.0/24 or 10.0.1.5`);
    throw e;
  }
  const hostBits = c.address !== c.network;
  if (hostBits) {
    throw bad(chain, `${what} ${text} has host bits set; write the network, ${formatIpv4(c.network)}/${c.length}, or a single address`);
  }
  return `${formatIpv4(c.network)}/${c.length}`;
}

function ports(chain: FilterChainName, what: string, p: FilterPorts): readonly [number, number] {
  let lo: number;
  let hi: number;
  if (typeof p === 'number') {
    lo = hi = p;
  } else if (typeof p === 'string') {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(p.trim());
    if (!m) throw bad(chain, `${what} "${p}" is not a port or a range; write 22 or 1024-65535`);
    lo = Number(m[1]);
    hi = m[2] === undefined ? lo : Number(m[2]);
  } else if (Array.isArray(p) && p.length === 2) {
    [lo, hi] = p;
  } else {
    throw bad(chain, `${what} must be a port, [low, high], or '1024-65535'`);
  }
  for (const n of [lo, hi]) {
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw bad(chain, `${what} ${n} is not a port (0-65535)`);
  }
  if (lo > hi) throw bad(chain, `${what} range ${lo}-${hi} is empty; put the lower port first`);
  return [lo, hi];
}
