import type { Ipv4Address } from '../address/ipv4.js';
import { setU16, setU32, u16, u32 } from '../bytes.js';
import { internetChecksum, verifyChecksum } from '../checksum.js';
import type { ChecksumCheck } from '../codec.js';
import { FrameError, needBytes } from '../errors.js';

/** IPv4 (RFC 791) with options, DF/MF, fragment offset and DSCP/ECN (RFC 2474, RFC 3168). */
export const IPV4_HEADER_LEN = 20;
export const IPV4_MAX_HEADER_LEN = 60;

export const IpProtocol = {
  HopByHop: 0,
  ICMP: 1,
  IGMP: 2,
  TCP: 6,
  UDP: 17,
  IPv6Route: 43,
  IPv6Frag: 44,
  ICMPv6: 58,
  IPv6NoNext: 59,
  IPv6Opts: 60,
} as const;

const F = { VER_IHL: 0, TOS: 1, LEN: 2, ID: 4, FLAGS_FRAG: 6, TTL: 8, PROTO: 9, CHECKSUM: 10, SRC: 12, DST: 16 } as const;

const EMPTY = new Uint8Array(0);

export class Ipv4Packet {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {}

  /**
   * For untrusted bytes: the version is 4, the header length is at least 20 and present, and
   * the total length covers the header and fits the buffer. Bytes past the total length
   * (Ethernet padding) are not part of the packet.
   */
  static checked(bytes: Uint8Array, offset = 0): Ipv4Packet {
    needBytes('ip', bytes.length, offset, IPV4_HEADER_LEN);
    const p = new Ipv4Packet(bytes, offset);
    if (p.version !== 4) throw new FrameError('bad-version', 'ip', offset, `version is ${p.version}, not 4`);
    const hl = p.headerLen;
    if (hl < IPV4_HEADER_LEN) throw new FrameError('bad-length', 'ip', offset, `header length ${hl} is below the minimum 20`);
    needBytes('ip', bytes.length, offset, hl);
    if (p.totalLen < hl) {
      throw new FrameError('bad-length', 'ip', offset + F.LEN, `total length ${p.totalLen} is shorter than the header (${hl})`);
    }
    needBytes('ip', bytes.length, offset, p.totalLen);
    return p;
  }

  reset(bytes: Uint8Array, offset = 0): this {
    this.bytes = bytes;
    this.offset = offset;
    return this;
  }

  get version(): number {
    return this.bytes[this.offset] >>> 4;
  }
  /** Header length in bytes (IHL × 4). */
  get headerLen(): number {
    return (this.bytes[this.offset] & 0x0f) << 2;
  }
  get tos(): number {
    return this.bytes[this.offset + F.TOS];
  }
  set tos(v: number) {
    this.bytes[this.offset + F.TOS] = v;
  }
  get dscp(): number {
    return this.tos >>> 2;
  }
  get ecn(): number {
    return this.tos & 3;
  }
  get totalLen(): number {
    return u16(this.bytes, this.offset + F.LEN);
  }
  set totalLen(v: number) {
    setU16(this.bytes, this.offset + F.LEN, v);
  }
  get identification(): number {
    return u16(this.bytes, this.offset + F.ID);
  }
  get reservedFlag(): boolean {
    return (this.bytes[this.offset + F.FLAGS_FRAG] & 0x80) !== 0;
  }
  get dontFragment(): boolean {
    return (this.bytes[this.offset + F.FLAGS_FRAG] & 0x40) !== 0;
  }
  get moreFragments(): boolean {
    return (this.bytes[this.offset + F.FLAGS_FRAG] & 0x20) !== 0;
  }
  /** Fragment offset in bytes (the field counts 8-byte units). */
  get fragmentOffset(): number {
    return (u16(this.bytes, this.offset + F.FLAGS_FRAG) & 0x1fff) << 3;
  }
  get ttl(): number {
    return this.bytes[this.offset + F.TTL];
  }
  set ttl(v: number) {
    this.bytes[this.offset + F.TTL] = v;
  }
  get protocol(): number {
    return this.bytes[this.offset + F.PROTO];
  }
  get checksum(): number {
    return u16(this.bytes, this.offset + F.CHECKSUM);
  }
  set checksum(v: number) {
    setU16(this.bytes, this.offset + F.CHECKSUM, v);
  }
  get src(): Ipv4Address {
    return u32(this.bytes, this.offset + F.SRC);
  }
  set src(v: Ipv4Address) {
    setU32(this.bytes, this.offset + F.SRC, v);
  }
  get dst(): Ipv4Address {
    return u32(this.bytes, this.offset + F.DST);
  }
  set dst(v: Ipv4Address) {
    setU32(this.bytes, this.offset + F.DST, v);
  }

  /** True for any fragment, first or later. */
  get isFragment(): boolean {
    return (u16(this.bytes, this.offset + F.FLAGS_FRAG) & 0x3fff) !== 0;
  }

  get payloadOffset(): number {
    return this.offset + this.headerLen;
  }
  get payloadLen(): number {
    return this.totalLen - this.headerLen;
  }
  payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset, this.offset + this.totalLen);
  }
  options(): Uint8Array {
    return this.bytes.subarray(this.offset + IPV4_HEADER_LEN, this.payloadOffset);
  }

  verifyChecksum(): boolean {
    return verifyChecksum(this.bytes, this.offset, this.offset + this.headerLen);
  }
  /** Recomputes the header checksum after fields were rewritten. */
  fillChecksum(): void {
    this.checksum = 0;
    this.checksum = internetChecksum(this.bytes, this.offset, this.offset + this.headerLen);
  }
}

export interface Ipv4Repr {
  dscp: number;
  ecn: number;
  identification: number;
  reservedFlag: boolean;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In bytes; a multiple of 8. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  src: Ipv4Address;
  dst: Ipv4Address;
  /** Raw option bytes, a multiple of 4 long (pad with 0, End of Options List). */
  options: Uint8Array;
  payloadLen: number;
}

export const Ipv4 = {
  parse(bytes: Uint8Array, offset = 0, checksum: ChecksumCheck = 'verify'): Ipv4Repr {
    const p = Ipv4Packet.checked(bytes, offset);
    if (checksum === 'verify' && !p.verifyChecksum()) {
      throw new FrameError('bad-checksum', 'ip', offset + F.CHECKSUM, `header checksum 0x${p.checksum.toString(16)} does not verify`);
    }
    return {
      dscp: p.dscp,
      ecn: p.ecn,
      identification: p.identification,
      reservedFlag: p.reservedFlag,
      dontFragment: p.dontFragment,
      moreFragments: p.moreFragments,
      fragmentOffset: p.fragmentOffset,
      ttl: p.ttl,
      protocol: p.protocol,
      src: p.src,
      dst: p.dst,
      options: p.options(),
      payloadLen: p.payloadLen,
    };
  },

  bufferLen(repr: Ipv4Repr): number {
    return IPV4_HEADER_LEN + repr.options.length;
  },

  /** Writes the header (not the payload) and its checksum. */
  emit(repr: Ipv4Repr, buf: Uint8Array, offset = 0): number {
    const hl = IPV4_HEADER_LEN + repr.options.length;
    if (repr.options.length % 4 !== 0 || hl > IPV4_MAX_HEADER_LEN) {
      throw new FrameError('bad-value', 'ip', 0, `options must be a multiple of 4 bytes, at most 40 (got ${repr.options.length})`);
    }
    if (repr.fragmentOffset % 8 !== 0 || repr.fragmentOffset > 0xfff8) {
      throw new FrameError('bad-value', 'ip', 0, `fragment offset ${repr.fragmentOffset} must be a multiple of 8 below 65536`);
    }
    if (hl + repr.payloadLen > 0xffff) throw new FrameError('bad-value', 'ip', 0, `total length ${hl + repr.payloadLen} exceeds 65535`);
    buf[offset + F.VER_IHL] = 0x40 | (hl >>> 2);
    buf[offset + F.TOS] = (repr.dscp << 2) | (repr.ecn & 3);
    setU16(buf, offset + F.LEN, hl + repr.payloadLen);
    setU16(buf, offset + F.ID, repr.identification);
    const flags = (repr.reservedFlag ? 0x8000 : 0) | (repr.dontFragment ? 0x4000 : 0) | (repr.moreFragments ? 0x2000 : 0);
    setU16(buf, offset + F.FLAGS_FRAG, flags | (repr.fragmentOffset >>> 3));
    buf[offset + F.TTL] = repr.ttl;
    buf[offset + F.PROTO] = repr.protocol;
    setU16(buf, offset + F.CHECKSUM, 0);
    setU32(buf, offset + F.SRC, repr.src);
    setU32(buf, offset + F.DST, repr.dst);
    buf.set(repr.options, offset + IPV4_HEADER_LEN);
    setU16(buf, offset + F.CHECKSUM, internetChecksum(buf, offset, offset + hl));
    return hl;
  },
};

/** Option types the dissector names (RFC 791, RFC 2113). */
export const Ipv4Option = {
  EOL: 0,
  NOP: 1,
  Security: 130,
  LooseSourceRoute: 131,
  Timestamp: 68,
  RecordRoute: 7,
  StreamId: 136,
  StrictSourceRoute: 137,
  RouterAlert: 148,
} as const;
