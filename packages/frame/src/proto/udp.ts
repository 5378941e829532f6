import { setU16, u16 } from '../bytes.js';
import { type ChecksumMode, foldSum, internetChecksum, onesSum } from '../checksum.js';
import type { ChecksumCheck } from '../codec.js';
import { FrameError, needBytes } from '../errors.js';

/** UDP (RFC 768). */
export const UDP_HEADER_LEN = 8;

const F = { SRC_PORT: 0, DST_PORT: 2, LEN: 4, CHECKSUM: 6 } as const;

const EMPTY = new Uint8Array(0);

/**
 * What TCP, UDP and ICMPv6 need from the IP layer to write or check their checksum: the
 * unfolded pseudo-header sum (see `pseudoHeaderSum4`/`pseudoHeaderSum6`) and what to do.
 */
export interface TransportChecksum {
  pseudoSum: number;
  mode: ChecksumMode;
}

export interface TransportCheck {
  pseudoSum: number;
  check: ChecksumCheck;
  /** IPv4 UDP may leave the checksum 0 to mean "none" (RFC 768); IPv6 may not (RFC 8200 §8.1). */
  zeroMeansNone?: boolean;
}

export class UdpDatagram {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {}

  /** For untrusted bytes: the header is present and its length field fits the buffer. */
  static checked(bytes: Uint8Array, offset = 0): UdpDatagram {
    needBytes('udp', bytes.length, offset, UDP_HEADER_LEN);
    const d = new UdpDatagram(bytes, offset);
    if (d.length < UDP_HEADER_LEN)
      throw new FrameError('bad-length', 'udp', offset + F.LEN, `length ${d.length} is below the header's 8 bytes`);
    needBytes('udp', bytes.length, offset, d.length);
    return d;
  }

  reset(bytes: Uint8Array, offset = 0): this {
    this.bytes = bytes;
    this.offset = offset;
    return this;
  }

  get srcPort(): number {
    return u16(this.bytes, this.offset + F.SRC_PORT);
  }
  set srcPort(v: number) {
    setU16(this.bytes, this.offset + F.SRC_PORT, v);
  }
  get dstPort(): number {
    return u16(this.bytes, this.offset + F.DST_PORT);
  }
  set dstPort(v: number) {
    setU16(this.bytes, this.offset + F.DST_PORT, v);
  }
  /** Header plus payload, in bytes. */
  get length(): number {
    return u16(this.bytes, this.offset + F.LEN);
  }
  get checksum(): number {
    return u16(this.bytes, this.offset + F.CHECKSUM);
  }
  set checksum(v: number) {
    setU16(this.bytes, this.offset + F.CHECKSUM, v);
  }
  get payloadOffset(): number {
    return this.offset + UDP_HEADER_LEN;
  }
  payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset, this.offset + this.length);
  }
}

/** Writes a transport checksum field over `buf[start..end)` that already holds header and payload. */
export function fillTransportChecksum(buf: Uint8Array, start: number, end: number, field: number, cs: TransportChecksum, zeroAs = 0): void {
  setU16(buf, field, 0);
  if (cs.mode === 'none') return;
  if (cs.mode === 'partial') {
    setU16(buf, field, foldSum(cs.pseudoSum));
    return;
  }
  const c = internetChecksum(buf, start, end, cs.pseudoSum);
  setU16(buf, field, c === 0 ? zeroAs : c);
}

/** Checks a transport checksum field over `buf[start..end)`; throws `bad-checksum`. */
export function checkTransportChecksum(
  layer: string,
  buf: Uint8Array,
  start: number,
  end: number,
  field: number,
  ck: TransportCheck,
): void {
  if (ck.check === 'trust') return;
  const value = u16(buf, field);
  if (value === 0 && ck.zeroMeansNone) return;
  if (foldSum(onesSum(buf, start, end) + ck.pseudoSum) !== 0xffff) {
    throw new FrameError('bad-checksum', layer, field, `checksum 0x${value.toString(16).padStart(4, '0')} does not verify`);
  }
}

export interface UdpRepr {
  srcPort: number;
  dstPort: number;
  payloadLen: number;
}

export const Udp = {
  headerLen: UDP_HEADER_LEN,

  parse(bytes: Uint8Array, offset = 0, checksum?: TransportCheck): UdpRepr {
    const d = UdpDatagram.checked(bytes, offset);
    if (checksum) checkTransportChecksum('udp', bytes, offset, offset + d.length, offset + F.CHECKSUM, checksum);
    return { srcPort: d.srcPort, dstPort: d.dstPort, payloadLen: d.length - UDP_HEADER_LEN };
  },

  bufferLen(_repr: UdpRepr): number {
    return UDP_HEADER_LEN;
  },

  /**
   * Writes the header. With `checksum`, the payload must already follow the header in `buf`;
   * without it the checksum is 0 ("none", valid over IPv4 only).
   */
  emit(repr: UdpRepr, buf: Uint8Array, offset = 0, checksum?: TransportChecksum): number {
    const len = UDP_HEADER_LEN + repr.payloadLen;
    if (len > 0xffff) throw new FrameError('bad-value', 'udp', 0, `length ${len} exceeds 65535`);
    setU16(buf, offset + F.SRC_PORT, repr.srcPort);
    setU16(buf, offset + F.DST_PORT, repr.dstPort);
    setU16(buf, offset + F.LEN, len);
    // A computed 0 is sent as 0xffff: 0 means "no checksum" (RFC 768).
    if (checksum) fillTransportChecksum(buf, offset, offset + len, offset + F.CHECKSUM, checksum, 0xffff);
    else setU16(buf, offset + F.CHECKSUM, 0);
    return UDP_HEADER_LEN;
  },
};
