import { type Ipv6Address, ipv6At, setIpv6 } from '../address/ipv6.js';
import { setU16, setU32, u16, u32 } from '../bytes.js';
import { FrameError, needBytes } from '../errors.js';
import { IpProtocol } from './ipv4.js';

/**
 * IPv6 (RFC 8200): the fixed header, and the extension headers hop-by-hop options, routing,
 * fragment and destination options, with a non-allocating walk to the upper-layer header.
 */
export const IPV6_HEADER_LEN = 40;
export const IPV6_FRAGMENT_HEADER_LEN = 8;
/** A length byte of 255 means 256 units of 8 bytes. */
export const IPV6_MAX_EXT_HEADER_LEN = 2048;

/**
 * More extension headers than any legitimate packet carries (RFC 8200 §4.1 allows each once,
 * destination options twice): walkers stop there, bounding their work on hostile input.
 */
export const IPV6_MAX_EXT_HEADERS = 16;

const F = { VER_TC_FLOW: 0, PLEN: 4, NEXT: 6, HLIM: 7, SRC: 8, DST: 24 } as const;

const EMPTY = new Uint8Array(0);

export class Ipv6Packet {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {}

  /**
   * For untrusted bytes: the version is 6 and header and payload are present. Bytes past the
   * payload length (Ethernet padding) are not part of the packet.
   */
  static checked(bytes: Uint8Array, offset = 0): Ipv6Packet {
    needBytes('ipv6', bytes.length, offset, IPV6_HEADER_LEN);
    const p = new Ipv6Packet(bytes, offset);
    if (p.version !== 6) throw new FrameError('bad-version', 'ipv6', offset, `version is ${p.version}, not 6`);
    needBytes('ipv6', bytes.length, offset, IPV6_HEADER_LEN + p.payloadLen);
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
  /** DSCP and ECN, like IPv4's TOS byte. */
  get trafficClass(): number {
    return (u16(this.bytes, this.offset + F.VER_TC_FLOW) >>> 4) & 0xff;
  }
  set trafficClass(v: number) {
    const b = this.bytes;
    const o = this.offset + F.VER_TC_FLOW;
    b[o] = (b[o] & 0xf0) | ((v >>> 4) & 0x0f);
    b[o + 1] = ((v & 0x0f) << 4) | (b[o + 1] & 0x0f);
  }
  get dscp(): number {
    return this.trafficClass >>> 2;
  }
  get ecn(): number {
    return this.trafficClass & 3;
  }
  get flowLabel(): number {
    return u32(this.bytes, this.offset + F.VER_TC_FLOW) & 0xfffff;
  }
  set flowLabel(v: number) {
    const b = this.bytes;
    const o = this.offset + F.VER_TC_FLOW;
    b[o + 1] = (b[o + 1] & 0xf0) | ((v >>> 16) & 0x0f);
    setU16(b, o + 2, v & 0xffff);
  }
  /** Bytes after the fixed header, extension headers included. */
  get payloadLen(): number {
    return u16(this.bytes, this.offset + F.PLEN);
  }
  set payloadLen(v: number) {
    setU16(this.bytes, this.offset + F.PLEN, v);
  }
  get nextHeader(): number {
    return this.bytes[this.offset + F.NEXT];
  }
  set nextHeader(v: number) {
    this.bytes[this.offset + F.NEXT] = v;
  }
  get hopLimit(): number {
    return this.bytes[this.offset + F.HLIM];
  }
  set hopLimit(v: number) {
    this.bytes[this.offset + F.HLIM] = v;
  }
  get src(): Ipv6Address {
    return ipv6At(this.bytes, this.offset + F.SRC);
  }
  set src(v: Ipv6Address) {
    setIpv6(this.bytes, this.offset + F.SRC, v);
  }
  get dst(): Ipv6Address {
    return ipv6At(this.bytes, this.offset + F.DST);
  }
  set dst(v: Ipv6Address) {
    setIpv6(this.bytes, this.offset + F.DST, v);
  }

  /** Writes the source as four big-endian words into `out[at..at+4)`: a flow key without a bigint. */
  srcWords(out: Uint32Array, at = 0): void {
    copyWords(this.bytes, this.offset + F.SRC, out, at);
  }
  dstWords(out: Uint32Array, at = 0): void {
    copyWords(this.bytes, this.offset + F.DST, out, at);
  }

  get payloadOffset(): number {
    return this.offset + IPV6_HEADER_LEN;
  }
  /** Extension headers and upper-layer data. */
  payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset, this.payloadOffset + this.payloadLen);
  }
}

function copyWords(b: Uint8Array, o: number, out: Uint32Array, at: number): void {
  out[at] = u32(b, o);
  out[at + 1] = u32(b, o + 4);
  out[at + 2] = u32(b, o + 8);
  out[at + 3] = u32(b, o + 12);
}

export interface Ipv6Repr {
  trafficClass: number;
  /** 20 bits. */
  flowLabel: number;
  /** The first extension header or the upper-layer protocol (`IpProtocol`). */
  nextHeader: number;
  hopLimit: number;
  src: Ipv6Address;
  dst: Ipv6Address;
  /** Extension headers and upper-layer data, in bytes. */
  payloadLen: number;
}

export const Ipv6 = {
  headerLen: IPV6_HEADER_LEN,

  parse(bytes: Uint8Array, offset = 0): Ipv6Repr {
    const p = Ipv6Packet.checked(bytes, offset);
    return {
      trafficClass: p.trafficClass,
      flowLabel: p.flowLabel,
      nextHeader: p.nextHeader,
      hopLimit: p.hopLimit,
      src: p.src,
      dst: p.dst,
      payloadLen: p.payloadLen,
    };
  },

  bufferLen(_repr: Ipv6Repr): number {
    return IPV6_HEADER_LEN;
  },

  /** Writes the fixed header (not the payload). */
  emit(repr: Ipv6Repr, buf: Uint8Array, offset = 0): number {
    if (!(repr.flowLabel >= 0 && repr.flowLabel <= 0xfffff))
      throw new FrameError('bad-value', 'ipv6', 0, `flow label ${repr.flowLabel} does not fit 20 bits`);
    if (!(repr.payloadLen >= 0 && repr.payloadLen <= 0xffff))
      throw new FrameError('bad-value', 'ipv6', 0, `payload length ${repr.payloadLen} exceeds 65535 (jumbograms are not supported)`);
    const o = offset + F.VER_TC_FLOW;
    setU32(buf, o, (0x6 << 28) | ((repr.trafficClass & 0xff) << 20) | repr.flowLabel);
    setU16(buf, offset + F.PLEN, repr.payloadLen);
    buf[offset + F.NEXT] = repr.nextHeader;
    buf[offset + F.HLIM] = repr.hopLimit;
    setIpv6(buf, offset + F.SRC, repr.src);
    setIpv6(buf, offset + F.DST, repr.dst);
    return IPV6_HEADER_LEN;
  },
};

// ---- Extension headers ----

/** Wireshark's protocol names for the extension headers, used as the error layer. */
const EXT_LAYER: Record<number, string | undefined> = {
  [IpProtocol.HopByHop]: 'ipv6.hopopts',
  [IpProtocol.IPv6Route]: 'ipv6.routing',
  [IpProtocol.IPv6Frag]: 'ipv6.fraghdr',
  [IpProtocol.IPv6Opts]: 'ipv6.dstopts',
};

/** True for the extension headers this module walks: hop-by-hop, routing, fragment, destination options. */
export function isIpv6ExtensionHeader(protocol: number): boolean {
  return EXT_LAYER[protocol] !== undefined;
}

/** Length in bytes of the extension header of type `protocol` whose first two bytes are at `at`. */
function extHeaderLen(protocol: number, b: Uint8Array, at: number): number {
  return protocol === IpProtocol.IPv6Frag ? IPV6_FRAGMENT_HEADER_LEN : (b[at + 1] + 1) << 3;
}

const X = { NEXT: 0, LEN: 1, ROUTING_TYPE: 2, SEGMENTS_LEFT: 3, FRAG_RESERVED: 1, FRAG_OFFSET: 2, FRAG_ID: 4 } as const;

/**
 * A view of one extension header. All four share the next-header byte; hop-by-hop, routing
 * and destination options also share the length byte (8-byte units beyond the first 8),
 * while a fragment header is always 8 bytes. Getters for another kind's fields read bytes
 * that mean something else, so use those of `protocol`.
 */
export class Ipv6ExtHeader {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
    /** The IP protocol number that announced this header: 0, 43, 44 or 60. */
    public protocol: number = IpProtocol.HopByHop,
  ) {}

  /** For untrusted bytes: `protocol` is an extension header and all of it lies before `end`. */
  static checked(bytes: Uint8Array, offset: number, protocol: number, end = bytes.length): Ipv6ExtHeader {
    const layer = EXT_LAYER[protocol];
    if (layer === undefined) throw new FrameError('unsupported', 'ipv6', offset, `protocol ${protocol} is not an IPv6 extension header`);
    const limit = Math.min(end, bytes.length);
    needBytes(layer, limit, offset, 2);
    needBytes(layer, limit, offset, extHeaderLen(protocol, bytes, offset));
    return new Ipv6ExtHeader(bytes, offset, protocol);
  }

  reset(bytes: Uint8Array, offset: number, protocol: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.protocol = protocol;
    return this;
  }

  get nextHeader(): number {
    return this.bytes[this.offset + X.NEXT];
  }
  set nextHeader(v: number) {
    this.bytes[this.offset + X.NEXT] = v;
  }
  /** The raw length byte (options and routing headers). */
  get lengthField(): number {
    return this.bytes[this.offset + X.LEN];
  }
  /** The whole header, in bytes. */
  get headerLen(): number {
    return extHeaderLen(this.protocol, this.bytes, this.offset);
  }
  get end(): number {
    return this.offset + this.headerLen;
  }

  /** Routing: the routing type (0 deprecated, 2 Mobile IPv6, 3 RPL, 4 segment routing). */
  get routingType(): number {
    return this.bytes[this.offset + X.ROUTING_TYPE];
  }
  /** Routing: the number of listed nodes still to visit. */
  get segmentsLeft(): number {
    return this.bytes[this.offset + X.SEGMENTS_LEFT];
  }
  set segmentsLeft(v: number) {
    this.bytes[this.offset + X.SEGMENTS_LEFT] = v;
  }

  /** Fragment: the byte after the next header, reserved. */
  get fragmentReserved(): number {
    return this.bytes[this.offset + X.FRAG_RESERVED];
  }
  /** Fragment: the field's raw 16 bits, offset (13) reserved (2) M (1). */
  get fragmentWord(): number {
    return u16(this.bytes, this.offset + X.FRAG_OFFSET);
  }
  /** Fragment: offset of this fragment's data in the original payload, in bytes. */
  get fragmentOffset(): number {
    return this.fragmentWord & 0xfff8;
  }
  get moreFragments(): boolean {
    return (this.fragmentWord & 1) !== 0;
  }
  get identification(): number {
    return u32(this.bytes, this.offset + X.FRAG_ID);
  }
}

/** Returned by `ipv6UpperLayer` for a non-first fragment: the upper-layer header is in another packet. */
export const IPV6_NO_UPPER_LAYER = -1;
/** Returned by `ipv6UpperLayer` when an extension header is cut short or too many are chained. */
export const IPV6_MALFORMED = -2;

/**
 * Skips the extension headers of the IPv6 packet at `offset`, whose bytes end at `end`
 * (header plus payload length), allocating nothing: the hot path's way to the transport
 * header. Returns the upper-layer protocol number and writes `out[0]`, its offset, and
 * `out[1]`, the fragment header's offset or -1 when there is none. For a fragment that does
 * not start the payload it returns `IPV6_NO_UPPER_LAYER` with `out[0]` at the fragment data;
 * for malformed headers `IPV6_MALFORMED`. No Next Header (59) comes back as protocol 59.
 */
export function ipv6UpperLayer(b: Uint8Array, offset: number, end: number, out: Int32Array): number {
  out[1] = -1;
  if (end > b.length || end < offset + IPV6_HEADER_LEN) return IPV6_MALFORMED;
  let protocol = b[offset + F.NEXT];
  let at = offset + IPV6_HEADER_LEN;
  for (let n = 0; isIpv6ExtensionHeader(protocol); n++) {
    if (n === IPV6_MAX_EXT_HEADERS || at + 2 > end) return IPV6_MALFORMED;
    const len = extHeaderLen(protocol, b, at);
    if (at + len > end) return IPV6_MALFORMED;
    const next = b[at];
    if (protocol === IpProtocol.IPv6Frag) {
      out[1] = at;
      if ((u16(b, at + X.FRAG_OFFSET) & 0xfff8) !== 0) {
        out[0] = at + len;
        return IPV6_NO_UPPER_LAYER;
      }
    }
    protocol = next;
    at += len;
  }
  out[0] = at;
  return protocol;
}

// ---- Options (hop-by-hop and destination options) ----

export const Ipv6OptionType = {
  Pad1: 0x00,
  PadN: 0x01,
  TunnelEncapLimit: 0x04,
  RouterAlert: 0x05,
  Jumbo: 0xc2,
  HomeAddress: 0xc9,
} as const;

/** One option TLV. Padding is kept as options so that a header parses back to its exact bytes. */
export type Ipv6Option =
  | { kind: 'pad1' }
  /** `length` zero bytes of padding after the type and length bytes. */
  | { kind: 'padn'; length: number }
  | { kind: 'raw'; type: number; data: Uint8Array };

/**
 * Calls `visit(type, at, len)` for each option in `b[start..end)`, `len` counting the type
 * and length bytes (1 for Pad1); throws `bad-value` for an option that overruns the header.
 * Shared by the parser and the dissector so both accept exactly the same bytes.
 */
export function walkIpv6Options(
  layer: string,
  b: Uint8Array,
  start: number,
  end: number,
  visit: (type: number, at: number, len: number) => void,
): void {
  let i = start;
  while (i < end) {
    const type = b[i];
    if (type === Ipv6OptionType.Pad1) {
      visit(type, i, 1);
      i++;
      continue;
    }
    if (i + 2 > end) throw new FrameError('bad-value', layer, i, `option 0x${type.toString(16)} has no length byte`);
    const len = 2 + b[i + 1];
    if (i + len > end) throw new FrameError('bad-value', layer, i + 1, `option 0x${type.toString(16)} of ${len} bytes overruns the header`);
    visit(type, i, len);
    i += len;
  }
}

function optionLen(o: Ipv6Option): number {
  switch (o.kind) {
    case 'pad1':
      return 1;
    case 'padn':
      return 2 + o.length;
    case 'raw':
      return 2 + o.data.length;
  }
}

/** `options` followed by the Pad1 or PadN that makes an options header a multiple of 8 bytes. */
export function ipv6PadOptions(options: readonly Ipv6Option[]): Ipv6Option[] {
  const pad = (8 - (optionsLen(options) & 7)) & 7;
  if (pad === 0) return [...options];
  return [...options, pad === 1 ? { kind: 'pad1' } : { kind: 'padn', length: pad - 2 }];
}

/** Hop-by-hop or destination options. */
export interface Ipv6OptionsRepr {
  nextHeader: number;
  /** In wire order, padding included; `ipv6PadOptions` adds what is missing. */
  options: Ipv6Option[];
}
export type Ipv6HopByHopRepr = Ipv6OptionsRepr;
export type Ipv6DestOptionsRepr = Ipv6OptionsRepr;

function optionsLen(options: readonly Ipv6Option[]): number {
  let len = 2;
  for (const o of options) len += optionLen(o);
  return len;
}

/** Writes one option at `at` and returns its length. */
function emitOption(layer: string, o: Ipv6Option, buf: Uint8Array, at: number): number {
  if (o.kind === 'pad1') {
    buf[at] = Ipv6OptionType.Pad1;
    return 1;
  }
  const dataLen = o.kind === 'raw' ? o.data.length : o.length;
  if (dataLen > 255) throw new FrameError('bad-value', layer, 0, `option data of ${dataLen} bytes exceeds 255`);
  buf[at + 1] = dataLen;
  if (o.kind === 'raw') {
    buf[at] = o.type;
    buf.set(o.data, at + 2);
  } else {
    buf[at] = Ipv6OptionType.PadN;
    buf.fill(0, at + 2, at + 2 + dataLen);
  }
  return 2 + dataLen;
}

function optionsCodec(protocol: number) {
  const layer = EXT_LAYER[protocol] ?? 'ipv6';
  return {
    parse(bytes: Uint8Array, offset = 0): Ipv6OptionsRepr {
      const h = Ipv6ExtHeader.checked(bytes, offset, protocol);
      const options: Ipv6Option[] = [];
      walkIpv6Options(layer, bytes, offset + 2, h.end, (type, at, len) => {
        if (type === Ipv6OptionType.Pad1) options.push({ kind: 'pad1' });
        else if (type === Ipv6OptionType.PadN) options.push({ kind: 'padn', length: len - 2 });
        else options.push({ kind: 'raw', type, data: bytes.subarray(at + 2, at + len) });
      });
      return { nextHeader: h.nextHeader, options };
    },

    bufferLen(repr: Ipv6OptionsRepr): number {
      return optionsLen(repr.options);
    },

    emit(repr: Ipv6OptionsRepr, buf: Uint8Array, offset = 0): number {
      const len = optionsLen(repr.options);
      if (!(len % 8 === 0))
        throw new FrameError('bad-value', layer, 0, `options end at byte ${len}, not on a multiple of 8; pad them with ipv6PadOptions`);
      if (!(len <= IPV6_MAX_EXT_HEADER_LEN))
        throw new FrameError('bad-value', layer, 0, `options take ${len} bytes; at most ${IPV6_MAX_EXT_HEADER_LEN} fit`);
      buf[offset] = repr.nextHeader;
      buf[offset + 1] = (len >>> 3) - 1;
      let at = offset + 2;
      for (const o of repr.options) at += emitOption(layer, o, buf, at);
      return len;
    },
  };
}

export const Ipv6HopByHop = optionsCodec(IpProtocol.HopByHop);
export const Ipv6DestOptions = optionsCodec(IpProtocol.IPv6Opts);

// ---- Routing ----

export interface Ipv6RoutingRepr {
  nextHeader: number;
  /** 0 (deprecated), 2 (Mobile IPv6), 3 (RPL), 4 (segment routing). */
  routingType: number;
  segmentsLeft: number;
  /** The type-specific bytes after the first four; 4 + `data.length` must be a multiple of 8. */
  data: Uint8Array;
}

export const Ipv6Routing = {
  parse(bytes: Uint8Array, offset = 0): Ipv6RoutingRepr {
    const h = Ipv6ExtHeader.checked(bytes, offset, IpProtocol.IPv6Route);
    return { nextHeader: h.nextHeader, routingType: h.routingType, segmentsLeft: h.segmentsLeft, data: bytes.subarray(offset + 4, h.end) };
  },

  bufferLen(repr: Ipv6RoutingRepr): number {
    return 4 + repr.data.length;
  },

  emit(repr: Ipv6RoutingRepr, buf: Uint8Array, offset = 0): number {
    const len = 4 + repr.data.length;
    if (!(len % 8 === 0 && len <= IPV6_MAX_EXT_HEADER_LEN))
      throw new FrameError('bad-value', 'ipv6.routing', 0, `routing header of ${len} bytes is not a multiple of 8 up to 2048`);
    buf[offset] = repr.nextHeader;
    buf[offset + 1] = (len >>> 3) - 1;
    buf[offset + 2] = repr.routingType;
    buf[offset + 3] = repr.segmentsLeft;
    buf.set(repr.data, offset + 4);
    return len;
  },
};

// ---- Fragment ----

export interface Ipv6FragmentRepr {
  nextHeader: number;
  /** In bytes; a multiple of 8. */
  fragmentOffset: number;
  moreFragments: boolean;
  identification: number;
}

export const Ipv6Fragment = {
  headerLen: IPV6_FRAGMENT_HEADER_LEN,

  parse(bytes: Uint8Array, offset = 0): Ipv6FragmentRepr {
    const h = Ipv6ExtHeader.checked(bytes, offset, IpProtocol.IPv6Frag);
    return { nextHeader: h.nextHeader, fragmentOffset: h.fragmentOffset, moreFragments: h.moreFragments, identification: h.identification };
  },

  bufferLen(_repr: Ipv6FragmentRepr): number {
    return IPV6_FRAGMENT_HEADER_LEN;
  },

  emit(repr: Ipv6FragmentRepr, buf: Uint8Array, offset = 0): number {
    if (!(repr.fragmentOffset % 8 === 0 && repr.fragmentOffset >= 0 && repr.fragmentOffset <= 0xfff8))
      throw new FrameError('bad-value', 'ipv6.fraghdr', 0, `fragment offset ${repr.fragmentOffset} must be a multiple of 8 below 65536`);
    buf[offset] = repr.nextHeader;
    buf[offset + 1] = 0;
    setU16(buf, offset + X.FRAG_OFFSET, repr.fragmentOffset | (repr.moreFragments ? 1 : 0));
    setU32(buf, offset + X.FRAG_ID, repr.identification);
    return IPV6_FRAGMENT_HEADER_LEN;
  },
};
