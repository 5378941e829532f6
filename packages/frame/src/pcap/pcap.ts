import { setU16le, setU32le, u16, u16le, u32, u32le } from '../bytes.js';
import { FrameError, type FrameErrorCode } from '../errors.js';

// What both capture formats share (records, interfaces, the chunked writer, the decoder
// contract CaptureReader drives), then classic libpcap itself.

/** Link types (tcpdump.org/linktypes.html): what the captured bytes start with. */
export const LINKTYPE_ETHERNET = 1;
/** Raw IPv4 or IPv6, no link-layer header. */
export const LINKTYPE_RAW = 101;

/** What tcpdump and Wireshark capture by default: every frame vnet moves fits. */
export const DEFAULT_SNAPLEN = 262_144;

/**
 * The largest record or block a reader accepts. Capture lengths come from untrusted files: a
 * length field of 4 GB is refused as `bad-format` before anything is allocated for it.
 */
export const MAX_CAPTURE_RECORD_LEN = 256 * 1024 * 1024;

/** One captured frame, the same shape for pcap and pcapng. */
export interface CaptureRecord {
  /** The captured bytes; when reading, a subarray of the input unless the record straddled two pushed chunks. */
  data: Uint8Array;
  /** The frame's length on the wire; more than `data.length` when the capture truncated it. */
  originalLength: number;
  /** Nanoseconds since the Unix epoch; 0 for a pcapng Simple Packet Block, which carries none. */
  timestampNs: bigint;
  /** Index into the file's interfaces (across all pcapng sections); always 0 in pcap. */
  interfaceId: number;
  /** pcapng only: opt_comment (several comments are joined with a newline). */
  comment?: string;
  /** pcapng only: the direction bits of epb_flags. */
  direction?: 'inbound' | 'outbound';
}

/** What a writer takes: `originalLength` defaults to `data.length`, `interfaceId` to 0. */
export type CaptureRecordInit = Omit<CaptureRecord, 'originalLength' | 'interfaceId'> &
  Partial<Pick<CaptureRecord, 'originalLength' | 'interfaceId'>>;

/** A capture interface: one per pcap file, any number per pcapng section. */
export interface CaptureInterface {
  linkType: number;
  /** Captured bytes per frame at most; longer frames are cut (0 = no limit, pcapng only). */
  snapLength: number;
  name?: string;
  description?: string;
  /**
   * Timestamp units, encoded as pcapng's if_tsresol: n means 10^-n seconds, 0x80 | n means 2^-n.
   * 6 (µs) and 9 (ns) are the two classic pcap offers. Readers always fill it in.
   */
  tsResolution?: number;
}

/** A pcapng section, or the one section a pcap file is. */
export interface CaptureSection {
  /** The byte order the writer used. */
  littleEndian: boolean;
  /** pcapng only: shb_comment, shb_hardware, shb_os, shb_userappl. */
  comment?: string;
  hardware?: string;
  os?: string;
  userApplication?: string;
}

/** Receives the bytes of a capture file in order. Each chunk is the sink's: the writer never touches it again. */
export type CaptureSink = (chunk: Uint8Array) => void;

export interface CaptureWriterOptions {
  /** Where chunks go; without one the writer collects them and `close()` returns the whole file. */
  sink?: CaptureSink;
  /** Bytes per chunk handed to the sink (default 64 KiB). */
  chunkSize?: number;
}

const DEFAULT_CHUNK_SIZE = 64 * 1024;
const MIN_CHUNK_SIZE = 64;
const EMPTY = new Uint8Array(0);
const NS_PER_S = 1_000_000_000n;

/**
 * The output half of both writers: record bytes go straight into a preallocated chunk, which
 * is handed to the sink when full. A full chunk is given away and replaced; a partial one
 * (on `flush`) is copied out so the buffer can be reused. Either way the sink owns what it
 * gets, so it may keep references (as Node streams do).
 */
export abstract class CaptureWriter {
  protected buf: Uint8Array;
  protected pos = 0;
  private readonly sink: CaptureSink;
  private readonly collected: Uint8Array[] | undefined;
  private readonly chunkSize: number;

  constructor(
    readonly layer: string,
    options: CaptureWriterOptions,
  ) {
    this.chunkSize = Math.max(MIN_CHUNK_SIZE, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
    this.buf = new Uint8Array(this.chunkSize);
    if (options.sink) {
      this.sink = options.sink;
    } else {
      const collected: Uint8Array[] = [];
      this.collected = collected;
      this.sink = (chunk) => collected.push(chunk);
    }
  }

  abstract write(record: CaptureRecordInit): void;

  /** Hands everything written so far to the sink. */
  flush(): void {
    if (this.pos === 0) return;
    if (this.pos * 2 >= this.buf.length) {
      this.sink(this.buf.subarray(0, this.pos));
      this.buf = new Uint8Array(this.chunkSize);
    } else {
      this.sink(this.buf.slice(0, this.pos));
    }
    this.pos = 0;
  }

  /** Flushes; returns the whole file when the writer has no sink, else an empty array. */
  close(): Uint8Array {
    this.flush();
    const chunks = this.collected;
    if (!chunks) return EMPTY;
    const out = chunks.length === 1 ? chunks[0] : new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    if (chunks.length > 1) {
      let o = 0;
      for (const c of chunks) {
        out.set(c, o);
        o += c.length;
      }
    }
    chunks.length = 0;
    return out;
  }

  /** Makes `n` contiguous bytes (n ≤ MIN_CHUNK_SIZE) available at `pos`. */
  protected reserve(n: number): void {
    if (this.pos + n > this.buf.length) this.flushFull();
  }

  /** Appends `src[0, len)`, splitting it across chunks when it does not fit. */
  protected copy(src: Uint8Array, len = src.length): void {
    let room = this.buf.length - this.pos;
    if (len <= room) {
      this.buf.set(len === src.length ? src : src.subarray(0, len), this.pos);
      this.pos += len;
      return;
    }
    let done = 0;
    while (len - done > room) {
      this.buf.set(src.subarray(done, done + room), this.pos);
      this.pos += room;
      done += room;
      this.flushFull();
      room = this.buf.length;
    }
    this.buf.set(src.subarray(done, len), this.pos);
    this.pos += len - done;
  }

  /** Appends `n` (< 4) zero bytes of padding; chunks may be reused, so they are written explicitly. */
  protected pad(n: number): void {
    this.reserve(n);
    for (let i = 0; i < n; i++) this.buf[this.pos++] = 0;
  }

  /** The record's original length, checked: at least the captured bytes and within 32 bits. */
  protected originalLength(record: CaptureRecordInit): number {
    const n = record.originalLength ?? record.data.length;
    if (!Number.isInteger(n) || n < record.data.length || n > 0xffff_ffff) {
      throw new FrameError(
        'bad-value',
        this.layer,
        0,
        `original length ${n} is not an integer from ${record.data.length} (the captured bytes) to 2^32-1`,
      );
    }
    return n;
  }

  /** Throws `bad-value` unless `v` is an integer in [min, max]. */
  protected checkRange(what: string, v: number, min: number, max: number): void {
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new FrameError('bad-value', this.layer, 0, `${what} ${v} is outside ${min}..${max}`);
    }
  }

  private flushFull(): void {
    this.sink(this.buf.subarray(0, this.pos));
    this.buf = new Uint8Array(this.chunkSize);
    this.pos = 0;
  }
}

/** Byte-order-aware field readers, chosen once per file (pcap) or section (pcapng). */
export interface Endian {
  u16(b: Uint8Array, o: number): number;
  u32(b: Uint8Array, o: number): number;
}
const LITTLE_ENDIAN: Endian = { u16: u16le, u32: u32le };
const BIG_ENDIAN: Endian = { u16, u32 };

/**
 * The contract between CaptureReader and one file format. The reader frames the input into
 * units (a file header, a record, a block): it peeks `headLength` bytes, asks `unitLength`, waits
 * until the whole unit has arrived and hands it to `decode`. Before each call it sets `record`
 * and `at`, so errors can say where in the file they happened.
 */
export abstract class CaptureDecoder {
  readonly interfaces: CaptureInterface[] = [];
  readonly sections: CaptureSection[] = [];
  /** 1-based number of the record the reader is looking for. */
  record = 1;
  /** Byte offset of the current unit in the file. */
  at = 0;

  constructor(readonly layer: string) {}

  /** Bytes needed to learn the next unit's length. */
  abstract get headLength(): number;
  /** What the next unit is, for messages: 'record', 'block', 'file header'. */
  abstract get unitName(): string;
  /** The length of the unit that starts with `head`; throws `bad-format` for impossible or hostile lengths. */
  abstract unitLength(head: Uint8Array): number;
  /** The record in `unit`, or undefined for units that carry none (headers, interface blocks, …). */
  abstract decode(unit: Uint8Array): CaptureRecord | undefined;

  /** A FrameError at byte `rel` of the current unit, naming the record. */
  error(code: FrameErrorCode, rel: number, message: string): FrameError {
    return new FrameError(code, this.layer, this.at + rel, `record ${this.record}: ${message}`);
  }

  protected fail(code: FrameErrorCode, rel: number, message: string): never {
    throw this.error(code, rel, message);
  }

  protected static endian(littleEndian: boolean): Endian {
    return littleEndian ? LITTLE_ENDIAN : BIG_ENDIAN;
  }

  /** Refuses a unit length beyond MAX_CAPTURE_RECORD_LEN. */
  protected checkCap(rel: number, len: number, what: string): void {
    if (len > MAX_CAPTURE_RECORD_LEN) this.fail('bad-format', rel, `${what} ${len} exceeds the ${MAX_CAPTURE_RECORD_LEN}-byte limit`);
  }
}

// ---------------------------------------------------------------------------------------------
// Classic libpcap (draft-ietf-opsawg-pcap): a 24-byte file header, then 16-byte record headers.

export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
/** File magic as written in the writer's byte order: microsecond and nanosecond timestamps. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;

/** pcap seconds are unsigned 32-bit. */
const MAX_PCAP_TS = 0x1_0000_0000n * NS_PER_S;

const H = { MAGIC: 0, MAJOR: 4, MINOR: 6, ZONE: 8, SIGFIGS: 12, SNAPLEN: 16, LINKTYPE: 20 } as const;
const R = { SEC: 0, FRAC: 4, CAPLEN: 8, ORIGLEN: 12 } as const;

export interface PcapWriterOptions extends CaptureWriterOptions {
  /** Default LINKTYPE_ETHERNET. */
  linkType?: number;
  /** Default DEFAULT_SNAPLEN. */
  snapLength?: number;
  /** 6 (µs, magic 0xa1b2c3d4, the default) or 9 (ns, magic 0xa1b23c4d). */
  tsResolution?: 6 | 9;
}

/** A classic pcap writer (little-endian). The file header is written on construction. */
export class PcapWriter extends CaptureWriter {
  private readonly snapLength: number;
  /** Nanoseconds per unit of the fraction field: 1000 for µs, 1 for ns. */
  private readonly fracDivisor: number;

  constructor(options: PcapWriterOptions = {}) {
    super('pcap', options);
    const res = options.tsResolution ?? 6;
    if (res !== 6 && res !== 9) {
      throw new FrameError('unsupported', 'pcap', 0, `pcap offers µs (6) or ns (9) timestamps, not resolution ${res}`);
    }
    const snap = options.snapLength ?? DEFAULT_SNAPLEN;
    const linkType = options.linkType ?? LINKTYPE_ETHERNET;
    this.checkRange('snap length', snap, 1, 0xffff_ffff);
    this.checkRange('link type', linkType, 0, 0xffff);
    this.snapLength = snap;
    this.fracDivisor = res === 9 ? 1 : 1000;
    const b = this.buf;
    setU32le(b, H.MAGIC, res === 9 ? PCAP_MAGIC_NS : PCAP_MAGIC_US);
    setU16le(b, H.MAJOR, 2);
    setU16le(b, H.MINOR, 4);
    setU32le(b, H.ZONE, 0);
    setU32le(b, H.SIGFIGS, 0);
    setU32le(b, H.SNAPLEN, snap);
    setU32le(b, H.LINKTYPE, linkType);
    this.pos = PCAP_FILE_HEADER_LEN;
  }

  /** Appends one record, cut to the snap length; `interfaceId`, `comment` and `direction` have no place in pcap. */
  write(record: CaptureRecordInit): void {
    const data = record.data;
    const capLen = Math.min(data.length, this.snapLength);
    const origLen = this.originalLength(record);
    const ts = record.timestampNs;
    if (ts < 0n || ts >= MAX_PCAP_TS) {
      throw new FrameError('bad-value', 'pcap', 0, `timestamp ${ts} ns does not fit pcap's unsigned 32-bit seconds`);
    }
    const sec = ts / NS_PER_S;
    const frac = Number(ts - sec * NS_PER_S);
    this.reserve(PCAP_RECORD_HEADER_LEN);
    const b = this.buf;
    const o = this.pos;
    setU32le(b, o + R.SEC, Number(sec));
    setU32le(b, o + R.FRAC, (frac / this.fracDivisor) | 0);
    setU32le(b, o + R.CAPLEN, capLen);
    setU32le(b, o + R.ORIGLEN, origLen);
    this.pos = o + PCAP_RECORD_HEADER_LEN;
    this.copy(data, capLen);
  }
}

/** The whole pcap file for `records`. */
export function writePcap(records: Iterable<CaptureRecordInit>, options: Omit<PcapWriterOptions, 'sink'> = {}): Uint8Array {
  const w = new PcapWriter({ ...options, sink: undefined });
  for (const r of records) w.write(r);
  return w.close();
}

/** The pcap magic in either byte order, or undefined: `le` is the file's byte order, `ns` its resolution. */
export function pcapMagic(b: Uint8Array, o = 0): { le: boolean; ns: boolean } | undefined {
  const be = u32(b, o);
  const le = u32le(b, o);
  if (be === PCAP_MAGIC_US || be === PCAP_MAGIC_NS) return { le: false, ns: be === PCAP_MAGIC_NS };
  if (le === PCAP_MAGIC_US || le === PCAP_MAGIC_NS) return { le: true, ns: le === PCAP_MAGIC_NS };
  return undefined;
}

/** Reads classic pcap for CaptureReader: the file header, then one record per unit. */
export class PcapDecoder extends CaptureDecoder {
  private e: Endian = LITTLE_ENDIAN;
  private headerDone = false;
  /** Nanoseconds per unit of the fraction field. */
  private fracMultiplier = 1000n;

  constructor() {
    super('pcap');
  }

  get headLength(): number {
    return this.headerDone ? PCAP_RECORD_HEADER_LEN : PCAP_FILE_HEADER_LEN;
  }

  get unitName(): string {
    return this.headerDone ? 'record' : 'file header';
  }

  unitLength(head: Uint8Array): number {
    if (!this.headerDone) return PCAP_FILE_HEADER_LEN;
    const capLen = this.e.u32(head, R.CAPLEN);
    this.checkCap(R.CAPLEN, capLen, 'captured length');
    return PCAP_RECORD_HEADER_LEN + capLen;
  }

  decode(unit: Uint8Array): CaptureRecord | undefined {
    if (!this.headerDone) {
      this.decodeFileHeader(unit);
      return undefined;
    }
    const e = this.e;
    const sec = BigInt(e.u32(unit, R.SEC));
    const frac = BigInt(e.u32(unit, R.FRAC));
    return {
      data: unit.subarray(PCAP_RECORD_HEADER_LEN),
      originalLength: e.u32(unit, R.ORIGLEN),
      timestampNs: sec * NS_PER_S + frac * this.fracMultiplier,
      interfaceId: 0,
    };
  }

  private decodeFileHeader(b: Uint8Array): void {
    const magic = pcapMagic(b);
    if (!magic) this.fail('bad-format', H.MAGIC, `0x${u32(b, 0).toString(16)} is not a pcap magic number`);
    const e = CaptureDecoder.endian(magic.le);
    const major = e.u16(b, H.MAJOR);
    if (major !== 2) this.fail('unsupported', H.MAJOR, `pcap version ${major}.${e.u16(b, H.MINOR)} is not 2.x`);
    this.e = e;
    this.fracMultiplier = magic.ns ? 1n : 1000n;
    this.headerDone = true;
    this.sections.push({ littleEndian: magic.le });
    this.interfaces.push({
      linkType: e.u32(b, H.LINKTYPE) & 0xffff,
      snapLength: e.u32(b, H.SNAPLEN),
      tsResolution: magic.ns ? 9 : 6,
    });
  }
}
