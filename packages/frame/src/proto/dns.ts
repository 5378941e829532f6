import type { Ipv4Address } from '../address/ipv4.js';
import { type Ipv6Address, ipv6At, setIpv6 } from '../address/ipv6.js';
import { latin1At, latin1Bytes, setU16, setU32, u16, u32 } from '../bytes.js';
import { FrameError, needBytes } from '../errors.js';

/**
 * DNS messages (RFC 1035) over UDP, and mDNS (RFC 6762), which shares the format: header,
 * questions, then answer, authority and additional records. Names may be compressed (§4.1.4);
 * `emit` compresses every name suffix it has already written.
 */
export const DNS_HEADER_LEN = 12;
/** Longest name on the wire, length bytes and root included (RFC 1035 §2.3.4). */
export const DNS_MAX_NAME_LEN = 255;
export const DNS_MAX_LABEL_LEN = 63;
/** A name of 255 bytes has at most 127 labels, each of which one pointer could lead to. */
const MAX_POINTERS = 128;

export const DnsPort = { DNS: 53, MDNS: 5353 } as const;

export const DnsType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  ANY: 255,
} as const;

/** In mDNS the top bit of a class is the unicast-response (question) or cache-flush (record) flag. */
export const DnsClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export const DnsOpcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

export const DnsRcode = {
  NoError: 0,
  FormErr: 1,
  ServFail: 2,
  NXDomain: 3,
  NotImp: 4,
  Refused: 5,
  YXDomain: 6,
  YXRRSet: 7,
  NXRRSet: 8,
  NotAuth: 9,
  NotZone: 10,
} as const;

/** Bits of the flags word (the 16 bits after the ID). */
export const DnsFlags = {
  QR: 0x8000,
  OPCODE: 0x7800,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  Z: 0x0040,
  AD: 0x0020,
  CD: 0x0010,
  RCODE: 0x000f,
} as const;

const F = { ID: 0, FLAGS: 2, QDCOUNT: 4, ANCOUNT: 6, NSCOUNT: 8, ARCOUNT: 10 } as const;

const EMPTY = new Uint8Array(0);

export class DnsMessage {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
    /** Bytes of the message; the UDP layer knows it. */
    public length = bytes.length - offset,
  ) {}

  /** For untrusted bytes: the header lies within `length`. Sections are checked as they are read. */
  static checked(bytes: Uint8Array, offset = 0, length = bytes.length - offset): DnsMessage {
    needBytes('dns', bytes.length, offset, Math.max(length, 0));
    needBytes('dns', offset + length, offset, DNS_HEADER_LEN);
    return new DnsMessage(bytes, offset, length);
  }

  reset(bytes: Uint8Array, offset: number, length: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  get id(): number {
    return u16(this.bytes, this.offset + F.ID);
  }
  set id(v: number) {
    setU16(this.bytes, this.offset + F.ID, v);
  }
  /** The whole flags word; see `DnsFlags`. */
  get flags(): number {
    return u16(this.bytes, this.offset + F.FLAGS);
  }
  set flags(v: number) {
    setU16(this.bytes, this.offset + F.FLAGS, v);
  }
  get response(): boolean {
    return (this.flags & DnsFlags.QR) !== 0;
  }
  get opcode(): number {
    return (this.flags & DnsFlags.OPCODE) >>> 11;
  }
  get authoritative(): boolean {
    return (this.flags & DnsFlags.AA) !== 0;
  }
  get truncated(): boolean {
    return (this.flags & DnsFlags.TC) !== 0;
  }
  get recursionDesired(): boolean {
    return (this.flags & DnsFlags.RD) !== 0;
  }
  get recursionAvailable(): boolean {
    return (this.flags & DnsFlags.RA) !== 0;
  }
  /** The reserved bit; zero in conforming messages. */
  get z(): boolean {
    return (this.flags & DnsFlags.Z) !== 0;
  }
  get authenticData(): boolean {
    return (this.flags & DnsFlags.AD) !== 0;
  }
  get checkingDisabled(): boolean {
    return (this.flags & DnsFlags.CD) !== 0;
  }
  get rcode(): number {
    return this.flags & DnsFlags.RCODE;
  }
  get qdcount(): number {
    return u16(this.bytes, this.offset + F.QDCOUNT);
  }
  set qdcount(v: number) {
    setU16(this.bytes, this.offset + F.QDCOUNT, v);
  }
  get ancount(): number {
    return u16(this.bytes, this.offset + F.ANCOUNT);
  }
  set ancount(v: number) {
    setU16(this.bytes, this.offset + F.ANCOUNT, v);
  }
  get nscount(): number {
    return u16(this.bytes, this.offset + F.NSCOUNT);
  }
  set nscount(v: number) {
    setU16(this.bytes, this.offset + F.NSCOUNT, v);
  }
  get arcount(): number {
    return u16(this.bytes, this.offset + F.ARCOUNT);
  }
  set arcount(v: number) {
    setU16(this.bytes, this.offset + F.ARCOUNT, v);
  }
  /** Where the question section starts. */
  get payloadOffset(): number {
    return this.offset + DNS_HEADER_LEN;
  }
  get end(): number {
    return this.offset + this.length;
  }
  payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset, this.end);
  }
}

// ---------------------------------------------------------------------------------------------
// Names

/**
 * Walks the name at `at` in the message `b[msg..end)`, calling `label(start, len)` for each label
 * in order, and returns the offset right after the name as written at `at`. A compression pointer
 * must point before the start of the labels that led to it, so every jump goes strictly backwards
 * and no name can loop; a pointer that does not, a label type other than a plain length, or a name
 * longer than 255 bytes is `bad-value`. So is a chain of more pointers than a name has room for
 * labels, which would only make every name in a message cost a walk of the whole message.
 */
export function walkDnsName(b: Uint8Array, msg: number, end: number, at: number, label?: (start: number, len: number) => void): number {
  let i = at;
  let segmentStart = at;
  let after = -1;
  let wireLen = 1;
  let jumps = 0;
  for (;;) {
    needBytes('dns', end, i, 1);
    const c = b[i];
    if (c === 0) return after < 0 ? i + 1 : after;
    if ((c & 0xc0) === 0xc0) {
      needBytes('dns', end, i, 2);
      const target = msg + (((c & 0x3f) << 8) | b[i + 1]);
      if (target >= segmentStart) {
        throw new FrameError('bad-value', 'dns', i, `compression pointer to byte ${target - msg} does not point back before the name`);
      }
      if (++jumps > MAX_POINTERS)
        throw new FrameError('bad-value', 'dns', i, `name follows more than ${MAX_POINTERS} compression pointers`);
      if (after < 0) after = i + 2;
      segmentStart = target;
      i = target;
      continue;
    }
    if (c > DNS_MAX_LABEL_LEN) throw new FrameError('bad-value', 'dns', i, `label length byte 0x${c.toString(16)} is not a length of 0-63`);
    needBytes('dns', end, i + 1, c);
    wireLen += c + 1;
    if (wireLen > DNS_MAX_NAME_LEN) throw new FrameError('bad-value', 'dns', i, `name is longer than ${DNS_MAX_NAME_LEN} bytes`);
    label?.(i + 1, c);
    i += c + 1;
  }
}

/** A label as master-file text (RFC 1035 §5.1): `.` and `\` escaped, bytes outside 0x21-0x7e as `\DDD`. */
function labelText(b: Uint8Array, start: number, len: number): string {
  let s = '';
  for (let i = start; i < start + len; i++) {
    const c = b[i];
    if (c === 0x2e || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c < 0x21 || c > 0x7e) s += `\\${c.toString().padStart(3, '0')}`;
    else s += String.fromCharCode(c);
  }
  return s;
}

/** Reads the name at `at` as text (no trailing dot, '' for the root); `next` is the offset after it. */
export function readDnsName(b: Uint8Array, msg: number, end: number, at: number): { name: string; next: number } {
  let name = '';
  const next = walkDnsName(b, msg, end, at, (start, len) => {
    name += (name === '' ? '' : '.') + labelText(b, start, len);
  });
  return { name, next };
}

/** The labels of a name in master-file text (`\.`, `\\`, `\DDD` escapes); one trailing dot is allowed. */
export function dnsNameLabels(name: string): Uint8Array[] {
  const labels: Uint8Array[] = [];
  if (name === '' || name === '.') return labels;
  const bad = (why: string): FrameError => new FrameError('bad-value', 'dns', 0, `name "${name}" ${why}`);
  let label: number[] = [];
  let wireLen = 1;
  const close = (): void => {
    if (label.length === 0) throw bad('has an empty label');
    if (label.length > DNS_MAX_LABEL_LEN) throw bad(`has a label of ${label.length} bytes; at most 63 fit`);
    wireLen += label.length + 1;
    if (wireLen > DNS_MAX_NAME_LEN) throw bad(`takes more than ${DNS_MAX_NAME_LEN} bytes`);
    labels.push(Uint8Array.from(label));
    label = [];
  };
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '.') {
      close();
      if (i === name.length - 1) return labels;
    } else if (ch === '\\') {
      const digits = /^\d{3}/.exec(name.slice(i + 1, i + 4));
      if (digits) {
        const v = Number(digits[0]);
        if (v > 255) throw bad(`has escape \\${digits[0]} above 255`);
        label.push(v);
        i += 3;
      } else if (i + 1 < name.length) {
        label.push(charByte(name, i + 1, bad));
        i++;
      } else {
        throw bad('ends in a lone backslash');
      }
    } else {
      label.push(charByte(name, i, bad));
    }
  }
  close();
  return labels;
}

function charByte(text: string, i: number, bad: (why: string) => FrameError): number {
  const c = text.charCodeAt(i);
  if (c > 0xff) throw bad('has a character above U+00FF; escape bytes as \\DDD');
  return c;
}

// ---------------------------------------------------------------------------------------------
// Repr

export interface DnsQuestion {
  name: string;
  type: number;
  /** In mDNS the top bit asks for a unicast response (QU). */
  class: number;
}

/**
 * Record data, typed for the types vnet speaks and raw bytes for the rest (OPT included, whose
 * data is its EDNS options). TXT strings are Latin-1 text, one character per byte, so any bytes
 * round-trip while ASCII reads naturally.
 */
export type DnsRecordData =
  | { kind: 'a'; address: Ipv4Address }
  | { kind: 'aaaa'; address: Ipv6Address }
  | { kind: 'ns' | 'cname' | 'ptr'; name: string }
  | { kind: 'mx'; preference: number; exchange: string }
  | { kind: 'txt'; strings: string[] }
  | { kind: 'soa'; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number }
  | { kind: 'srv'; priority: number; weight: number; port: number; target: string }
  | { kind: 'raw'; data: Uint8Array };

export interface DnsRecord {
  name: string;
  type: number;
  /** For OPT (EDNS0) the requester's UDP payload size; in mDNS the top bit is cache-flush. */
  class: number;
  /** For OPT the extended RCODE, version and flags (RFC 6891 §6.1.3). */
  ttl: number;
  data: DnsRecordData;
}

export interface DnsRepr {
  id: number;
  response: boolean;
  opcode: number;
  authoritative: boolean;
  truncated: boolean;
  recursionDesired: boolean;
  recursionAvailable: boolean;
  /** The reserved bit. */
  z: boolean;
  authenticData: boolean;
  checkingDisabled: boolean;
  rcode: number;
  questions: DnsQuestion[];
  answers: DnsRecord[];
  authorities: DnsRecord[];
  additionals: DnsRecord[];
}

const KIND_OF_TYPE: Record<number, DnsRecordData['kind'] | undefined> = {
  [DnsType.A]: 'a',
  [DnsType.AAAA]: 'aaaa',
  [DnsType.NS]: 'ns',
  [DnsType.CNAME]: 'cname',
  [DnsType.PTR]: 'ptr',
  [DnsType.MX]: 'mx',
  [DnsType.TXT]: 'txt',
  [DnsType.SOA]: 'soa',
  [DnsType.SRV]: 'srv',
};

/** The data kind `parse` gives a record type ('raw' for types without a typed form). */
export function dnsRecordKind(type: number): DnsRecordData['kind'] {
  return KIND_OF_TYPE[type] ?? 'raw';
}

/** Record data of `type` in `b[at..end)`; names may point anywhere earlier in the message. */
function parseRecordData(b: Uint8Array, msg: number, msgEnd: number, type: number, at: number, end: number): DnsRecordData {
  const len = end - at;
  const exactly = (n: number): void => {
    if (len !== n) throw new FrameError('bad-length', 'dns', at - 2, `type ${type} record data is ${len} bytes; it must be ${n}`);
  };
  const atLeast = (n: number): void => {
    if (len < n) throw new FrameError('bad-length', 'dns', at - 2, `type ${type} record data is ${len} bytes; it needs at least ${n}`);
  };
  // A name inside the data must end exactly where the data does (or where the fixed fields begin).
  const name = (from: number, stop: number): { name: string; next: number } => {
    const r = readDnsName(b, msg, msgEnd, from);
    if (r.next > stop) throw new FrameError('bad-length', 'dns', at - 2, `a name in type ${type} record data runs past the data`);
    return r;
  };
  const nameFilling = (from: number): string => {
    const r = name(from, end);
    if (r.next !== end)
      throw new FrameError('bad-length', 'dns', at - 2, `type ${type} record data has ${end - r.next} bytes after its name`);
    return r.name;
  };
  switch (type) {
    case DnsType.A:
      exactly(4);
      return { kind: 'a', address: u32(b, at) };
    case DnsType.AAAA:
      exactly(16);
      return { kind: 'aaaa', address: ipv6At(b, at) };
    case DnsType.NS:
      return { kind: 'ns', name: nameFilling(at) };
    case DnsType.CNAME:
      return { kind: 'cname', name: nameFilling(at) };
    case DnsType.PTR:
      return { kind: 'ptr', name: nameFilling(at) };
    case DnsType.MX:
      atLeast(3);
      return { kind: 'mx', preference: u16(b, at), exchange: nameFilling(at + 2) };
    case DnsType.SRV:
      atLeast(7);
      return { kind: 'srv', priority: u16(b, at), weight: u16(b, at + 2), port: u16(b, at + 4), target: nameFilling(at + 6) };
    case DnsType.SOA: {
      const m = name(at, end);
      const r = name(m.next, end);
      if (end - r.next !== 20)
        throw new FrameError('bad-length', 'dns', at - 2, `SOA data has ${end - r.next} bytes after its names; it must be 20`);
      const n = r.next;
      return {
        kind: 'soa',
        mname: m.name,
        rname: r.name,
        serial: u32(b, n),
        refresh: u32(b, n + 4),
        retry: u32(b, n + 8),
        expire: u32(b, n + 12),
        minimum: u32(b, n + 16),
      };
    }
    case DnsType.TXT: {
      const strings: string[] = [];
      for (let i = at; i < end; ) {
        const n = b[i];
        if (i + 1 + n > end) throw new FrameError('bad-length', 'dns', i, `TXT string of ${n} bytes runs past the record data`);
        strings.push(latin1At(b, i + 1, i + 1 + n));
        i += 1 + n;
      }
      return { kind: 'txt', strings };
    }
    default:
      return { kind: 'raw', data: b.subarray(at, end) };
  }
}

/** Reads the question at `at`; `next` is where the next entry starts. */
export function readDnsQuestion(b: Uint8Array, msg: number, end: number, at: number): { question: DnsQuestion; next: number } {
  const { name, next } = readDnsName(b, msg, end, at);
  needBytes('dns', end, next, 4);
  return { question: { name, type: u16(b, next), class: u16(b, next + 2) }, next: next + 4 };
}

/**
 * Bounds of a record's data, given `fixed`, the offset right after its name (type, class, TTL
 * and data length follow). Throws unless the data lies within `end`.
 */
export function dnsRecordDataBounds(b: Uint8Array, end: number, fixed: number): { data: number; dataEnd: number } {
  needBytes('dns', end, fixed, 10);
  const data = fixed + 10;
  const len = u16(b, fixed + 8);
  if (data + len > end) throw new FrameError('truncated', 'dns', fixed + 8, `record data of ${len} bytes runs past the message`);
  return { data, dataEnd: data + len };
}

function readRecord(b: Uint8Array, msg: number, end: number, at: number): { record: DnsRecord; next: number } {
  const { name, next: fixed } = readDnsName(b, msg, end, at);
  const { data, dataEnd } = dnsRecordDataBounds(b, end, fixed);
  const type = u16(b, fixed);
  return {
    record: { name, type, class: u16(b, fixed + 2), ttl: u32(b, fixed + 4), data: parseRecordData(b, msg, end, type, data, dataEnd) },
    next: dataEnd,
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Writes a message at `start` of `buf`, or only measures it when `buf` is undefined, so that
 * `bufferLen` and `emit` run the same code. Remembers where each name suffix was written so a
 * later name can point to it (pointers reach only the first 16 KiB of a message).
 */
class MessageWriter {
  at: number;
  private readonly suffixes = new Map<string, number>();

  constructor(
    private readonly buf: Uint8Array | undefined,
    private readonly start: number,
  ) {
    this.at = start;
  }

  private room(n: number): Uint8Array | undefined {
    const buf = this.buf;
    if (buf && this.at + n > buf.length) {
      throw new FrameError('truncated', 'dns', this.at, `the buffer ends at byte ${buf.length}; the message needs more`);
    }
    return buf;
  }

  u8(v: number): void {
    const buf = this.room(1);
    if (buf) buf[this.at] = v;
    this.at += 1;
  }

  u16(v: number): void {
    const buf = this.room(2);
    if (buf) setU16(buf, this.at, v);
    this.at += 2;
  }

  u32(v: number): void {
    const buf = this.room(4);
    if (buf) setU32(buf, this.at, v);
    this.at += 4;
  }

  bytes(v: Uint8Array): void {
    const buf = this.room(v.length);
    if (buf) buf.set(v, this.at);
    this.at += v.length;
  }

  ipv6(v: Ipv6Address): void {
    const buf = this.room(16);
    if (buf) setIpv6(buf, this.at, v);
    this.at += 16;
  }

  /** Patches a 16-bit field written earlier (a record's data length). */
  patch16(at: number, v: number): void {
    if (this.buf) setU16(this.buf, at, v);
  }

  /** A name, ending in a pointer to the longest suffix already written (unless `compress` is false). */
  name(text: string, compress = true): void {
    const labels = dnsNameLabels(text);
    const keys = labels.map((l) => labelText(l, 0, l.length));
    for (let i = 0; i < labels.length; i++) {
      const key = keys.slice(i).join('.');
      const earlier = compress ? this.suffixes.get(key) : undefined;
      if (earlier !== undefined) {
        this.u16(0xc000 | earlier);
        return;
      }
      const rel = this.at - this.start;
      if (rel < 0x4000 && !this.suffixes.has(key)) this.suffixes.set(key, rel);
      this.u8(labels[i].length);
      this.bytes(labels[i]);
    }
    this.u8(0);
  }
}

function writeRecordData(w: MessageWriter, r: DnsRecord): void {
  const d = r.data;
  const expected = dnsRecordKind(r.type);
  if (d.kind !== 'raw' && d.kind !== expected) {
    throw new FrameError('bad-value', 'dns', 0, `a record of type ${r.type} cannot carry ${d.kind} data`);
  }
  switch (d.kind) {
    case 'a':
      w.u32(d.address);
      break;
    case 'aaaa':
      w.ipv6(d.address);
      break;
    case 'ns':
    case 'cname':
    case 'ptr':
      w.name(d.name);
      break;
    case 'mx':
      w.u16(d.preference);
      w.name(d.exchange);
      break;
    case 'txt':
      for (const s of d.strings) {
        if (s.length > 255) throw new FrameError('bad-value', 'dns', 0, `TXT string of ${s.length} characters; at most 255 fit`);
        w.u8(s.length);
        w.bytes(latin1Bytes(s, 'dns'));
      }
      break;
    case 'soa':
      w.name(d.mname);
      w.name(d.rname);
      w.u32(d.serial);
      w.u32(d.refresh);
      w.u32(d.retry);
      w.u32(d.expire);
      w.u32(d.minimum);
      break;
    case 'srv':
      w.u16(d.priority);
      w.u16(d.weight);
      w.u16(d.port);
      // RFC 2782: the target is not compressed.
      w.name(d.target, false);
      break;
    case 'raw':
      w.bytes(d.data);
      break;
  }
}

function writeRecord(w: MessageWriter, r: DnsRecord): void {
  w.name(r.name);
  w.u16(r.type);
  w.u16(r.class);
  w.u32(r.ttl);
  const lenAt = w.at;
  w.u16(0);
  writeRecordData(w, r);
  const len = w.at - lenAt - 2;
  if (len > 0xffff) throw new FrameError('bad-value', 'dns', 0, `record data of ${len} bytes exceeds 65535`);
  w.patch16(lenAt, len);
}

function flagsOf(repr: DnsRepr): number {
  if (!Number.isInteger(repr.opcode) || repr.opcode < 0 || repr.opcode > 15) {
    throw new FrameError('bad-value', 'dns', 0, `opcode ${repr.opcode} is outside 0-15`);
  }
  if (!Number.isInteger(repr.rcode) || repr.rcode < 0 || repr.rcode > 15) {
    throw new FrameError('bad-value', 'dns', 0, `rcode ${repr.rcode} is outside 0-15; extended codes go in the OPT record`);
  }
  return (
    (repr.response ? DnsFlags.QR : 0) |
    (repr.opcode << 11) |
    (repr.authoritative ? DnsFlags.AA : 0) |
    (repr.truncated ? DnsFlags.TC : 0) |
    (repr.recursionDesired ? DnsFlags.RD : 0) |
    (repr.recursionAvailable ? DnsFlags.RA : 0) |
    (repr.z ? DnsFlags.Z : 0) |
    (repr.authenticData ? DnsFlags.AD : 0) |
    (repr.checkingDisabled ? DnsFlags.CD : 0) |
    repr.rcode
  );
}

function writeMessage(repr: DnsRepr, buf: Uint8Array | undefined, offset: number): number {
  const w = new MessageWriter(buf, offset);
  const sections = [repr.questions, repr.answers, repr.authorities, repr.additionals];
  for (const s of sections) {
    if (s.length > 0xffff) throw new FrameError('bad-value', 'dns', 0, `a section of ${s.length} entries exceeds 65535`);
  }
  w.u16(repr.id);
  w.u16(flagsOf(repr));
  for (const s of sections) w.u16(s.length);
  for (const q of repr.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const r of repr.answers) writeRecord(w, r);
  for (const r of repr.authorities) writeRecord(w, r);
  for (const r of repr.additionals) writeRecord(w, r);
  return w.at - offset;
}

export const Dns = {
  headerLen: DNS_HEADER_LEN,

  /** `length` is the message's length from the UDP layer (defaults to the rest of `bytes`). */
  parse(bytes: Uint8Array, offset = 0, length = bytes.length - offset): DnsRepr {
    const m = DnsMessage.checked(bytes, offset, length);
    const end = m.end;
    let at = m.payloadOffset;
    const questions: DnsQuestion[] = [];
    for (let n = m.qdcount; n > 0; n--) {
      const q = readDnsQuestion(bytes, offset, end, at);
      questions.push(q.question);
      at = q.next;
    }
    const records = (count: number): DnsRecord[] => {
      const out: DnsRecord[] = [];
      for (let n = count; n > 0; n--) {
        const r = readRecord(bytes, offset, end, at);
        out.push(r.record);
        at = r.next;
      }
      return out;
    };
    const answers = records(m.ancount);
    const authorities = records(m.nscount);
    const additionals = records(m.arcount);
    return {
      id: m.id,
      response: m.response,
      opcode: m.opcode,
      authoritative: m.authoritative,
      truncated: m.truncated,
      recursionDesired: m.recursionDesired,
      recursionAvailable: m.recursionAvailable,
      z: m.z,
      authenticData: m.authenticData,
      checkingDisabled: m.checkingDisabled,
      rcode: m.rcode,
      questions,
      answers,
      authorities,
      additionals,
    };
  },

  bufferLen(repr: DnsRepr): number {
    return writeMessage(repr, undefined, 0);
  },

  /** Writes the whole message, names compressed; throws `truncated` if `buf` is too small. */
  emit(repr: DnsRepr, buf: Uint8Array, offset = 0): number {
    return writeMessage(repr, buf, offset);
  },
};
