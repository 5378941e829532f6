import { setU16, setU32, u16, u32 } from '../bytes.js';
import { FrameError, needBytes } from '../errors.js';
import { checkTransportChecksum, fillTransportChecksum, type TransportCheck, type TransportChecksum } from './udp.js';

/** TCP (RFC 9293) with the options of RFC 7323 (window scale, timestamps) and RFC 2018 (SACK). */
export const TCP_HEADER_LEN = 20;
export const TCP_MAX_HEADER_LEN = 60;

export const TcpFlags = {
  FIN: 0x001,
  SYN: 0x002,
  RST: 0x004,
  PSH: 0x008,
  ACK: 0x010,
  URG: 0x020,
  ECE: 0x040,
  CWR: 0x080,
  /** Accurate ECN (formerly NS, RFC 3540). */
  AE: 0x100,
} as const;

export const TcpOptionKind = { EOL: 0, NOP: 1, MSS: 2, WindowScale: 3, SackPermitted: 4, Sack: 5, Timestamp: 8 } as const;

export type TcpOption =
  | { kind: 'nop' }
  | { kind: 'mss'; mss: number }
  | { kind: 'window-scale'; shift: number }
  | { kind: 'sack-permitted' }
  | { kind: 'sack'; blocks: Array<[left: number, right: number]> }
  | { kind: 'timestamp'; tsval: number; tsecr: number }
  | { kind: 'unknown'; type: number; data: Uint8Array };

const F = { SRC_PORT: 0, DST_PORT: 2, SEQ: 4, ACK: 8, OFF_FLAGS: 12, WINDOW: 14, CHECKSUM: 16, URGENT: 18 } as const;

const EMPTY = new Uint8Array(0);

export class TcpSegment {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
    /** Bytes of the segment (header + payload); the IP layer knows it. */
    public length = bytes.length - offset,
  ) {}

  /** For untrusted bytes: the header, with its options, lies within `length`. */
  static checked(bytes: Uint8Array, offset = 0, length = bytes.length - offset): TcpSegment {
    needBytes('tcp', bytes.length, offset, Math.max(length, 0));
    needBytes('tcp', offset + length, offset, TCP_HEADER_LEN);
    const s = new TcpSegment(bytes, offset, length);
    const hl = s.headerLen;
    if (hl < TCP_HEADER_LEN) throw new FrameError('bad-length', 'tcp', offset + F.OFF_FLAGS, `header length ${hl} is below the minimum 20`);
    if (hl > length)
      throw new FrameError('bad-length', 'tcp', offset + F.OFF_FLAGS, `header length ${hl} exceeds the segment's ${length} bytes`);
    return s;
  }

  reset(bytes: Uint8Array, offset: number, length: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
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
  get seq(): number {
    return u32(this.bytes, this.offset + F.SEQ);
  }
  set seq(v: number) {
    setU32(this.bytes, this.offset + F.SEQ, v);
  }
  get ack(): number {
    return u32(this.bytes, this.offset + F.ACK);
  }
  set ack(v: number) {
    setU32(this.bytes, this.offset + F.ACK, v);
  }
  get headerLen(): number {
    return (this.bytes[this.offset + F.OFF_FLAGS] >>> 4) << 2;
  }
  /** All twelve bits after the data offset: three reserved, AE, CWR … FIN. */
  get flags(): number {
    return u16(this.bytes, this.offset + F.OFF_FLAGS) & 0x0fff;
  }
  set flags(v: number) {
    setU16(this.bytes, this.offset + F.OFF_FLAGS, ((this.bytes[this.offset + F.OFF_FLAGS] & 0xf0) << 8) | (v & 0x0fff));
  }
  get syn(): boolean {
    return (this.bytes[this.offset + 13] & TcpFlags.SYN) !== 0;
  }
  get fin(): boolean {
    return (this.bytes[this.offset + 13] & TcpFlags.FIN) !== 0;
  }
  get rst(): boolean {
    return (this.bytes[this.offset + 13] & TcpFlags.RST) !== 0;
  }
  get window(): number {
    return u16(this.bytes, this.offset + F.WINDOW);
  }
  set window(v: number) {
    setU16(this.bytes, this.offset + F.WINDOW, v);
  }
  get checksum(): number {
    return u16(this.bytes, this.offset + F.CHECKSUM);
  }
  set checksum(v: number) {
    setU16(this.bytes, this.offset + F.CHECKSUM, v);
  }
  get urgentPointer(): number {
    return u16(this.bytes, this.offset + F.URGENT);
  }
  get payloadOffset(): number {
    return this.offset + this.headerLen;
  }
  get payloadLen(): number {
    return this.length - this.headerLen;
  }
  payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset, this.offset + this.length);
  }
  optionBytes(): Uint8Array {
    return this.bytes.subarray(this.offset + TCP_HEADER_LEN, this.payloadOffset);
  }
}

/**
 * Calls `visit(kind, start, length)` for each option in `b[start..end)` up to End of Option
 * List; throws `bad-value` for an option whose length is impossible. Shared by the parser and
 * the dissector so both accept exactly the same bytes.
 */
export function walkTcpOptions(b: Uint8Array, start: number, end: number, visit: (kind: number, at: number, len: number) => void): void {
  let i = start;
  while (i < end) {
    const kind = b[i];
    if (kind === TcpOptionKind.EOL) return;
    if (kind === TcpOptionKind.NOP) {
      visit(kind, i, 1);
      i++;
      continue;
    }
    if (i + 1 >= end) throw new FrameError('bad-value', 'tcp', i, `option ${kind} has no length byte`);
    const len = b[i + 1];
    if (len < 2 || i + len > end) throw new FrameError('bad-value', 'tcp', i + 1, `option ${kind} has impossible length ${len}`);
    const fixed = FIXED_OPTION_LEN[kind];
    if ((fixed !== undefined && len !== fixed) || (kind === TcpOptionKind.Sack && (len - 2) % 8 !== 0)) {
      throw new FrameError('bad-value', 'tcp', i + 1, `option ${kind} has wrong length ${len}`);
    }
    visit(kind, i, len);
    i += len;
  }
}

const FIXED_OPTION_LEN: Record<number, number | undefined> = { 2: 4, 3: 3, 4: 2, 8: 10 };

export function parseTcpOptions(b: Uint8Array, start: number, end: number): TcpOption[] {
  const out: TcpOption[] = [];
  walkTcpOptions(b, start, end, (kind, at, len) => {
    switch (kind) {
      case TcpOptionKind.NOP:
        out.push({ kind: 'nop' });
        break;
      case TcpOptionKind.MSS:
        out.push({ kind: 'mss', mss: u16(b, at + 2) });
        break;
      case TcpOptionKind.WindowScale:
        out.push({ kind: 'window-scale', shift: b[at + 2] });
        break;
      case TcpOptionKind.SackPermitted:
        out.push({ kind: 'sack-permitted' });
        break;
      case TcpOptionKind.Sack: {
        const blocks: Array<[number, number]> = [];
        for (let j = at + 2; j < at + len; j += 8) blocks.push([u32(b, j), u32(b, j + 4)]);
        out.push({ kind: 'sack', blocks });
        break;
      }
      case TcpOptionKind.Timestamp:
        out.push({ kind: 'timestamp', tsval: u32(b, at + 2), tsecr: u32(b, at + 6) });
        break;
      default:
        out.push({ kind: 'unknown', type: kind, data: b.subarray(at + 2, at + len) });
    }
  });
  return out;
}

function optionLen(o: TcpOption): number {
  switch (o.kind) {
    case 'nop':
      return 1;
    case 'mss':
      return 4;
    case 'window-scale':
      return 3;
    case 'sack-permitted':
      return 2;
    case 'sack':
      return 2 + 8 * o.blocks.length;
    case 'timestamp':
      return 10;
    case 'unknown':
      return 2 + o.data.length;
  }
}

/** Bytes the options take, padded with End of Option List to a multiple of 4. */
export function tcpOptionsLen(options: readonly TcpOption[]): number {
  let n = 0;
  for (const o of options) n += optionLen(o);
  return (n + 3) & ~3;
}

function emitOptions(options: readonly TcpOption[], buf: Uint8Array, at: number, end: number): void {
  for (const o of options) {
    switch (o.kind) {
      case 'nop':
        buf[at] = TcpOptionKind.NOP;
        break;
      case 'mss':
        buf[at] = TcpOptionKind.MSS;
        setU16(buf, at + 2, o.mss);
        break;
      case 'window-scale':
        buf[at] = TcpOptionKind.WindowScale;
        buf[at + 2] = o.shift;
        break;
      case 'sack-permitted':
        buf[at] = TcpOptionKind.SackPermitted;
        break;
      case 'sack':
        buf[at] = TcpOptionKind.Sack;
        o.blocks.forEach(([l, r], k) => {
          setU32(buf, at + 2 + 8 * k, l);
          setU32(buf, at + 6 + 8 * k, r);
        });
        break;
      case 'timestamp':
        buf[at] = TcpOptionKind.Timestamp;
        setU32(buf, at + 2, o.tsval);
        setU32(buf, at + 6, o.tsecr);
        break;
      case 'unknown':
        buf[at] = o.type;
        buf.set(o.data, at + 2);
        break;
    }
    const len = optionLen(o);
    if (len > 1) buf[at + 1] = len;
    at += len;
  }
  buf.fill(TcpOptionKind.EOL, at, end);
}

export interface TcpRepr {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** The twelve flag bits; see `TcpFlags`. */
  flags: number;
  window: number;
  urgentPointer: number;
  /** In wire order; End of Option List and padding are implied. */
  options: TcpOption[];
  payloadLen: number;
}

export const Tcp = {
  /** `length` is the segment's length from the IP layer (defaults to the rest of `bytes`). */
  parse(bytes: Uint8Array, offset = 0, length = bytes.length - offset, checksum?: TransportCheck): TcpRepr {
    const s = TcpSegment.checked(bytes, offset, length);
    if (checksum) checkTransportChecksum('tcp', bytes, offset, offset + length, offset + F.CHECKSUM, checksum);
    return {
      srcPort: s.srcPort,
      dstPort: s.dstPort,
      seq: s.seq,
      ack: s.ack,
      flags: s.flags,
      window: s.window,
      urgentPointer: s.urgentPointer,
      options: parseTcpOptions(bytes, offset + TCP_HEADER_LEN, s.payloadOffset),
      payloadLen: s.payloadLen,
    };
  },

  bufferLen(repr: TcpRepr): number {
    return TCP_HEADER_LEN + tcpOptionsLen(repr.options);
  },

  /** Writes the header; with `checksum`, the payload must already follow it in `buf`. */
  emit(repr: TcpRepr, buf: Uint8Array, offset = 0, checksum?: TransportChecksum): number {
    const hl = TCP_HEADER_LEN + tcpOptionsLen(repr.options);
    if (hl > TCP_MAX_HEADER_LEN) throw new FrameError('bad-value', 'tcp', 0, `options take ${hl - 20} bytes; at most 40 fit`);
    setU16(buf, offset + F.SRC_PORT, repr.srcPort);
    setU16(buf, offset + F.DST_PORT, repr.dstPort);
    setU32(buf, offset + F.SEQ, repr.seq);
    setU32(buf, offset + F.ACK, repr.ack);
    setU16(buf, offset + F.OFF_FLAGS, ((hl >>> 2) << 12) | (repr.flags & 0x0fff));
    setU16(buf, offset + F.WINDOW, repr.window);
    setU16(buf, offset + F.URGENT, repr.urgentPointer);
    emitOptions(repr.options, buf, offset + TCP_HEADER_LEN, offset + hl);
    if (checksum) fillTransportChecksum(buf, offset, offset + hl + repr.payloadLen, offset + F.CHECKSUM, checksum);
    else setU16(buf, offset + F.CHECKSUM, 0);
    return hl;
  },
};
