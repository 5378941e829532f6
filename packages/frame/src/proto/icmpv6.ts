import { type Ipv6Address, ipv6At, setIpv6 } from '../address/ipv6.js';
import type { Mac } from '../address/mac.js';
import { setU16, setU32, setU48, u16, u32, u48 } from '../bytes.js';
import { verifyChecksum } from '../checksum.js';
import { FrameError, needBytes } from '../errors.js';
import { checkTransportChecksum, fillTransportChecksum, type TransportCheck, type TransportChecksum } from './udp.js';

/**
 * ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861): the error messages, echo, and the five
 * NDP messages with their options. The checksum covers the IPv6 pseudo-header and is mandatory.
 */
export const ICMPV6_HEADER_LEN = 4;

export const Icmpv6Type = {
  DstUnreachable: 1,
  PacketTooBig: 2,
  TimeExceeded: 3,
  ParamProblem: 4,
  EchoRequest: 128,
  EchoReply: 129,
  RouterSolicit: 133,
  RouterAdvert: 134,
  NeighborSolicit: 135,
  NeighborAdvert: 136,
  Redirect: 137,
} as const;

export const NdpOptionType = { SourceLinkAddr: 1, TargetLinkAddr: 2, PrefixInfo: 3, RedirectedHeader: 4, Mtu: 5 } as const;

/** Router Advertisement flag bits (RFC 4861 §4.2, RFC 4191 §2.2 preference). */
export const RaFlags = { Managed: 0x80, OtherConfig: 0x40, PreferenceMask: 0x18 } as const;
/** Neighbor Advertisement flag bits, in the first byte after the checksum. */
export const NaFlags = { Router: 0x80, Solicited: 0x40, Override: 0x20 } as const;
/** Prefix Information flag bits. */
export const PrefixFlags = { OnLink: 0x80, Autonomous: 0x40 } as const;

const T = Icmpv6Type;

const F = {
  TYPE: 0,
  CODE: 1,
  CHECKSUM: 2,
  // Echo
  ID: 4,
  SEQ: 6,
  // Packet Too Big, Parameter Problem
  MTU: 4,
  POINTER: 4,
  // Router Advertisement
  HOP_LIMIT: 4,
  RA_FLAGS: 5,
  ROUTER_LIFETIME: 6,
  REACHABLE_TIME: 8,
  RETRANS_TIMER: 12,
  // Neighbor Advertisement
  NA_FLAGS: 4,
  // Neighbor Solicitation/Advertisement, Redirect
  TARGET: 8,
  DESTINATION: 24,
} as const;

/** Bytes before the data, invoking packet or options of each message type: its fixed part. */
export function icmpv6FixedLen(type: number): number {
  switch (type) {
    case T.RouterAdvert:
      return 16;
    case T.NeighborSolicit:
    case T.NeighborAdvert:
      return 24;
    case T.Redirect:
      return 40;
    case T.DstUnreachable:
    case T.PacketTooBig:
    case T.TimeExceeded:
    case T.ParamProblem:
    case T.EchoRequest:
    case T.EchoReply:
    case T.RouterSolicit:
      return 8;
    default:
      return ICMPV6_HEADER_LEN;
  }
}

const EMPTY = new Uint8Array(0);

export class Icmpv6Packet {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
    /** Bytes of the message; the IPv6 payload length gives it. */
    public length = bytes.length - offset,
  ) {}

  /** For untrusted bytes: the message lies in the buffer and holds its type's fixed part. */
  static checked(bytes: Uint8Array, offset = 0, length = bytes.length - offset): Icmpv6Packet {
    needBytes('icmpv6', bytes.length, offset, Math.max(length, 0));
    needBytes('icmpv6', offset + length, offset, ICMPV6_HEADER_LEN);
    needBytes('icmpv6', offset + length, offset, icmpv6FixedLen(bytes[offset]));
    return new Icmpv6Packet(bytes, offset, length);
  }

  reset(bytes: Uint8Array, offset: number, length: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  get type(): number {
    return this.bytes[this.offset + F.TYPE];
  }
  set type(v: number) {
    this.bytes[this.offset + F.TYPE] = v;
  }
  get code(): number {
    return this.bytes[this.offset + F.CODE];
  }
  set code(v: number) {
    this.bytes[this.offset + F.CODE] = v;
  }
  get checksum(): number {
    return u16(this.bytes, this.offset + F.CHECKSUM);
  }
  set checksum(v: number) {
    setU16(this.bytes, this.offset + F.CHECKSUM, v);
  }

  /** Echo request/reply. */
  get identifier(): number {
    return u16(this.bytes, this.offset + F.ID);
  }
  set identifier(v: number) {
    setU16(this.bytes, this.offset + F.ID, v);
  }
  get sequence(): number {
    return u16(this.bytes, this.offset + F.SEQ);
  }
  set sequence(v: number) {
    setU16(this.bytes, this.offset + F.SEQ, v);
  }

  /** Packet Too Big. */
  get mtu(): number {
    return u32(this.bytes, this.offset + F.MTU);
  }
  /** Parameter Problem: the offending byte of the invoking packet. */
  get pointer(): number {
    return u32(this.bytes, this.offset + F.POINTER);
  }

  /** Router Advertisement. */
  get hopLimit(): number {
    return this.bytes[this.offset + F.HOP_LIMIT];
  }
  get raFlags(): number {
    return this.bytes[this.offset + F.RA_FLAGS];
  }
  /** Seconds; 0: not a default router. */
  get routerLifetime(): number {
    return u16(this.bytes, this.offset + F.ROUTER_LIFETIME);
  }
  /** Milliseconds; 0: unspecified. */
  get reachableTime(): number {
    return u32(this.bytes, this.offset + F.REACHABLE_TIME);
  }
  /** Milliseconds; 0: unspecified. */
  get retransTimer(): number {
    return u32(this.bytes, this.offset + F.RETRANS_TIMER);
  }

  /** Neighbor Advertisement: the whole 32-bit flags-and-reserved word. */
  get naFlags(): number {
    return u32(this.bytes, this.offset + F.NA_FLAGS);
  }
  get router(): boolean {
    return (this.bytes[this.offset + F.NA_FLAGS] & NaFlags.Router) !== 0;
  }
  get solicited(): boolean {
    return (this.bytes[this.offset + F.NA_FLAGS] & NaFlags.Solicited) !== 0;
  }
  get override(): boolean {
    return (this.bytes[this.offset + F.NA_FLAGS] & NaFlags.Override) !== 0;
  }

  /** Neighbor Solicitation/Advertisement and Redirect. */
  get target(): Ipv6Address {
    return ipv6At(this.bytes, this.offset + F.TARGET);
  }
  set target(v: Ipv6Address) {
    setIpv6(this.bytes, this.offset + F.TARGET, v);
  }
  /** Redirect: the destination that is redirected to the target. */
  get destination(): Ipv6Address {
    return ipv6At(this.bytes, this.offset + F.DESTINATION);
  }

  /** Where the echo data, the invoking packet or the NDP options begin. */
  get bodyOffset(): number {
    return this.offset + icmpv6FixedLen(this.type);
  }
  get end(): number {
    return this.offset + this.length;
  }
  body(): Uint8Array {
    return this.bytes.subarray(this.bodyOffset, this.end);
  }

  /** `pseudoSum` from `pseudoHeaderSum6(…, 58, length)`. */
  verifyChecksum(pseudoSum: number): boolean {
    return verifyChecksum(this.bytes, this.offset, this.end, pseudoSum);
  }
  fillChecksum(pseudoSum: number): void {
    fillTransportChecksum(this.bytes, this.offset, this.end, this.offset + F.CHECKSUM, { pseudoSum, mode: 'compute' });
  }
}

/**
 * Calls `visit(type, at, length)` for each NDP option in `b[start..end)`, `length` in bytes.
 * Throws `bad-value` for a zero length (RFC 4861 §4.6: the packet must be discarded) and
 * `bad-length` for an option that runs past the message. Shared by parser and dissector.
 */
export function walkNdpOptions(b: Uint8Array, start: number, end: number, visit: (type: number, at: number, len: number) => void): void {
  for (let i = start; i < end; ) {
    needBytes('icmpv6', end, i, 2);
    const len = b[i + 1] * 8;
    if (len === 0) throw new FrameError('bad-value', 'icmpv6', i + 1, `option ${b[i]} has length 0, which RFC 4861 forbids`);
    if (i + len > end) {
      throw new FrameError('bad-length', 'icmpv6', i + 1, `option ${b[i]} claims ${len} bytes but only ${end - i} remain in the message`);
    }
    visit(b[i], i, len);
    i += len;
  }
}

/**
 * One NDP option. A known type with a length other than its own (a link-layer address that
 * is not a 6-byte MAC, say) is kept as `unknown`, raw, like any type vnet does not decode.
 */
export type NdpOption =
  | { kind: 'source-link-addr'; mac: Mac }
  | { kind: 'target-link-addr'; mac: Mac }
  | {
      kind: 'prefix-info';
      prefixLength: number;
      onLink: boolean;
      autonomous: boolean;
      /** Seconds; 0xffffffff is infinity. */
      validLifetime: number;
      preferredLifetime: number;
      prefix: Ipv6Address;
    }
  /** The start of the redirected packet; parsed back with the zero padding that fills the option. */
  | { kind: 'redirected-header'; packet: Uint8Array }
  | { kind: 'mtu'; mtu: number }
  /** Everything after type and length; emitted with zero padding to a multiple of 8 bytes. */
  | { kind: 'unknown'; type: number; data: Uint8Array };

const PREFIX_OPTION_LEN = 32;
const MAC_OPTION_LEN = 8;
const MAX_OPTION_LEN = 255 * 8;

function parseOption(b: Uint8Array, type: number, at: number, len: number): NdpOption {
  const O = NdpOptionType;
  if ((type === O.SourceLinkAddr || type === O.TargetLinkAddr) && len === MAC_OPTION_LEN) {
    return { kind: type === O.SourceLinkAddr ? 'source-link-addr' : 'target-link-addr', mac: u48(b, at + 2) };
  }
  if (type === O.PrefixInfo && len === PREFIX_OPTION_LEN) {
    return {
      kind: 'prefix-info',
      prefixLength: b[at + 2],
      onLink: (b[at + 3] & PrefixFlags.OnLink) !== 0,
      autonomous: (b[at + 3] & PrefixFlags.Autonomous) !== 0,
      validLifetime: u32(b, at + 4),
      preferredLifetime: u32(b, at + 8),
      prefix: ipv6At(b, at + 16),
    };
  }
  if (type === O.RedirectedHeader) return { kind: 'redirected-header', packet: b.subarray(at + 8, at + len) };
  if (type === O.Mtu && len === 8) return { kind: 'mtu', mtu: u32(b, at + 4) };
  return { kind: 'unknown', type, data: b.subarray(at + 2, at + len) };
}

export function parseNdpOptions(b: Uint8Array, start: number, end: number): NdpOption[] {
  const out: NdpOption[] = [];
  walkNdpOptions(b, start, end, (type, at, len) => out.push(parseOption(b, type, at, len)));
  return out;
}

/** Bytes an option takes on the wire, padding included. */
export function ndpOptionLen(o: NdpOption): number {
  switch (o.kind) {
    case 'source-link-addr':
    case 'target-link-addr':
    case 'mtu':
      return 8;
    case 'prefix-info':
      return PREFIX_OPTION_LEN;
    case 'redirected-header':
      return (8 + o.packet.length + 7) & ~7;
    case 'unknown':
      return (2 + o.data.length + 7) & ~7;
  }
}

function emitOption(o: NdpOption, buf: Uint8Array, at: number): number {
  const len = ndpOptionLen(o);
  if (len > MAX_OPTION_LEN)
    throw new FrameError('bad-value', 'icmpv6', 0, `an NDP option of ${len} bytes exceeds the 2040 its length field can say`);
  buf.fill(0, at, at + len);
  buf[at + 1] = len / 8;
  switch (o.kind) {
    case 'source-link-addr':
    case 'target-link-addr':
      buf[at] = o.kind === 'source-link-addr' ? NdpOptionType.SourceLinkAddr : NdpOptionType.TargetLinkAddr;
      setU48(buf, at + 2, o.mac);
      break;
    case 'prefix-info':
      buf[at] = NdpOptionType.PrefixInfo;
      buf[at + 2] = o.prefixLength;
      buf[at + 3] = (o.onLink ? PrefixFlags.OnLink : 0) | (o.autonomous ? PrefixFlags.Autonomous : 0);
      setU32(buf, at + 4, o.validLifetime);
      setU32(buf, at + 8, o.preferredLifetime);
      setIpv6(buf, at + 16, o.prefix);
      break;
    case 'redirected-header':
      buf[at] = NdpOptionType.RedirectedHeader;
      buf.set(o.packet, at + 8);
      break;
    case 'mtu':
      buf[at] = NdpOptionType.Mtu;
      setU32(buf, at + 4, o.mtu);
      break;
    case 'unknown':
      buf[at] = o.type;
      buf.set(o.data, at + 2);
      break;
  }
  return len;
}

/**
 * An ICMPv6 message. Echo, Packet Too Big and the NDP messages are only defined with code 0;
 * with any other code they parse as `unknown` (RFC 4861 receivers must discard such NDP).
 */
export type Icmpv6Repr =
  | { kind: 'echo-request' | 'echo-reply'; identifier: number; sequence: number; data: Uint8Array }
  /** `invoking`: as much of the packet that caused the error as fits (RFC 4443 §2.4 (c)). */
  | { kind: 'dest-unreachable'; code: number; invoking: Uint8Array }
  | { kind: 'packet-too-big'; mtu: number; invoking: Uint8Array }
  | { kind: 'time-exceeded'; code: number; invoking: Uint8Array }
  | { kind: 'param-problem'; code: number; pointer: number; invoking: Uint8Array }
  | { kind: 'router-solicit'; options: NdpOption[] }
  | {
      kind: 'router-advert';
      hopLimit: number;
      managed: boolean;
      otherConfig: boolean;
      /** RFC 4191 default router preference: 0 medium, 1 high, 3 low (2 reserved). */
      preference: number;
      /** Seconds. */
      routerLifetime: number;
      /** Milliseconds. */
      reachableTime: number;
      retransTimer: number;
      options: NdpOption[];
    }
  | { kind: 'neighbor-solicit'; target: Ipv6Address; options: NdpOption[] }
  | { kind: 'neighbor-advert'; router: boolean; solicited: boolean; override: boolean; target: Ipv6Address; options: NdpOption[] }
  | { kind: 'redirect'; target: Ipv6Address; destination: Ipv6Address; options: NdpOption[] }
  /** Any other type (MLD, …), or a defined type with an undefined code: the bytes after the checksum. */
  | { kind: 'unknown'; type: number; code: number; body: Uint8Array };

const KIND_TYPE = {
  'echo-request': T.EchoRequest,
  'echo-reply': T.EchoReply,
  'dest-unreachable': T.DstUnreachable,
  'packet-too-big': T.PacketTooBig,
  'time-exceeded': T.TimeExceeded,
  'param-problem': T.ParamProblem,
  'router-solicit': T.RouterSolicit,
  'router-advert': T.RouterAdvert,
  'neighbor-solicit': T.NeighborSolicit,
  'neighbor-advert': T.NeighborAdvert,
  redirect: T.Redirect,
} as const;

function parseBody(p: Icmpv6Packet): Icmpv6Repr {
  const b = p.bytes;
  const body = p.bodyOffset;
  const end = p.end;
  const type = p.type;
  const code = p.code;
  const options = (): NdpOption[] => parseNdpOptions(b, body, end);
  // Types whose only defined code is 0 fall through to `unknown` with any other.
  if (code === 0 || type < T.EchoRequest) {
    switch (type) {
      case T.EchoRequest:
      case T.EchoReply:
        return {
          kind: type === T.EchoRequest ? 'echo-request' : 'echo-reply',
          identifier: p.identifier,
          sequence: p.sequence,
          data: b.subarray(body, end),
        };
      case T.DstUnreachable:
        return { kind: 'dest-unreachable', code, invoking: b.subarray(body, end) };
      case T.TimeExceeded:
        return { kind: 'time-exceeded', code, invoking: b.subarray(body, end) };
      case T.ParamProblem:
        return { kind: 'param-problem', code, pointer: p.pointer, invoking: b.subarray(body, end) };
      case T.PacketTooBig:
        if (code === 0) return { kind: 'packet-too-big', mtu: p.mtu, invoking: b.subarray(body, end) };
        break;
      case T.RouterSolicit:
        return { kind: 'router-solicit', options: options() };
      case T.RouterAdvert: {
        const f = p.raFlags;
        return {
          kind: 'router-advert',
          hopLimit: p.hopLimit,
          managed: (f & RaFlags.Managed) !== 0,
          otherConfig: (f & RaFlags.OtherConfig) !== 0,
          preference: (f & RaFlags.PreferenceMask) >>> 3,
          routerLifetime: p.routerLifetime,
          reachableTime: p.reachableTime,
          retransTimer: p.retransTimer,
          options: options(),
        };
      }
      case T.NeighborSolicit:
        return { kind: 'neighbor-solicit', target: p.target, options: options() };
      case T.NeighborAdvert:
        return {
          kind: 'neighbor-advert',
          router: p.router,
          solicited: p.solicited,
          override: p.override,
          target: p.target,
          options: options(),
        };
      case T.Redirect:
        return { kind: 'redirect', target: p.target, destination: p.destination, options: options() };
    }
  }
  return { kind: 'unknown', type, code, body: b.subarray(p.offset + ICMPV6_HEADER_LEN, end) };
}

function optionsLen(options: readonly NdpOption[]): number {
  let n = 0;
  for (const o of options) n += ndpOptionLen(o);
  return n;
}

function typeOf(repr: Icmpv6Repr): number {
  return repr.kind === 'unknown' ? repr.type : KIND_TYPE[repr.kind];
}

function bodyLen(repr: Icmpv6Repr): number {
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      return repr.data.length;
    case 'dest-unreachable':
    case 'packet-too-big':
    case 'time-exceeded':
    case 'param-problem':
      return repr.invoking.length;
    case 'router-solicit':
    case 'router-advert':
    case 'neighbor-solicit':
    case 'neighbor-advert':
    case 'redirect':
      return optionsLen(repr.options);
    case 'unknown':
      return repr.body.length;
  }
}

/** Writes the part between the checksum and the body. */
function emitFixed(repr: Icmpv6Repr, buf: Uint8Array, o: number): void {
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      setU16(buf, o + F.ID, repr.identifier);
      setU16(buf, o + F.SEQ, repr.sequence);
      break;
    case 'packet-too-big':
      setU32(buf, o + F.MTU, repr.mtu);
      break;
    case 'param-problem':
      setU32(buf, o + F.POINTER, repr.pointer);
      break;
    case 'router-advert':
      if (!Number.isInteger(repr.preference) || repr.preference < 0 || repr.preference > 3) {
        throw new FrameError('bad-value', 'icmpv6', 0, `router preference ${repr.preference} is outside 0-3`);
      }
      buf[o + F.HOP_LIMIT] = repr.hopLimit;
      buf[o + F.RA_FLAGS] = (repr.managed ? RaFlags.Managed : 0) | (repr.otherConfig ? RaFlags.OtherConfig : 0) | (repr.preference << 3);
      setU16(buf, o + F.ROUTER_LIFETIME, repr.routerLifetime);
      setU32(buf, o + F.REACHABLE_TIME, repr.reachableTime);
      setU32(buf, o + F.RETRANS_TIMER, repr.retransTimer);
      break;
    case 'neighbor-advert':
      buf[o + F.NA_FLAGS] =
        (repr.router ? NaFlags.Router : 0) | (repr.solicited ? NaFlags.Solicited : 0) | (repr.override ? NaFlags.Override : 0);
      setIpv6(buf, o + F.TARGET, repr.target);
      break;
    case 'neighbor-solicit':
      setIpv6(buf, o + F.TARGET, repr.target);
      break;
    case 'redirect':
      setIpv6(buf, o + F.TARGET, repr.target);
      setIpv6(buf, o + F.DESTINATION, repr.destination);
      break;
  }
}

function emitBody(repr: Icmpv6Repr, buf: Uint8Array, at: number): void {
  switch (repr.kind) {
    case 'echo-request':
    case 'echo-reply':
      buf.set(repr.data, at);
      break;
    case 'dest-unreachable':
    case 'packet-too-big':
    case 'time-exceeded':
    case 'param-problem':
      buf.set(repr.invoking, at);
      break;
    case 'unknown':
      buf.set(repr.body, at);
      break;
    default:
      for (const opt of repr.options) at += emitOption(opt, buf, at);
  }
}

export const Icmpv6 = {
  /**
   * `length` is the message's length from the IPv6 layer (defaults to the rest of `bytes`).
   * With `checksum`, the pseudo-header sum of the enclosing IPv6 header checks the message.
   */
  parse(bytes: Uint8Array, offset = 0, length = bytes.length - offset, checksum?: TransportCheck): Icmpv6Repr {
    const p = Icmpv6Packet.checked(bytes, offset, length);
    if (checksum) checkTransportChecksum('icmpv6', bytes, offset, offset + length, offset + F.CHECKSUM, checksum);
    return parseBody(p);
  },

  /** The whole message: ICMPv6 carries its data, invoking packet or options in the Repr. */
  bufferLen(repr: Icmpv6Repr): number {
    const type = typeOf(repr);
    return (repr.kind === 'unknown' ? ICMPV6_HEADER_LEN : icmpv6FixedLen(type)) + bodyLen(repr);
  },

  /** Writes the whole message; without `checksum` the field is left 0. */
  emit(repr: Icmpv6Repr, buf: Uint8Array, offset = 0, checksum?: TransportChecksum): number {
    const type = typeOf(repr);
    const fixed = repr.kind === 'unknown' ? ICMPV6_HEADER_LEN : icmpv6FixedLen(type);
    const len = fixed + bodyLen(repr);
    buf.fill(0, offset, offset + fixed);
    buf[offset + F.TYPE] = type;
    buf[offset + F.CODE] = 'code' in repr ? repr.code : 0;
    emitFixed(repr, buf, offset);
    emitBody(repr, buf, offset + fixed);
    if (checksum) fillTransportChecksum(buf, offset, offset + len, offset + F.CHECKSUM, checksum);
    return len;
  },
};
