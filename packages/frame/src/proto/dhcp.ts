import type { Ipv4Address } from '../address/ipv4.js';
import type { Mac } from '../address/mac.js';
import { latin1At, latin1Bytes, setU16, setU32, setU48, u16, u32, u48 } from '../bytes.js';
import { FrameError, needBytes } from '../errors.js';

/**
 * DHCPv4 (RFC 2131, options RFC 2132) and the BOOTP message it rides in (RFC 951): a fixed
 * 236-byte header, the magic cookie, then options.
 *
 * Not followed by `parse`: option overload (52, RFC 2131 §4.1), which moves options into
 * `sname` and `file` (those fields are read as text and the overload option stays raw; the
 * dissector does follow it, as Wireshark does), and long options split over several instances
 * (RFC 3396), which stay separate options.
 */
export const BOOTP_HEADER_LEN = 236;
/** The header plus the magic cookie: where the options start. */
export const DHCP_OPTIONS_OFFSET = BOOTP_HEADER_LEN + 4;
/** The smallest BOOTP message (RFC 951's 64-byte vendor area); clients pad to it and so does `emit`. */
export const BOOTP_MIN_LEN = 300;
export const DHCP_MAGIC_COOKIE = 0x6382_5363;

export const DhcpPort = { Server: 67, Client: 68 } as const;

export const BootpOp = { Request: 1, Reply: 2 } as const;

/** The broadcast bit of `flags` (RFC 2131 §2): the client cannot receive unicast before it has an address. */
export const DHCP_FLAG_BROADCAST = 0x8000;

/** Option 53 values. */
export const DhcpMessageType = {
  Discover: 1,
  Offer: 2,
  Request: 3,
  Decline: 4,
  Ack: 5,
  Nak: 6,
  Release: 7,
  Inform: 8,
} as const;

export const DhcpOptionCode = {
  Pad: 0,
  SubnetMask: 1,
  Router: 3,
  DnsServers: 6,
  HostName: 12,
  DomainName: 15,
  RequestedIp: 50,
  LeaseTime: 51,
  Overload: 52,
  MessageType: 53,
  ServerId: 54,
  ParameterRequestList: 55,
  RenewalTime: 58,
  RebindingTime: 59,
  ClientId: 61,
  End: 255,
} as const;

const F = {
  OP: 0,
  HTYPE: 1,
  HLEN: 2,
  HOPS: 3,
  XID: 4,
  SECS: 8,
  FLAGS: 10,
  CIADDR: 12,
  YIADDR: 16,
  SIADDR: 20,
  GIADDR: 24,
  CHADDR: 28,
  SNAME: 44,
  FILE: 108,
  COOKIE: 236,
} as const;

export const SNAME_LEN = 64;
export const FILE_LEN = 128;
export const CHADDR_LEN = 16;

const EMPTY = new Uint8Array(0);

export class DhcpMessage {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
    /** Bytes of the message; the UDP layer knows it. */
    public length = bytes.length - offset,
  ) {}

  /** For untrusted bytes: header and cookie lie within `length`, and the cookie is DHCP's. */
  static checked(bytes: Uint8Array, offset = 0, length = bytes.length - offset): DhcpMessage {
    needBytes('dhcp', bytes.length, offset, Math.max(length, 0));
    needBytes('dhcp', offset + length, offset, DHCP_OPTIONS_OFFSET);
    const m = new DhcpMessage(bytes, offset, length);
    if (m.cookie !== DHCP_MAGIC_COOKIE) {
      throw new FrameError('bad-value', 'dhcp', offset + F.COOKIE, `magic cookie 0x${m.cookie.toString(16)} is not DHCP's 0x63825363`);
    }
    return m;
  }

  reset(bytes: Uint8Array, offset: number, length: number): this {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /** 1 request, 2 reply (`BootpOp`). */
  get op(): number {
    return this.bytes[this.offset + F.OP];
  }
  set op(v: number) {
    this.bytes[this.offset + F.OP] = v;
  }
  /** Hardware type (ARP's numbers; 1 is Ethernet). */
  get htype(): number {
    return this.bytes[this.offset + F.HTYPE];
  }
  set htype(v: number) {
    this.bytes[this.offset + F.HTYPE] = v;
  }
  /** Hardware address length (6 for Ethernet). */
  get hlen(): number {
    return this.bytes[this.offset + F.HLEN];
  }
  set hlen(v: number) {
    this.bytes[this.offset + F.HLEN] = v;
  }
  /** Relay agents passed on the way. */
  get hops(): number {
    return this.bytes[this.offset + F.HOPS];
  }
  set hops(v: number) {
    this.bytes[this.offset + F.HOPS] = v;
  }
  /** Transaction ID chosen by the client. */
  get xid(): number {
    return u32(this.bytes, this.offset + F.XID);
  }
  set xid(v: number) {
    setU32(this.bytes, this.offset + F.XID, v);
  }
  /** Seconds since the client began acquiring or renewing. */
  get secs(): number {
    return u16(this.bytes, this.offset + F.SECS);
  }
  set secs(v: number) {
    setU16(this.bytes, this.offset + F.SECS, v);
  }
  get flags(): number {
    return u16(this.bytes, this.offset + F.FLAGS);
  }
  set flags(v: number) {
    setU16(this.bytes, this.offset + F.FLAGS, v);
  }
  get broadcast(): boolean {
    return (this.flags & DHCP_FLAG_BROADCAST) !== 0;
  }
  /** The client's current address, when it has one (renewing, INFORM). */
  get ciaddr(): Ipv4Address {
    return u32(this.bytes, this.offset + F.CIADDR);
  }
  set ciaddr(v: Ipv4Address) {
    setU32(this.bytes, this.offset + F.CIADDR, v);
  }
  /** The address the server offers or assigns. */
  get yiaddr(): Ipv4Address {
    return u32(this.bytes, this.offset + F.YIADDR);
  }
  set yiaddr(v: Ipv4Address) {
    setU32(this.bytes, this.offset + F.YIADDR, v);
  }
  /** The next server to use in bootstrap. */
  get siaddr(): Ipv4Address {
    return u32(this.bytes, this.offset + F.SIADDR);
  }
  set siaddr(v: Ipv4Address) {
    setU32(this.bytes, this.offset + F.SIADDR, v);
  }
  /** The relay agent's address. */
  get giaddr(): Ipv4Address {
    return u32(this.bytes, this.offset + F.GIADDR);
  }
  set giaddr(v: Ipv4Address) {
    setU32(this.bytes, this.offset + F.GIADDR, v);
  }
  /** The client's hardware address as a MAC: the first six bytes of the 16-byte field. */
  get chaddr(): Mac {
    return u48(this.bytes, this.offset + F.CHADDR);
  }
  set chaddr(v: Mac) {
    setU48(this.bytes, this.offset + F.CHADDR, v);
  }
  get chaddrOffset(): number {
    return this.offset + F.CHADDR;
  }
  get snameOffset(): number {
    return this.offset + F.SNAME;
  }
  get fileOffset(): number {
    return this.offset + F.FILE;
  }
  /** All 16 bytes of the client hardware address field. */
  chaddrBytes(): Uint8Array {
    return this.bytes.subarray(this.offset + F.CHADDR, this.offset + F.CHADDR + CHADDR_LEN);
  }
  /** The 64-byte server host name field (NUL-terminated text). */
  snameBytes(): Uint8Array {
    return this.bytes.subarray(this.offset + F.SNAME, this.offset + F.SNAME + SNAME_LEN);
  }
  /** The 128-byte boot file name field (NUL-terminated text). */
  fileBytes(): Uint8Array {
    return this.bytes.subarray(this.offset + F.FILE, this.offset + F.FILE + FILE_LEN);
  }
  get cookie(): number {
    return u32(this.bytes, this.offset + F.COOKIE);
  }
  get optionsOffset(): number {
    return this.offset + DHCP_OPTIONS_OFFSET;
  }
  get end(): number {
    return this.offset + this.length;
  }
  options(): Uint8Array {
    return this.bytes.subarray(this.optionsOffset, this.end);
  }
}

/** What only the dissector asks of `walkDhcpOptions`. */
export interface DhcpWalkHooks {
  /**
   * Where option data may end; beyond `end` for the overloaded `sname` area, whose last option
   * Wireshark lets run on into `file`.
   */
  dataEnd?: number;
  /** Called with the code and offset of an option that runs past `dataEnd`, before the throw. */
  broken?: (code: number, at: number) => void;
}

/**
 * Calls `visit(code, at, len)` for each option in `b[start..end)`: `at` is the option's first
 * byte and `len` its data length. A run of Pad bytes is reported once, as code 0 with `len` the
 * run's length; End is reported as code 255 with `len` 0 and stops the walk. Returns where the
 * walk stopped (after End, or `end`). Throws `truncated` for an option running past the end.
 * Shared by the parser and the dissector so both accept the same bytes.
 */
export function walkDhcpOptions(
  b: Uint8Array,
  start: number,
  end: number,
  visit: (code: number, at: number, len: number) => void,
  hooks: DhcpWalkHooks = {},
): number {
  const dataEnd = hooks.dataEnd ?? end;
  let i = start;
  while (i < end) {
    const code = b[i];
    if (code === DhcpOptionCode.End) {
      visit(code, i, 0);
      return i + 1;
    }
    if (code === DhcpOptionCode.Pad) {
      let j = i + 1;
      while (j < end && b[j] === DhcpOptionCode.Pad) j++;
      visit(code, i, j - i);
      i = j;
      continue;
    }
    if (i + 1 >= dataEnd || i + 2 + b[i + 1] > dataEnd) {
      hooks.broken?.(code, i);
      if (i + 1 >= dataEnd) throw new FrameError('truncated', 'dhcp', i, `option ${code} has no length byte`);
      throw new FrameError('truncated', 'dhcp', i + 1, `option ${code} claims ${b[i + 1]} bytes but only ${dataEnd - i - 2} remain`);
    }
    const len = b[i + 1];
    visit(code, i, len);
    i += 2 + len;
  }
  return end;
}

/** Options in wire order; Pad and End are implied. `raw` carries every code without a typed form. */
export type DhcpOption =
  | { kind: 'message-type'; type: number }
  | { kind: 'subnet-mask'; mask: Ipv4Address }
  | { kind: 'router'; addresses: Ipv4Address[] }
  | { kind: 'dns-servers'; addresses: Ipv4Address[] }
  /** Host and domain names are Latin-1 text, one character per byte, so any bytes round-trip. */
  | { kind: 'host-name'; name: string }
  | { kind: 'domain-name'; name: string }
  | { kind: 'requested-ip'; address: Ipv4Address }
  | { kind: 'lease-time'; seconds: number }
  | { kind: 'server-id'; address: Ipv4Address }
  | { kind: 'parameter-request-list'; codes: number[] }
  | { kind: 'renewal-time'; seconds: number }
  | { kind: 'rebinding-time'; seconds: number }
  /** `type` is a hardware type (1 Ethernet, then `id` is the MAC) or 0 for other identifiers. */
  | { kind: 'client-id'; type: number; id: Uint8Array }
  | { kind: 'raw'; code: number; data: Uint8Array };

export type DhcpOptionKind = DhcpOption['kind'];

const CODE_OF: Record<Exclude<DhcpOptionKind, 'raw'>, number> = {
  'message-type': DhcpOptionCode.MessageType,
  'subnet-mask': DhcpOptionCode.SubnetMask,
  router: DhcpOptionCode.Router,
  'dns-servers': DhcpOptionCode.DnsServers,
  'host-name': DhcpOptionCode.HostName,
  'domain-name': DhcpOptionCode.DomainName,
  'requested-ip': DhcpOptionCode.RequestedIp,
  'lease-time': DhcpOptionCode.LeaseTime,
  'server-id': DhcpOptionCode.ServerId,
  'parameter-request-list': DhcpOptionCode.ParameterRequestList,
  'renewal-time': DhcpOptionCode.RenewalTime,
  'rebinding-time': DhcpOptionCode.RebindingTime,
  'client-id': DhcpOptionCode.ClientId,
};

export function dhcpOptionCode(o: DhcpOption): number {
  return o.kind === 'raw' ? o.code : CODE_OF[o.kind];
}

function ipList(b: Uint8Array, at: number, len: number): Ipv4Address[] {
  const out: Ipv4Address[] = [];
  for (let j = 0; j < len; j += 4) out.push(u32(b, at + j));
  return out;
}

function badLength(code: number, at: number, len: number, want: string): FrameError {
  return new FrameError('bad-length', 'dhcp', at + 1, `option ${code} has length ${len}; it must be ${want}`);
}

/** Decodes one option's data (`len` bytes after the code and length at `at`). */
function parseOption(b: Uint8Array, code: number, at: number, len: number): DhcpOption {
  const d = at + 2;
  const exactly = (n: number): void => {
    if (len !== n) throw badLength(code, at, len, `${n}`);
  };
  const atLeast = (n: number): void => {
    if (len < n) throw badLength(code, at, len, `at least ${n}`);
  };
  switch (code) {
    case DhcpOptionCode.MessageType:
      exactly(1);
      return { kind: 'message-type', type: b[d] };
    case DhcpOptionCode.SubnetMask:
      exactly(4);
      return { kind: 'subnet-mask', mask: u32(b, d) };
    case DhcpOptionCode.Router:
    case DhcpOptionCode.DnsServers:
      if (len === 0 || len % 4 !== 0) throw badLength(code, at, len, 'a non-zero multiple of 4');
      return { kind: code === DhcpOptionCode.Router ? 'router' : 'dns-servers', addresses: ipList(b, d, len) };
    case DhcpOptionCode.HostName:
      atLeast(1);
      return { kind: 'host-name', name: latin1At(b, d, d + len) };
    case DhcpOptionCode.DomainName:
      atLeast(1);
      return { kind: 'domain-name', name: latin1At(b, d, d + len) };
    case DhcpOptionCode.RequestedIp:
      exactly(4);
      return { kind: 'requested-ip', address: u32(b, d) };
    case DhcpOptionCode.LeaseTime:
      exactly(4);
      return { kind: 'lease-time', seconds: u32(b, d) };
    case DhcpOptionCode.ServerId:
      exactly(4);
      return { kind: 'server-id', address: u32(b, d) };
    case DhcpOptionCode.ParameterRequestList:
      atLeast(1);
      return { kind: 'parameter-request-list', codes: Array.from(b.subarray(d, d + len)) };
    case DhcpOptionCode.RenewalTime:
      exactly(4);
      return { kind: 'renewal-time', seconds: u32(b, d) };
    case DhcpOptionCode.RebindingTime:
      exactly(4);
      return { kind: 'rebinding-time', seconds: u32(b, d) };
    case DhcpOptionCode.ClientId:
      atLeast(2);
      return { kind: 'client-id', type: b[d], id: b.subarray(d + 1, d + len) };
    default:
      return { kind: 'raw', code, data: b.subarray(d, d + len) };
  }
}

/** Typed options of `b[start..end)`, in wire order; Pad and End are dropped. */
export function parseDhcpOptions(b: Uint8Array, start: number, end: number): DhcpOption[] {
  const out: DhcpOption[] = [];
  walkDhcpOptions(b, start, end, (code, at, len) => {
    if (code !== DhcpOptionCode.Pad && code !== DhcpOptionCode.End) out.push(parseOption(b, code, at, len));
  });
  return out;
}

/** Bytes of an option's data; throws `bad-value` for data no option can carry. */
function optionDataLen(o: DhcpOption): number {
  let n: number;
  switch (o.kind) {
    case 'message-type':
      n = 1;
      break;
    case 'router':
    case 'dns-servers':
      n = 4 * o.addresses.length;
      if (n === 0) throw new FrameError('bad-value', 'dhcp', 0, `option ${o.kind} needs at least one address`);
      break;
    case 'host-name':
    case 'domain-name':
      n = o.name.length;
      if (n === 0) throw new FrameError('bad-value', 'dhcp', 0, `option ${o.kind} needs a non-empty name`);
      break;
    case 'parameter-request-list':
      n = o.codes.length;
      if (n === 0) throw new FrameError('bad-value', 'dhcp', 0, 'the parameter request list needs at least one code');
      break;
    case 'client-id':
      n = 1 + o.id.length;
      if (n < 2) throw new FrameError('bad-value', 'dhcp', 0, 'a client identifier needs at least one byte after its type');
      break;
    case 'raw':
      if (o.code === DhcpOptionCode.Pad || o.code === DhcpOptionCode.End) {
        throw new FrameError('bad-value', 'dhcp', 0, `option code ${o.code} is Pad or End and carries no data`);
      }
      n = o.data.length;
      break;
    default:
      n = 4;
  }
  if (n > 255) throw new FrameError('bad-value', 'dhcp', 0, `option ${dhcpOptionCode(o)} has ${n} bytes of data; at most 255 fit`);
  return n;
}

function emitOption(o: DhcpOption, buf: Uint8Array, at: number): number {
  const len = optionDataLen(o);
  buf[at] = dhcpOptionCode(o);
  buf[at + 1] = len;
  const d = at + 2;
  switch (o.kind) {
    case 'message-type':
      buf[d] = o.type;
      break;
    case 'subnet-mask':
      setU32(buf, d, o.mask);
      break;
    case 'router':
    case 'dns-servers':
      for (let k = 0; k < o.addresses.length; k++) setU32(buf, d + 4 * k, o.addresses[k]);
      break;
    case 'host-name':
    case 'domain-name':
      buf.set(latin1Bytes(o.name, 'dhcp'), d);
      break;
    case 'requested-ip':
    case 'server-id':
      setU32(buf, d, o.address);
      break;
    case 'lease-time':
    case 'renewal-time':
    case 'rebinding-time':
      setU32(buf, d, o.seconds);
      break;
    case 'parameter-request-list':
      buf.set(o.codes, d);
      break;
    case 'client-id':
      buf[d] = o.type;
      buf.set(o.id, d + 1);
      break;
    case 'raw':
      buf.set(o.data, d);
      break;
  }
  return 2 + len;
}

export interface DhcpRepr {
  /** `BootpOp`: 1 request, 2 reply. */
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  /** See `DHCP_FLAG_BROADCAST`; the other bits are reserved. */
  flags: number;
  ciaddr: Ipv4Address;
  yiaddr: Ipv4Address;
  siaddr: Ipv4Address;
  giaddr: Ipv4Address;
  /** The first six bytes of the hardware address field; `emit` zeroes the other ten. */
  chaddr: Mac;
  /** Server host name and boot file name: Latin-1 text up to the first NUL. */
  sname: string;
  file: string;
  /** In wire order; Pad, End and the padding to `BOOTP_MIN_LEN` are implied. */
  options: DhcpOption[];
}

/** The first option of a kind, typed: `findDhcpOption(repr, 'lease-time')?.seconds`. */
export function findDhcpOption<K extends DhcpOptionKind>(repr: DhcpRepr, kind: K): Extract<DhcpOption, { kind: K }> | undefined {
  return repr.options.find((o): o is Extract<DhcpOption, { kind: K }> => o.kind === kind);
}

/** The DHCP message type (`DhcpMessageType`), or undefined for plain BOOTP. */
export function dhcpMessageType(repr: DhcpRepr): number | undefined {
  return findDhcpOption(repr, 'message-type')?.type;
}

/** Text of a NUL-terminated fixed field. */
function fieldText(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return latin1At(b, 0, nul < 0 ? b.length : nul);
}

function writeField(text: string, buf: Uint8Array, at: number, size: number, what: string): void {
  if (text.length > size || text.includes('\0')) {
    throw new FrameError('bad-value', 'dhcp', 0, `${what} must be at most ${size} characters without NUL (got ${text.length})`);
  }
  buf.fill(0, at, at + size);
  buf.set(latin1Bytes(text, 'dhcp'), at);
}

function optionsLen(options: readonly DhcpOption[]): number {
  let n = 1; // End
  for (const o of options) n += 2 + optionDataLen(o);
  return n;
}

export const Dhcp = {
  /** `length` is the message's length from the UDP layer (defaults to the rest of `bytes`). */
  parse(bytes: Uint8Array, offset = 0, length = bytes.length - offset): DhcpRepr {
    const m = DhcpMessage.checked(bytes, offset, length);
    return {
      op: m.op,
      htype: m.htype,
      hlen: m.hlen,
      hops: m.hops,
      xid: m.xid,
      secs: m.secs,
      flags: m.flags,
      ciaddr: m.ciaddr,
      yiaddr: m.yiaddr,
      siaddr: m.siaddr,
      giaddr: m.giaddr,
      chaddr: m.chaddr,
      sname: fieldText(m.snameBytes()),
      file: fieldText(m.fileBytes()),
      options: parseDhcpOptions(bytes, m.optionsOffset, m.end),
    };
  },

  /** Header, cookie, options and End, zero-padded to `BOOTP_MIN_LEN` as clients send it. */
  bufferLen(repr: DhcpRepr): number {
    return Math.max(BOOTP_MIN_LEN, DHCP_OPTIONS_OFFSET + optionsLen(repr.options));
  },

  emit(repr: DhcpRepr, buf: Uint8Array, offset = 0): number {
    const len = Dhcp.bufferLen(repr);
    buf[offset + F.OP] = repr.op;
    buf[offset + F.HTYPE] = repr.htype;
    buf[offset + F.HLEN] = repr.hlen;
    buf[offset + F.HOPS] = repr.hops;
    setU32(buf, offset + F.XID, repr.xid);
    setU16(buf, offset + F.SECS, repr.secs);
    setU16(buf, offset + F.FLAGS, repr.flags);
    setU32(buf, offset + F.CIADDR, repr.ciaddr);
    setU32(buf, offset + F.YIADDR, repr.yiaddr);
    setU32(buf, offset + F.SIADDR, repr.siaddr);
    setU32(buf, offset + F.GIADDR, repr.giaddr);
    buf.fill(0, offset + F.CHADDR, offset + F.CHADDR + CHADDR_LEN);
    setU48(buf, offset + F.CHADDR, repr.chaddr);
    writeField(repr.sname, buf, offset + F.SNAME, SNAME_LEN, 'the server host name');
    writeField(repr.file, buf, offset + F.FILE, FILE_LEN, 'the boot file name');
    setU32(buf, offset + F.COOKIE, DHCP_MAGIC_COOKIE);
    let at = offset + DHCP_OPTIONS_OFFSET;
    for (const o of repr.options) at += emitOption(o, buf, at);
    buf[at++] = DhcpOptionCode.End;
    buf.fill(DhcpOptionCode.Pad, at, offset + len);
    return len;
  },
};
