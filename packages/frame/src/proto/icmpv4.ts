import type { Ipv4Address } from '../address/ipv4.js';
import { setU16, setU32, u16, u32 } from '../bytes.js';
import { type ChecksumMode, internetChecksum, verifyChecksum } from '../checksum.js';
import type { ChecksumCheck } from '../codec.js';
import { FrameError, needBytes } from '../errors.js';

/**
 * ICMP for IPv4 (RFC 792): echo, destination unreachable with the next-hop MTU of RFC 1191,
 * time exceeded and redirect; every other message is kept as type, code and raw bytes.
 */
export const ICMPV4_HEADER_LEN = 8;

export const Icmpv4Type = {
  EchoReply: 0,
  DestUnreachable: 3,
  SourceQuench: 4,
  Redirect: 5,
  EchoRequest: 8,
  RouterAdvertisement: 9,
  RouterSolicitation: 10,
  TimeExceeded: 11,
  ParameterProblem: 12,
  Timestamp: 13,
  TimestampReply: 14,
  InfoRequest: 15,
  InfoReply: 16,
  AddressMaskRequest: 17,
  AddressMaskReply: 18,
} as const;

/** Codes of Destination Unreachable (RFC 792, RFC 1122, RFC 1812). */
export const Icmpv4Unreachable = {
  Net: 0,
  Host: 1,
  Protocol: 2,
  Port: 3,
  /** Fragmentation needed and DF set: carries the next-hop MTU (RFC 1191). */
  FragmentationNeeded: 4,
  SourceRouteFailed: 5,
  NetUnknown: 6,
  HostUnknown: 7,
  HostIsolated: 8,
  NetProhibited: 9,
  HostProhibited: 10,
  NetTos: 11,
  HostTos: 12,
  AdminProhibited: 13,
  HostPrecedence: 14,
  PrecedenceCutoff: 15,
} as const;

export const Icmpv4TimeExceeded = { TtlExpired: 0, ReassemblyTimeout: 1 } as const;

const F = { TYPE: 0, CODE: 1, CHECKSUM: 2, REST: 4, ID: 4, SEQ: 6, MTU: 6 } as const;

const EMPTY = new Uint8Array(0);

export class Icmpv4Packet {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
    /** Bytes of the message; ICMP has no length field, the IP layer knows it. */
    public length = bytes.length - offset,
  ) {}

  /** For untrusted bytes: `length` bytes are present and hold at least the 8-byte header. */
  static checked(bytes: Uint8Array, offset = 0, length = bytes.length - offset): Icmpv4Packet {
    needBytes('icmp', bytes.length, offset, Math.max(length, 0));
    needBytes('icmp', offset + length, offset, ICMPV4_HEADER_LEN);
    return new Icmpv4Packet(bytes, offset, length);
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
  /** The second word, whose meaning depends on the type. */
  get rest(): number {
    return u32(this.bytes, this.offset + F.REST);
  }
  set rest(v: number) {
    setU32(this.bytes, this.offset + F.REST, v);
  }
  /** Echo, timestamp, information and address mask messages. */
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
  /** Destination unreachable, code 4 (RFC 1191); 0 from routers that predate it. */
  get nextHopMtu(): number {
    return u16(this.bytes, this.offset + F.MTU);
  }
  set nextHopMtu(v: number) {
    setU16(this.bytes, this.offset + F.MTU, v);
  }
  /** Redirect: the router to use instead. */
  get gateway(): Ipv4Address {
    return this.rest;
  }
  set gateway(v: Ipv4Address) {
    this.rest = v;
  }
  get payloadOffset(): number {
    return this.offset + ICMPV4_HEADER_LEN;
  }
  get payloadLen(): number {
    return this.length - ICMPV4_HEADER_LEN;
  }
  /** Echo data, or the leading bytes of the datagram an error message is about. */
  payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset, this.offset + this.length);
  }

  verifyChecksum(): boolean {
    return verifyChecksum(this.bytes, this.offset, this.offset + this.length);
  }
  /** Recomputes the checksum over the whole message after fields were rewritten. */
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = internetChecksum(this.bytes, this.offset, this.offset + this.length);
  }
}

/**
 * An ICMP message by meaning. `original` is what an error message quotes of the datagram
 * that caused it: its IP header and at least 8 bytes more, often cut short. Bytes the RFCs
 * call unused are read as nothing and written as 0; an echo with a nonzero code, which no
 * RFC defines, is kept as `other` so that nothing is lost.
 */
export type Icmpv4Repr =
  | { kind: 'echo-request'; identifier: number; sequence: number; data: Uint8Array }
  | { kind: 'echo-reply'; identifier: number; sequence: number; data: Uint8Array }
  | { kind: 'dest-unreachable'; code: number; nextHopMtu: number; original: Uint8Array }
  | { kind: 'time-exceeded'; code: number; original: Uint8Array }
  | { kind: 'redirect'; code: number; gateway: Ipv4Address; original: Uint8Array }
  | { kind: 'other'; type: number; code: number; rest: number; data: Uint8Array };

/** True for the types and codes that have their own kind, which `other` must not carry. */
function hasOwnKind(type: number, code: number): boolean {
  switch (type) {
    case Icmpv4Type.EchoRequest:
    case Icmpv4Type.EchoReply:
      return code === 0;
    case Icmpv4Type.DestUnreachable:
    case Icmpv4Type.TimeExceeded:
    case Icmpv4Type.Redirect:
      return true;
    default:
      return false;
  }
}

function bodyOf(repr: Icmpv4Repr): Uint8Array {
  return repr.kind === 'echo-request' || repr.kind === 'echo-reply' || repr.kind === 'other' ? repr.data : repr.original;
}

export const Icmpv4 = {
  headerLen: ICMPV4_HEADER_LEN,

  /** `length` is the message's length from the IP layer (defaults to the rest of `bytes`). */
  parse(bytes: Uint8Array, offset = 0, length = bytes.length - offset, checksum: ChecksumCheck = 'verify'): Icmpv4Repr {
    const p = Icmpv4Packet.checked(bytes, offset, length);
    if (checksum === 'verify' && !p.verifyChecksum()) {
      throw new FrameError(
        'bad-checksum',
        'icmp',
        offset + F.CHECKSUM,
        `checksum 0x${p.checksum.toString(16).padStart(4, '0')} does not verify`,
      );
    }
    const { type, code } = p;
    const body = p.payload();
    if (!hasOwnKind(type, code)) return { kind: 'other', type, code, rest: p.rest, data: body };
    switch (type) {
      case Icmpv4Type.EchoRequest:
        return { kind: 'echo-request', identifier: p.identifier, sequence: p.sequence, data: body };
      case Icmpv4Type.EchoReply:
        return { kind: 'echo-reply', identifier: p.identifier, sequence: p.sequence, data: body };
      case Icmpv4Type.DestUnreachable:
        return { kind: 'dest-unreachable', code, nextHopMtu: p.nextHopMtu, original: body };
      case Icmpv4Type.TimeExceeded:
        return { kind: 'time-exceeded', code, original: body };
      default:
        return { kind: 'redirect', code, gateway: p.gateway, original: body };
    }
  },

  bufferLen(repr: Icmpv4Repr): number {
    return ICMPV4_HEADER_LEN + bodyOf(repr).length;
  },

  /**
   * Writes the whole message, body included, since the checksum covers it. ICMP for IPv4 has
   * no pseudo-header, so 'partial' leaves the same 0 as 'none'.
   */
  emit(repr: Icmpv4Repr, buf: Uint8Array, offset = 0, checksum: ChecksumMode = 'compute'): number {
    const body = bodyOf(repr);
    const len = ICMPV4_HEADER_LEN + body.length;
    const p = new Icmpv4Packet(buf, offset, len);
    switch (repr.kind) {
      case 'echo-request':
      case 'echo-reply':
        p.type = repr.kind === 'echo-request' ? Icmpv4Type.EchoRequest : Icmpv4Type.EchoReply;
        p.code = 0;
        p.identifier = repr.identifier;
        p.sequence = repr.sequence;
        break;
      case 'dest-unreachable':
        p.type = Icmpv4Type.DestUnreachable;
        p.code = repr.code;
        p.rest = 0;
        p.nextHopMtu = repr.nextHopMtu;
        break;
      case 'time-exceeded':
        p.type = Icmpv4Type.TimeExceeded;
        p.code = repr.code;
        p.rest = 0;
        break;
      case 'redirect':
        p.type = Icmpv4Type.Redirect;
        p.code = repr.code;
        p.gateway = repr.gateway;
        break;
      case 'other':
        if (hasOwnKind(repr.type, repr.code)) {
          throw new FrameError(
            'bad-value',
            'icmp',
            0,
            `type ${repr.type} code ${repr.code} has its own kind; it cannot be sent as 'other'`,
          );
        }
        p.type = repr.type;
        p.code = repr.code;
        p.rest = repr.rest;
        break;
    }
    buf.set(body, p.payloadOffset);
    if (checksum === 'compute') p.fillChecksum();
    else p.checksum = 0;
    return len;
  },
};
