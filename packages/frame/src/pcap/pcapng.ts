import { setU16le, setU32le, u32 } from '../bytes.js';
import { FrameError } from '../errors.js';
import { utf8Decode, utf8Encode } from '../text.js';
import {
  CaptureDecoder,
  type CaptureInterface,
  type CaptureRecord,
  type CaptureRecordInit,
  type CaptureSection,
  CaptureWriter,
  type CaptureWriterOptions,
  DEFAULT_SNAPLEN,
  type Endian,
  LINKTYPE_ETHERNET,
} from './pcap.js';

// pcapng (draft-ietf-opsawg-pcapng): a file is one or more sections; each starts with a Section
// Header Block in its writer's byte order, declares interfaces (IDB) and then carries packets
// (EPB, SPB, the obsolete PB) among blocks a reader may skip. Every block is
// type(4) length(4) body length(4), padded to 4 bytes; options are code(2) length(2) value.

export const PcapngBlock = {
  SectionHeader: 0x0a0d0d0a,
  InterfaceDescription: 1,
  /** Obsolete, still read. */
  Packet: 2,
  SimplePacket: 3,
  NameResolution: 4,
  InterfaceStatistics: 5,
  EnhancedPacket: 6,
} as const;

export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Option codes; 0 ends the list and 1 (comment) is valid in every block. */
const Opt = {
  END: 0,
  COMMENT: 1,
  SHB_HARDWARE: 2,
  SHB_OS: 3,
  SHB_USERAPPL: 4,
  IF_NAME: 2,
  IF_DESCRIPTION: 3,
  IF_TSRESOL: 9,
  IF_TSOFFSET: 14,
  EPB_FLAGS: 2,
} as const;

/** Direction bits (0-1) of epb_flags. */
const DIRECTION_INBOUND = 1;
const DIRECTION_OUTBOUND = 2;

// Field offsets from the start of each block (after type and length).
const SHB = { MAGIC: 8, MAJOR: 12, MINOR: 14, SECTION_LEN: 16, OPTIONS: 24 } as const;
const IDB = { LINKTYPE: 8, SNAPLEN: 12, OPTIONS: 16 } as const;
const EPB = { IFACE: 8, TS_HIGH: 12, TS_LOW: 16, CAPLEN: 20, ORIGLEN: 24, DATA: 28 } as const;
/** The obsolete Packet Block: EPB's layout with a 16-bit interface ID and a drop count. */
const PB = { IFACE: 8 } as const;
const SPB = { ORIGLEN: 8, DATA: 12 } as const;

/** Smallest legal block of each kind, trailing length included. */
const MIN_BLOCK_LEN = 12;
const MIN_SHB_LEN = 28;
const MIN_IDB_LEN = 20;
const MIN_EPB_LEN = 32;
const MIN_SPB_LEN = 16;

const NS_PER_S = 1_000_000_000n;
const MAX_U64 = 0xffff_ffff_ffff_ffffn;

/** `n` rounded up to a multiple of 4; exact for any length, unlike `(n + 3) & ~3` past 2^31. */
function pad4(n: number): number {
  return n + (-n & 3);
}

/** Timestamp units per second for an if_tsresol value: 10^n, or 2^n when the top bit is set. */
export function tsUnitsPerSecond(tsResolution: number): bigint {
  return tsResolution & 0x80 ? 1n << BigInt(tsResolution & 0x7f) : 10n ** BigInt(tsResolution);
}

type Option = readonly [code: number, value: Uint8Array];

function optionsLength(options: readonly Option[]): number {
  let n = options.length > 0 ? 4 : 0;
  for (const [, v] of options) n += 4 + pad4(v.length);
  return n;
}

/** Option values have a 16-bit length. */
const MAX_OPTION_LEN = 0xffff;

function stringOption(code: number, text: string | undefined, into: Option[]): void {
  if (text === undefined) return;
  const value = utf8Encode(text);
  if (value.length > MAX_OPTION_LEN) {
    throw new FrameError('bad-value', 'pcapng', 0, `option ${code} takes at most ${MAX_OPTION_LEN} bytes of UTF-8, not ${value.length}`);
  }
  into.push([code, value]);
}

export interface PcapngWriterOptions extends CaptureWriterOptions {
  /** Interfaces declared up front (more with `addInterface`); default one Ethernet interface. */
  interfaces?: Partial<CaptureInterface>[];
  /** shb_comment. */
  comment?: string;
  hardware?: string;
  os?: string;
  /** shb_userappl, default 'vnet'. */
  userApplication?: string;
}

/** What the writer keeps per interface for the hot path. */
interface InterfaceState {
  snapLength: number;
  unitsPerSecond: bigint;
}

/** Splits a 64-bit timestamp into the two 32-bit words pcapng stores; faster than bigint shifts. */
const SPLIT = new DataView(new ArrayBuffer(8));

/**
 * A pcapng writer (little-endian, one section). The Section Header Block and the interfaces
 * given in the options are written on construction; timestamps default to nanoseconds
 * (if_tsresol 9), the resolution vnet keeps.
 */
export class PcapngWriter extends CaptureWriter {
  private readonly ifaces: InterfaceState[] = [];

  constructor(options: PcapngWriterOptions = {}) {
    super('pcapng', options);
    const opts: Option[] = [];
    stringOption(Opt.COMMENT, options.comment, opts);
    stringOption(Opt.SHB_HARDWARE, options.hardware, opts);
    stringOption(Opt.SHB_OS, options.os, opts);
    stringOption(Opt.SHB_USERAPPL, options.userApplication ?? 'vnet', opts);
    const fixed = new Uint8Array(SHB.OPTIONS - 8);
    setU32le(fixed, SHB.MAGIC - 8, PCAPNG_BYTE_ORDER_MAGIC);
    setU16le(fixed, SHB.MAJOR - 8, 1);
    setU16le(fixed, SHB.MINOR - 8, 0);
    // Section length -1: not given, so readers must walk the blocks.
    fixed.fill(0xff, SHB.SECTION_LEN - 8);
    this.writeBlock(PcapngBlock.SectionHeader, fixed, opts);
    for (const iface of options.interfaces ?? [{}]) this.addInterface(iface);
  }

  /** Declares an interface (writes its IDB) and returns its ID for `CaptureRecord.interfaceId`. */
  addInterface(iface: Partial<CaptureInterface> = {}): number {
    const linkType = iface.linkType ?? LINKTYPE_ETHERNET;
    const snapLength = iface.snapLength ?? DEFAULT_SNAPLEN;
    const tsResolution = iface.tsResolution ?? 9;
    this.checkRange('link type', linkType, 0, 0xffff);
    this.checkRange('snap length', snapLength, 0, 0xffff_ffff);
    this.checkRange('timestamp resolution', tsResolution, 0, 0xff);
    const opts: Option[] = [];
    stringOption(Opt.IF_NAME, iface.name, opts);
    stringOption(Opt.IF_DESCRIPTION, iface.description, opts);
    // Absent means µs, so only other resolutions need saying.
    if (tsResolution !== 6) opts.push([Opt.IF_TSRESOL, Uint8Array.of(tsResolution)]);
    const fixed = new Uint8Array(IDB.OPTIONS - 8);
    setU16le(fixed, IDB.LINKTYPE - 8, linkType);
    setU32le(fixed, IDB.SNAPLEN - 8, snapLength);
    this.writeBlock(PcapngBlock.InterfaceDescription, fixed, opts);
    this.ifaces.push({ snapLength: snapLength || Number.POSITIVE_INFINITY, unitsPerSecond: tsUnitsPerSecond(tsResolution) });
    return this.ifaces.length - 1;
  }

  /** Appends one Enhanced Packet Block, cut to its interface's snap length. */
  write(record: CaptureRecordInit): void {
    const id = record.interfaceId ?? 0;
    const iface = this.ifaces[id];
    if (!iface) throw new FrameError('bad-value', 'pcapng', 0, `interface ${id} was not declared; there are ${this.ifaces.length}`);
    const data = record.data;
    const capLen = Math.min(data.length, iface.snapLength);
    const origLen = this.originalLength(record);
    const ts = record.timestampNs;
    const units = iface.unitsPerSecond === NS_PER_S ? ts : (ts * iface.unitsPerSecond) / NS_PER_S;
    if (ts < 0n || units > MAX_U64) {
      throw new FrameError('bad-value', 'pcapng', 0, `timestamp ${ts} ns does not fit 64 bits of interface ${id}'s units`);
    }
    SPLIT.setBigUint64(0, units, true);
    const opts = record.comment !== undefined || record.direction ? packetOptions(record) : NO_OPTIONS;
    const padded = pad4(capLen);
    const len = MIN_EPB_LEN + padded + optionsLength(opts);

    this.reserve(EPB.DATA);
    const b = this.buf;
    const o = this.pos;
    setU32le(b, o, PcapngBlock.EnhancedPacket);
    setU32le(b, o + 4, len);
    setU32le(b, o + EPB.IFACE, id);
    setU32le(b, o + EPB.TS_HIGH, SPLIT.getUint32(4, true));
    setU32le(b, o + EPB.TS_LOW, SPLIT.getUint32(0, true));
    setU32le(b, o + EPB.CAPLEN, capLen);
    setU32le(b, o + EPB.ORIGLEN, origLen);
    this.pos = o + EPB.DATA;
    this.copy(data, capLen);
    if (padded !== capLen) this.pad(padded - capLen);
    if (opts.length > 0) this.writeOptions(opts);
    this.writeU32(len);
  }

  private writeBlock(type: number, fixed: Uint8Array, opts: readonly Option[]): void {
    const len = MIN_BLOCK_LEN + fixed.length + optionsLength(opts);
    this.writeU32(type);
    this.writeU32(len);
    this.copy(fixed);
    this.writeOptions(opts);
    this.writeU32(len);
  }

  private writeOptions(opts: readonly Option[]): void {
    if (opts.length === 0) return;
    for (const [code, v] of opts) {
      this.reserve(4);
      setU16le(this.buf, this.pos, code);
      setU16le(this.buf, this.pos + 2, v.length);
      this.pos += 4;
      this.copy(v);
      this.pad(pad4(v.length) - v.length);
    }
    this.writeU32(Opt.END);
  }

  private writeU32(v: number): void {
    this.reserve(4);
    setU32le(this.buf, this.pos, v);
    this.pos += 4;
  }
}

const NO_OPTIONS: readonly Option[] = [];

function packetOptions(record: CaptureRecordInit): Option[] {
  const opts: Option[] = [];
  stringOption(Opt.COMMENT, record.comment, opts);
  if (record.direction) {
    const flags = new Uint8Array(4);
    setU32le(flags, 0, record.direction === 'inbound' ? DIRECTION_INBOUND : DIRECTION_OUTBOUND);
    opts.push([Opt.EPB_FLAGS, flags]);
  }
  return opts;
}

/** The whole pcapng file for `records`. */
export function writePcapng(records: Iterable<CaptureRecordInit>, options: Omit<PcapngWriterOptions, 'sink'> = {}): Uint8Array {
  const w = new PcapngWriter({ ...options, sink: undefined });
  for (const r of records) w.write(r);
  return w.close();
}

/** The byte order a Section Header Block at `o` declares, or undefined when its magic is wrong. */
function sectionByteOrder(b: Uint8Array, o: number): boolean | undefined {
  const magic = u32(b, o + SHB.MAGIC);
  if (magic === PCAPNG_BYTE_ORDER_MAGIC) return false;
  if (magic === 0x4d3c2b1a) return true;
  return undefined;
}

/** Reads pcapng for CaptureReader: one block per unit, sections in either byte order. */
export class PcapngDecoder extends CaptureDecoder {
  private e: Endian = CaptureDecoder.endian(true);
  /** Index in `interfaces` of the current section's interface 0: IDs in blocks are per section. */
  private sectionStart = 0;
  /** Per interface (global index): timestamp units per second and if_tsoffset in ns. */
  private readonly unitsPerSecond: bigint[] = [];
  private readonly tsOffsetNs: bigint[] = [];

  constructor() {
    super('pcapng');
  }

  get headLength(): number {
    return MIN_BLOCK_LEN;
  }

  get unitName(): string {
    return 'block';
  }

  unitLength(head: Uint8Array): number {
    let len: number;
    let min = MIN_BLOCK_LEN;
    if (u32(head, 0) === PcapngBlock.SectionHeader) {
      const le = sectionByteOrder(head, 0);
      if (le === undefined) this.fail('bad-format', SHB.MAGIC, `0x${u32(head, SHB.MAGIC).toString(16)} is not the byte-order magic`);
      len = CaptureDecoder.endian(le).u32(head, 4);
      min = MIN_SHB_LEN;
    } else {
      // The reader only picks this decoder for input that starts with a Section Header Block.
      len = this.e.u32(head, 4);
    }
    if (len < min || len % 4 !== 0) this.fail('bad-format', 4, `block length ${len} is below ${min} or not a multiple of 4`);
    this.checkCap(4, len, 'block length');
    return len;
  }

  decode(b: Uint8Array): CaptureRecord | undefined {
    const isSection = u32(b, 0) === PcapngBlock.SectionHeader;
    const e = isSection ? CaptureDecoder.endian(sectionByteOrder(b, 0) === true) : this.e;
    const len = b.length;
    const trailer = e.u32(b, len - 4);
    if (trailer !== len) this.fail('bad-format', len - 4, `trailing block length ${trailer} differs from the leading ${len}`);
    if (isSection) {
      this.decodeSection(b, e);
      return undefined;
    }
    switch (e.u32(b, 0)) {
      case PcapngBlock.InterfaceDescription:
        this.decodeInterface(b);
        return undefined;
      case PcapngBlock.EnhancedPacket:
        return this.decodePacket(b, e.u32(b, EPB.IFACE), 'Enhanced Packet Block');
      case PcapngBlock.Packet:
        return this.decodePacket(b, e.u16(b, PB.IFACE), 'Packet Block');
      case PcapngBlock.SimplePacket:
        return this.decodeSimplePacket(b);
      default:
        return undefined;
    }
  }

  private decodeSection(b: Uint8Array, e: Endian): void {
    const major = e.u16(b, SHB.MAJOR);
    if (major !== 1) this.fail('unsupported', SHB.MAJOR, `pcapng version ${major}.${e.u16(b, SHB.MINOR)} is not 1.x`);
    this.e = e;
    this.sectionStart = this.interfaces.length;
    const section: CaptureSection = { littleEndian: e === CaptureDecoder.endian(true) };
    const comments: string[] = [];
    this.options(b, SHB.OPTIONS, (code, at, n) => {
      if (code === Opt.COMMENT) comments.push(text(b, at, n));
      else if (code === Opt.SHB_HARDWARE) section.hardware = text(b, at, n);
      else if (code === Opt.SHB_OS) section.os = text(b, at, n);
      else if (code === Opt.SHB_USERAPPL) section.userApplication = text(b, at, n);
    });
    if (comments.length > 0) section.comment = comments.join('\n');
    this.sections.push(section);
  }

  private decodeInterface(b: Uint8Array): void {
    if (b.length < MIN_IDB_LEN) this.fail('bad-format', 4, `an Interface Description Block needs ${MIN_IDB_LEN} bytes, not ${b.length}`);
    const e = this.e;
    const iface: CaptureInterface = { linkType: e.u16(b, IDB.LINKTYPE), snapLength: e.u32(b, IDB.SNAPLEN), tsResolution: 6 };
    let offsetNs = 0n;
    this.options(b, IDB.OPTIONS, (code, at, n) => {
      if (code === Opt.IF_NAME) iface.name = text(b, at, n);
      else if (code === Opt.IF_DESCRIPTION) iface.description = text(b, at, n);
      else if (code === Opt.IF_TSRESOL && n >= 1) iface.tsResolution = b[at];
      else if (code === Opt.IF_TSOFFSET && n >= 8) offsetNs = BigInt.asIntN(64, this.u64(b, at)) * NS_PER_S;
    });
    this.interfaces.push(iface);
    this.unitsPerSecond.push(tsUnitsPerSecond(iface.tsResolution ?? 6));
    this.tsOffsetNs.push(offsetNs);
  }

  private decodePacket(b: Uint8Array, localId: number, kind: string): CaptureRecord {
    if (b.length < MIN_EPB_LEN) this.fail('bad-format', 4, `an ${kind} needs ${MIN_EPB_LEN} bytes, not ${b.length}`);
    const id = this.interfaceId(localId, EPB.IFACE);
    const e = this.e;
    const capLen = e.u32(b, EPB.CAPLEN);
    const optionsAt = EPB.DATA + pad4(capLen);
    if (optionsAt + 4 > b.length) {
      this.fail('bad-format', EPB.CAPLEN, `captured length ${capLen} overruns the ${b.length}-byte ${kind}`);
    }
    const units = this.u64(b, EPB.TS_HIGH);
    const record: CaptureRecord = {
      data: b.subarray(EPB.DATA, EPB.DATA + capLen),
      originalLength: e.u32(b, EPB.ORIGLEN),
      timestampNs: this.toNs(id, units),
      interfaceId: id,
    };
    const comments: string[] = [];
    this.options(b, optionsAt, (code, at, n) => {
      if (code === Opt.COMMENT) comments.push(text(b, at, n));
      else if (code === Opt.EPB_FLAGS && n >= 4) {
        const dir = e.u32(b, at) & 3;
        if (dir === DIRECTION_INBOUND) record.direction = 'inbound';
        else if (dir === DIRECTION_OUTBOUND) record.direction = 'outbound';
      }
    });
    if (comments.length > 0) record.comment = comments.join('\n');
    return record;
  }

  /** A Simple Packet Block: interface 0 of the section, no timestamp (0), captured length implied. */
  private decodeSimplePacket(b: Uint8Array): CaptureRecord {
    if (b.length < MIN_SPB_LEN) this.fail('bad-format', 4, `a Simple Packet Block needs ${MIN_SPB_LEN} bytes, not ${b.length}`);
    const id = this.interfaceId(0, 0);
    const originalLength = this.e.u32(b, SPB.ORIGLEN);
    const snap = this.interfaces[id].snapLength || Number.POSITIVE_INFINITY;
    const capLen = Math.min(originalLength, snap, b.length - MIN_SPB_LEN);
    return { data: b.subarray(SPB.DATA, SPB.DATA + capLen), originalLength, timestampNs: 0n, interfaceId: id };
  }

  /** The global index of the section's interface `localId`; `bad-format` when it was never declared. */
  private interfaceId(localId: number, rel: number): number {
    const declared = this.interfaces.length - this.sectionStart;
    if (localId >= declared) this.fail('bad-format', rel, `interface ${localId} is not declared; the section has ${declared}`);
    return this.sectionStart + localId;
  }

  private toNs(id: number, units: bigint): bigint {
    const perSecond = this.unitsPerSecond[id];
    const ns = perSecond === NS_PER_S ? units : (units * NS_PER_S) / perSecond;
    return ns + this.tsOffsetNs[id];
  }

  /** pcapng's 64-bit values: the high word first, each word in the section's byte order. */
  private u64(b: Uint8Array, o: number): bigint {
    return (BigInt(this.e.u32(b, o)) << 32n) | BigInt(this.e.u32(b, o + 4));
  }

  /** Visits each option in `[start, block end - 4)` until opt_endofopt; `bad-format` when one overruns. */
  private options(b: Uint8Array, start: number, visit: (code: number, at: number, length: number) => void): void {
    const end = b.length - 4;
    const e = this.e;
    let o = start;
    while (o + 4 <= end) {
      const code = e.u16(b, o);
      if (code === Opt.END) return;
      const n = e.u16(b, o + 2);
      const next = o + 4 + pad4(n);
      if (next > end) this.fail('bad-format', o + 2, `option ${code} of ${n} bytes overruns its block`);
      visit(code, o + 4, n);
      o = next;
    }
  }
}

/** A UTF-8 option value; writers that NUL-terminate strings are tolerated. */
function text(b: Uint8Array, at: number, n: number): string {
  let end = at + n;
  while (end > at && b[end - 1] === 0) end--;
  return utf8Decode(b.subarray(at, end));
}
