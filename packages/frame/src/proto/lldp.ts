import type { Mac } from '../address/mac.js';
import { setU16, setU32, setU48, u16, u32, u48 } from '../bytes.js';
import { FrameError, needBytes } from '../errors.js';
import { utf8DecodeStrict, utf8Encode } from '../text.js';

/**
 * LLDP (IEEE 802.1AB): a list of TLVs, each a 7-bit type and 9-bit length then the value.
 * Chassis ID, Port ID and Time To Live come first, in that order; End of LLDPDU closes it.
 */
export const LLDP_MULTICAST: Mac = 0x0180_c200_000e;

export const LldpTlvType = {
  End: 0,
  ChassisId: 1,
  PortId: 2,
  Ttl: 3,
  PortDescription: 4,
  SystemName: 5,
  SystemDescription: 6,
  SystemCapabilities: 7,
  ManagementAddress: 8,
  OrgSpecific: 127,
} as const;

export const ChassisIdSubtype = {
  ChassisComponent: 1,
  InterfaceAlias: 2,
  PortComponent: 3,
  MacAddress: 4,
  NetworkAddress: 5,
  InterfaceName: 6,
  Local: 7,
} as const;

export const PortIdSubtype = {
  InterfaceAlias: 1,
  PortComponent: 2,
  MacAddress: 3,
  NetworkAddress: 4,
  InterfaceName: 5,
  AgentCircuitId: 6,
  Local: 7,
} as const;

/** System capability bits. */
export const LldpCapability = {
  Other: 0x01,
  Repeater: 0x02,
  Bridge: 0x04,
  WlanAccessPoint: 0x08,
  Router: 0x10,
  Telephone: 0x20,
  DocsisCableDevice: 0x40,
  StationOnly: 0x80,
  CVlan: 0x100,
  SVlan: 0x200,
  Tpmr: 0x400,
} as const;

export const LLDP_TLV_HEADER_LEN = 2;
const MAX_TLV_LEN = 0x1ff;
/** Chassis and port IDs carry 1-255 bytes after their subtype. */
const MAX_ID_LEN = 255;
const MAC_LEN = 6;
const CAPABILITIES_LEN = 4;
const ORG_HEADER_LEN = 4;

const T = LldpTlvType;

/**
 * Calls `visit(type, valueAt, length)` for each TLV in `b[start..end)`, the End TLV included,
 * and returns where the LLDPDU ends (after End, or `end` when the frame has none). Throws
 * `truncated` for a TLV that runs past `end`. Shared by parser, view and dissector.
 */
export function walkLldpTlvs(b: Uint8Array, start: number, end: number, visit?: (type: number, at: number, len: number) => void): number {
  let i = start;
  while (i < end) {
    needBytes('lldp', end, i, LLDP_TLV_HEADER_LEN);
    const type = b[i] >>> 1;
    const len = u16(b, i) & MAX_TLV_LEN;
    needBytes('lldp', end, i + LLDP_TLV_HEADER_LEN, len);
    visit?.(type, i + LLDP_TLV_HEADER_LEN, len);
    i += LLDP_TLV_HEADER_LEN + len;
    if (type === T.End) break;
  }
  return i;
}

function tlvLen(b: Uint8Array, valueAt: number): number {
  return u16(b, valueAt - LLDP_TLV_HEADER_LEN) & MAX_TLV_LEN;
}

const EMPTY = new Uint8Array(0);

/** A zero-copy view of the three mandatory TLVs; the rest is reached through `walkLldpTlvs`. */
export class LldpPdu {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {}

  /**
   * For untrusted bytes: every TLV lies in the buffer, and the first three are a valid Chassis
   * ID, Port ID and Time To Live, in that order (see `lldpTlvError`).
   */
  static checked(bytes: Uint8Array, offset = 0): LldpPdu {
    let index = 0;
    walkLldpTlvs(bytes, offset, bytes.length, (type, at, len) => {
      if (index < MANDATORY.length) {
        if (type !== MANDATORY[index]) {
          throw new FrameError(
            'bad-value',
            'lldp',
            at - LLDP_TLV_HEADER_LEN,
            `TLV ${index + 1} has type ${type}; LLDP requires type ${MANDATORY[index]} there`,
          );
        }
        throwIfInvalid(bytes, type, at, len);
      }
      index++;
    });
    if (index < MANDATORY.length) throw new FrameError('truncated', 'lldp', offset, 'the LLDPDU ends before Chassis ID, Port ID and TTL');
    return new LldpPdu(bytes, offset);
  }

  reset(bytes: Uint8Array, offset = 0): this {
    this.bytes = bytes;
    this.offset = offset;
    return this;
  }

  /** Value offsets of the mandatory TLVs. */
  private get chassisAt(): number {
    return this.offset + LLDP_TLV_HEADER_LEN;
  }
  private get portAt(): number {
    return this.chassisAt + tlvLen(this.bytes, this.chassisAt) + LLDP_TLV_HEADER_LEN;
  }
  private get ttlAt(): number {
    return this.portAt + tlvLen(this.bytes, this.portAt) + LLDP_TLV_HEADER_LEN;
  }

  get chassisIdSubtype(): number {
    return this.bytes[this.chassisAt];
  }
  chassisId(): Uint8Array {
    const at = this.chassisAt;
    return this.bytes.subarray(at + 1, at + tlvLen(this.bytes, at));
  }
  get portIdSubtype(): number {
    return this.bytes[this.portAt];
  }
  portId(): Uint8Array {
    const at = this.portAt;
    return this.bytes.subarray(at + 1, at + tlvLen(this.bytes, at));
  }
  /** Seconds the receiver keeps the information; 0 withdraws it. */
  get ttl(): number {
    return u16(this.bytes, this.ttlAt);
  }
  set ttl(v: number) {
    setU16(this.bytes, this.ttlAt, v);
  }
  /** Where the optional TLVs begin. */
  get optionalOffset(): number {
    return this.ttlAt + 2;
  }
}

/** Chassis ID, Port ID and Time To Live open every LLDPDU. */
const MANDATORY = [T.ChassisId, T.PortId, T.Ttl] as const;

/** IANA address families whose addresses have a fixed size: IPv4 and IPv6. */
const ADDRESS_LEN: Record<number, number | undefined> = { 1: 4, 2: 16 };

/** Why a family byte and address in `b[at..at+len)` cannot be one, or undefined. */
function addressError(what: string, b: Uint8Array, at: number, len: number): string | undefined {
  if (len < 2) return `${what} has no address after its family`;
  const want = ADDRESS_LEN[b[at]];
  return want === undefined || len - 1 === want ? undefined : `${what} of family ${b[at]} has ${len - 1} bytes, not ${want}`;
}

/** Where the OID length byte of a Management Address TLV value at `at` sits. */
export function lldpManagementOidAt(b: Uint8Array, at: number): number {
  return at + 1 + b[at] + 5;
}

function managementError(b: Uint8Array, at: number, len: number): string | undefined {
  // Address string length (subtype and 1-31 address bytes), interface subtype and number, OID length and OID.
  const strLen = b[at];
  const oidAt = lldpManagementOidAt(b, at);
  if (len < 9 || strLen < 2 || strLen > 32 || oidAt >= at + len || oidAt + 1 + b[oidAt] !== at + len) {
    return `Management Address TLV of length ${len} has inconsistent inner lengths`;
  }
  return addressError('management address', b, at + 1, strLen);
}

/**
 * Why the value `b[at..at+len)` cannot be a TLV of `type`, or undefined when it can: 802.1AB's
 * lengths for the TLVs vnet decodes (IDs of 1-255 bytes, a MAC ID of exactly 6, an IPv4 or IPv6
 * address of its size, …). Parser, view and dissector all apply it.
 */
export function lldpTlvError(b: Uint8Array, type: number, at: number, len: number): string | undefined {
  switch (type) {
    case T.ChassisId:
    case T.PortId: {
      const [name, mac, network] =
        type === T.ChassisId
          ? ['Chassis ID', ChassisIdSubtype.MacAddress, ChassisIdSubtype.NetworkAddress]
          : ['Port ID', PortIdSubtype.MacAddress, PortIdSubtype.NetworkAddress];
      if (len < 2 || len > MAX_ID_LEN + 1) return `${name} TLV has length ${len}, outside 2-256`;
      if (b[at] === mac && len !== MAC_LEN + 1) return `${name} of subtype MAC address has ${len - 1} bytes, not 6`;
      return b[at] === network ? addressError(`${name} network address`, b, at + 1, len - 1) : undefined;
    }
    case T.Ttl:
      return len === 2 ? undefined : `Time To Live TLV has length ${len}, not 2`;
    case T.SystemCapabilities:
      return len === CAPABILITIES_LEN ? undefined : `System Capabilities TLV has length ${len}, not 4`;
    case T.ManagementAddress:
      return managementError(b, at, len);
    case T.OrgSpecific:
      return len >= ORG_HEADER_LEN ? undefined : `organisationally specific TLV has length ${len}, below the 4 of OUI and subtype`;
    default:
      return undefined;
  }
}

function throwIfInvalid(b: Uint8Array, type: number, at: number, len: number): void {
  const problem = lldpTlvError(b, type, at, len);
  if (problem) throw new FrameError('bad-length', 'lldp', at - LLDP_TLV_HEADER_LEN, problem);
}

/**
 * A chassis or port ID: a MAC for the MAC subtype, UTF-8 text for the textual subtypes (raw
 * bytes if they are not UTF-8), else raw bytes — for a network address its IANA family byte then
 * the address.
 */
export interface LldpId {
  subtype: number;
  value: Mac | string | Uint8Array;
}

export interface LldpCapabilities {
  /** `LldpCapability` bits the system has … */
  system: number;
  /** … and those it has enabled. */
  enabled: number;
}

export interface LldpManagementAddress {
  /** IANA address family: 1 IPv4, 2 IPv6, 6 802 MAC. */
  addressSubtype: number;
  address: Uint8Array;
  /** 1 unknown, 2 ifIndex, 3 system port number. */
  interfaceSubtype: number;
  interfaceNumber: number;
  /** BER-encoded object identifier, usually empty. */
  oid: Uint8Array;
}

/** A TLV kept as it came: organisationally specific, of a type LLDP reserves, or a duplicate. */
export interface LldpTlv {
  type: number;
  value: Uint8Array;
}

export interface LldpRepr {
  chassisId: LldpId;
  portId: LldpId;
  /** Seconds. */
  ttl: number;
  portDescription?: string;
  systemName?: string;
  systemDescription?: string;
  capabilities?: LldpCapabilities;
  managementAddresses?: LldpManagementAddress[];
  /**
   * Every other TLV, in frame order: organisationally specific and reserved types, a repeated
   * single-instance TLV, and a text TLV that is not UTF-8. Emitted after the known ones.
   */
  tlvs?: LldpTlv[];
}

const TEXT_CHASSIS_SUBTYPES = new Set<number>([1, 2, 3, 6, 7]);
const TEXT_PORT_SUBTYPES = new Set<number>([1, 2, 5, 7]);

function parseId(subtype: number, value: Uint8Array, macSubtype: number, text: ReadonlySet<number>): LldpId {
  if (subtype === macSubtype) return { subtype, value: u48(value, 0) };
  const s = text.has(subtype) ? utf8DecodeStrict(value) : undefined;
  return { subtype, value: s ?? value };
}

function parseManagementAddress(b: Uint8Array, at: number, len: number): LldpManagementAddress {
  const oidAt = lldpManagementOidAt(b, at);
  return {
    addressSubtype: b[at + 1],
    address: b.subarray(at + 2, oidAt - 5),
    interfaceSubtype: b[oidAt - 5],
    interfaceNumber: u32(b, oidAt - 4),
    oid: b.subarray(oidAt + 1, at + len),
  };
}

/** The optional text TLVs, in the order they are emitted. */
const TEXT_FIELDS = [
  [T.PortDescription, 'portDescription'],
  [T.SystemName, 'systemName'],
  [T.SystemDescription, 'systemDescription'],
] as const;
const TEXT_KEYS = new Map<number, (typeof TEXT_FIELDS)[number][1]>(TEXT_FIELDS);

function parseOptional(repr: LldpRepr, b: Uint8Array, type: number, at: number, len: number): void {
  throwIfInvalid(b, type, at, len);
  const value = b.subarray(at, at + len);
  const textKey = TEXT_KEYS.get(type);
  if (textKey !== undefined) {
    const text = repr[textKey] === undefined ? utf8DecodeStrict(value) : undefined;
    if (text !== undefined) {
      repr[textKey] = text;
      return;
    }
  } else if (type === T.SystemCapabilities && repr.capabilities === undefined) {
    repr.capabilities = { system: u16(b, at), enabled: u16(b, at + 2) };
    return;
  } else if (type === T.ManagementAddress) {
    (repr.managementAddresses ??= []).push(parseManagementAddress(b, at, len));
    return;
  }
  (repr.tlvs ??= []).push({ type, value });
}

function idBytes(id: LldpId): Uint8Array {
  return typeof id.value === 'number' ? EMPTY : typeof id.value === 'string' ? utf8Encode(id.value) : id.value;
}

function idLen(id: LldpId): number {
  return typeof id.value === 'number' ? MAC_LEN : idBytes(id).length;
}

function checkId(id: LldpId, name: string, macSubtype: number): void {
  const isMac = typeof id.value === 'number';
  if (isMac !== (id.subtype === macSubtype)) {
    throw new FrameError('bad-value', 'lldp', 0, `${name} subtype ${id.subtype} ${isMac ? 'cannot carry' : 'needs'} a MAC address`);
  }
}

/** Refuses a TLV just written at `tlvAt` that the parser would refuse, so emit and parse agree. */
function checkWritten(buf: Uint8Array, tlvAt: number): void {
  const at = tlvAt + LLDP_TLV_HEADER_LEN;
  const problem = lldpTlvError(buf, buf[tlvAt] >>> 1, at, tlvLen(buf, at));
  if (problem) throw new FrameError('bad-value', 'lldp', 0, problem);
}

function writeTlv(buf: Uint8Array, at: number, type: number, len: number): number {
  if (len > MAX_TLV_LEN)
    throw new FrameError('bad-value', 'lldp', 0, `TLV ${type} of ${len} bytes exceeds the 511 its length field can say`);
  setU16(buf, at, (type << 9) | len);
  return at + LLDP_TLV_HEADER_LEN;
}

function emitId(buf: Uint8Array, at: number, type: number, id: LldpId): number {
  const v = writeTlv(buf, at, type, 1 + idLen(id));
  buf[v] = id.subtype;
  if (typeof id.value === 'number') setU48(buf, v + 1, id.value);
  else buf.set(idBytes(id), v + 1);
  return v + 1 + idLen(id);
}

function emitBytes(buf: Uint8Array, at: number, type: number, value: Uint8Array): number {
  const v = writeTlv(buf, at, type, value.length);
  buf.set(value, v);
  return v + value.length;
}

function managementLen(m: LldpManagementAddress): number {
  return 1 + 1 + m.address.length + 5 + 1 + m.oid.length;
}

function emitManagement(buf: Uint8Array, at: number, m: LldpManagementAddress): number {
  let v = writeTlv(buf, at, T.ManagementAddress, managementLen(m));
  buf[v++] = 1 + m.address.length;
  buf[v++] = m.addressSubtype;
  buf.set(m.address, v);
  v += m.address.length;
  buf[v++] = m.interfaceSubtype;
  setU32(buf, v, m.interfaceNumber);
  v += 4;
  buf[v++] = m.oid.length;
  buf.set(m.oid, v);
  return v + m.oid.length;
}

export const Lldp = {
  /** Reads up to the End TLV; bytes after it (Ethernet padding) are ignored. */
  parse(bytes: Uint8Array, offset = 0): LldpRepr {
    const p = LldpPdu.checked(bytes, offset);
    const repr: LldpRepr = {
      chassisId: parseId(p.chassisIdSubtype, p.chassisId(), ChassisIdSubtype.MacAddress, TEXT_CHASSIS_SUBTYPES),
      portId: parseId(p.portIdSubtype, p.portId(), PortIdSubtype.MacAddress, TEXT_PORT_SUBTYPES),
      ttl: p.ttl,
    };
    walkLldpTlvs(bytes, p.optionalOffset, bytes.length, (type, at, len) => {
      if (type !== T.End) parseOptional(repr, bytes, type, at, len);
    });
    return repr;
  },

  bufferLen(repr: LldpRepr): number {
    let n = 3 * LLDP_TLV_HEADER_LEN + 1 + idLen(repr.chassisId) + 1 + idLen(repr.portId) + 2;
    for (const [, key] of TEXT_FIELDS) {
      const text = repr[key];
      if (text !== undefined) n += LLDP_TLV_HEADER_LEN + utf8Encode(text).length;
    }
    if (repr.capabilities) n += LLDP_TLV_HEADER_LEN + CAPABILITIES_LEN;
    for (const m of repr.managementAddresses ?? []) n += LLDP_TLV_HEADER_LEN + managementLen(m);
    for (const t of repr.tlvs ?? []) n += LLDP_TLV_HEADER_LEN + t.value.length;
    return n + LLDP_TLV_HEADER_LEN;
  },

  /** Writes every TLV and the End TLV; refuses what `parse` would refuse. */
  emit(repr: LldpRepr, buf: Uint8Array, offset = 0): number {
    checkId(repr.chassisId, 'Chassis ID', ChassisIdSubtype.MacAddress);
    checkId(repr.portId, 'Port ID', PortIdSubtype.MacAddress);
    let at = offset;
    const put = (next: number): void => {
      checkWritten(buf, at);
      at = next;
    };
    put(emitId(buf, at, T.ChassisId, repr.chassisId));
    put(emitId(buf, at, T.PortId, repr.portId));
    setU16(buf, writeTlv(buf, at, T.Ttl, 2), repr.ttl);
    at += LLDP_TLV_HEADER_LEN + 2;
    for (const [type, key] of TEXT_FIELDS) {
      const text = repr[key];
      if (text !== undefined) put(emitBytes(buf, at, type, utf8Encode(text)));
    }
    if (repr.capabilities) {
      const v = writeTlv(buf, at, T.SystemCapabilities, CAPABILITIES_LEN);
      setU16(buf, v, repr.capabilities.system);
      setU16(buf, v + 2, repr.capabilities.enabled);
      at = v + CAPABILITIES_LEN;
    }
    for (const m of repr.managementAddresses ?? []) put(emitManagement(buf, at, m));
    for (const t of repr.tlvs ?? []) {
      if (!Number.isInteger(t.type) || t.type < 1 || t.type > T.OrgSpecific || t.type === T.ManagementAddress) {
        throw new FrameError(
          'bad-value',
          'lldp',
          0,
          `TLV type ${t.type} cannot be kept raw: 0 ends the LLDPDU, 8 goes in managementAddresses`,
        );
      }
      put(emitBytes(buf, at, t.type, t.value));
    }
    at = writeTlv(buf, at, T.End, 0);
    return at - offset;
  },
};
