import type { Mac } from '../address/mac.js';
import { setU16, setU32, setU48, u16, u32, u48 } from '../bytes.js';
import { FrameError, needBytes } from '../errors.js';

// IEEE 802.2 LLC, the header that follows an 802.3 length field, and the spanning tree BPDUs
// it carries: 802.1D STP (Configuration and Topology Change Notification) and 802.1w RSTP.

/** DSAP, SSAP and a one-byte control field (an unnumbered frame, as STP uses). */
export const LLC_HEADER_LEN = 3;
/** I- and S-format frames carry a two-byte control field. */
export const LLC_LONG_HEADER_LEN = 4;

export const LlcSap = { STP: 0x42, SNAP: 0xaa } as const;
/** Control of an Unnumbered Information frame: the only kind connectionless LLC sends. */
export const LLC_UI = 0x03;

/** Where bridges send BPDUs: 01:80:c2:00:00:00. */
export const STP_MULTICAST: Mac = 0x0180_c200_0000;

const LF = { DSAP: 0, SSAP: 1, CONTROL: 2 } as const;

const EMPTY = new Uint8Array(0);

export class LlcHeader {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {}

  /** For untrusted bytes: the header, with its one- or two-byte control field, is present. */
  static checked(bytes: Uint8Array, offset = 0): LlcHeader {
    needBytes('llc', bytes.length, offset, LLC_HEADER_LEN);
    const h = new LlcHeader(bytes, offset);
    needBytes('llc', bytes.length, offset, h.headerLen);
    return h;
  }

  reset(bytes: Uint8Array, offset = 0): this {
    this.bytes = bytes;
    this.offset = offset;
    return this;
  }

  get dsap(): number {
    return this.bytes[this.offset + LF.DSAP];
  }
  set dsap(v: number) {
    this.bytes[this.offset + LF.DSAP] = v;
  }
  get ssap(): number {
    return this.bytes[this.offset + LF.SSAP];
  }
  set ssap(v: number) {
    this.bytes[this.offset + LF.SSAP] = v;
  }
  /** Unnumbered (U-format) frames end their control byte in binary 11. */
  get isUnnumbered(): boolean {
    return (this.bytes[this.offset + LF.CONTROL] & 3) === 3;
  }
  /** One byte for U-format frames; two, read big-endian, for I- and S-format frames. */
  get control(): number {
    const o = this.offset + LF.CONTROL;
    return this.isUnnumbered ? this.bytes[o] : u16(this.bytes, o);
  }
  get headerLen(): number {
    return this.isUnnumbered ? LLC_HEADER_LEN : LLC_LONG_HEADER_LEN;
  }
  get payloadOffset(): number {
    return this.offset + this.headerLen;
  }
  payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset);
  }
}

export interface LlcRepr {
  dsap: number;
  ssap: number;
  /** As `LlcHeader.control`: 8 bits ending in 11 for U-format frames, else 16 bits. */
  control: number;
}

function llcHeaderLen(control: number): number {
  return (control & 3) === 3 && control <= 0xff ? LLC_HEADER_LEN : LLC_LONG_HEADER_LEN;
}

export const Llc = {
  parse(bytes: Uint8Array, offset = 0): LlcRepr {
    const h = LlcHeader.checked(bytes, offset);
    return { dsap: h.dsap, ssap: h.ssap, control: h.control };
  },

  bufferLen(repr: LlcRepr): number {
    return llcHeaderLen(repr.control);
  },

  emit(repr: LlcRepr, buf: Uint8Array, offset = 0): number {
    const len = llcHeaderLen(repr.control);
    if (len === LLC_LONG_HEADER_LEN && ((repr.control >>> 8) & 3) === 3) {
      throw new FrameError('bad-value', 'llc', 0, `control ${repr.control} is neither a U-format byte nor an I/S-format pair`);
    }
    buf[offset + LF.DSAP] = repr.dsap;
    buf[offset + LF.SSAP] = repr.ssap;
    if (len === LLC_HEADER_LEN) buf[offset + LF.CONTROL] = repr.control;
    else setU16(buf, offset + LF.CONTROL, repr.control);
    return len;
  },
};

export const BpduType = { Config: 0x00, Rst: 0x02, Tcn: 0x80 } as const;
export const StpVersion = { Stp: 0, Rstp: 2, Mstp: 3 } as const;

/** BPDU flag bits. Configuration BPDUs define only the two topology change bits. */
export const StpFlags = {
  TopologyChange: 0x01,
  Proposal: 0x02,
  PortRoleMask: 0x0c,
  Learning: 0x10,
  Forwarding: 0x20,
  Agreement: 0x40,
  TopologyChangeAck: 0x80,
} as const;

/** RSTP port roles in `(flags & PortRoleMask) >> 2`. */
export const StpPortRole = { Unknown: 0, AlternateBackup: 1, Root: 2, Designated: 3 } as const;

export const STP_TCN_LEN = 4;
export const STP_CONFIG_LEN = 35;
/** A Configuration BPDU's fields plus the Version 1 Length byte (always 0). */
export const RSTP_BPDU_LEN = 36;

/** Timers travel in units of 1/256 second. */
const TIME_UNIT = 256;

const F = {
  PROTOCOL: 0,
  VERSION: 2,
  TYPE: 3,
  FLAGS: 4,
  ROOT_ID: 5,
  ROOT_COST: 13,
  BRIDGE_ID: 17,
  PORT_ID: 25,
  MESSAGE_AGE: 27,
  MAX_AGE: 29,
  HELLO_TIME: 31,
  FORWARD_DELAY: 33,
  VERSION_1_LENGTH: 35,
} as const;

/** The length a BPDU type needs, or undefined for a type 802.1D does not define. */
export function bpduLen(type: number): number | undefined {
  switch (type) {
    case BpduType.Tcn:
      return STP_TCN_LEN;
    case BpduType.Config:
      return STP_CONFIG_LEN;
    case BpduType.Rst:
      return RSTP_BPDU_LEN;
    default:
      return undefined;
  }
}

export class StpBpdu {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {}

  /** For untrusted bytes: a known BPDU type with all of its fields present. */
  static checked(bytes: Uint8Array, offset = 0): StpBpdu {
    needBytes('stp', bytes.length, offset, STP_TCN_LEN);
    const bpdu = new StpBpdu(bytes, offset);
    const len = bpduLen(bpdu.bpduType);
    if (len === undefined) {
      throw new FrameError('unsupported', 'stp', offset + F.TYPE, `BPDU type ${bpdu.bpduType} is not Configuration, RST or TCN`);
    }
    needBytes('stp', bytes.length, offset, len);
    return bpdu;
  }

  reset(bytes: Uint8Array, offset = 0): this {
    this.bytes = bytes;
    this.offset = offset;
    return this;
  }

  /** Always 0 for spanning tree. */
  get protocolId(): number {
    return u16(this.bytes, this.offset + F.PROTOCOL);
  }
  get version(): number {
    return this.bytes[this.offset + F.VERSION];
  }
  get bpduType(): number {
    return this.bytes[this.offset + F.TYPE];
  }
  get flags(): number {
    return this.bytes[this.offset + F.FLAGS];
  }
  set flags(v: number) {
    this.bytes[this.offset + F.FLAGS] = v;
  }
  get portRole(): number {
    return (this.flags & StpFlags.PortRoleMask) >>> 2;
  }
  /** 16 bits: the 4-bit priority in multiples of 4096 plus the 12-bit system ID extension. */
  get rootPriority(): number {
    return u16(this.bytes, this.offset + F.ROOT_ID);
  }
  get rootMac(): Mac {
    return u48(this.bytes, this.offset + F.ROOT_ID + 2);
  }
  get rootPathCost(): number {
    return u32(this.bytes, this.offset + F.ROOT_COST);
  }
  set rootPathCost(v: number) {
    setU32(this.bytes, this.offset + F.ROOT_COST, v);
  }
  get bridgePriority(): number {
    return u16(this.bytes, this.offset + F.BRIDGE_ID);
  }
  get bridgeMac(): Mac {
    return u48(this.bytes, this.offset + F.BRIDGE_ID + 2);
  }
  /** Port priority (high 4 bits, multiples of 16) and port number (low 12 bits). */
  get portId(): number {
    return u16(this.bytes, this.offset + F.PORT_ID);
  }
  /** In seconds, as all the timers. */
  get messageAge(): number {
    return u16(this.bytes, this.offset + F.MESSAGE_AGE) / TIME_UNIT;
  }
  set messageAge(seconds: number) {
    setU16(this.bytes, this.offset + F.MESSAGE_AGE, timeUnits(seconds));
  }
  get maxAge(): number {
    return u16(this.bytes, this.offset + F.MAX_AGE) / TIME_UNIT;
  }
  get helloTime(): number {
    return u16(this.bytes, this.offset + F.HELLO_TIME) / TIME_UNIT;
  }
  get forwardDelay(): number {
    return u16(this.bytes, this.offset + F.FORWARD_DELAY) / TIME_UNIT;
  }
  /** RST BPDUs only; 0. */
  get version1Length(): number {
    return this.bytes[this.offset + F.VERSION_1_LENGTH];
  }
}

function timeUnits(seconds: number): number {
  const units = seconds * TIME_UNIT;
  if (!Number.isInteger(units) || units < 0 || units > 0xffff) {
    throw new FrameError('bad-value', 'stp', 0, `timer ${seconds}s is not a multiple of 1/256 s within 0-256 s`);
  }
  return units;
}

/** A root or bridge identifier. Lower compares better: priority first, then MAC. */
export interface BridgeId {
  /** 16 bits: priority (a multiple of 4096) plus the system ID extension (the VLAN or MSTI, 0-4095). */
  priority: number;
  mac: Mac;
}

/** A bridge ID as `brctl showstp` and `ip -d link` print it: priority in hex, a dot, the MAC in hex (`8000.020000000001`). */
export function formatBridgeId(id: BridgeId): string {
  return `${id.priority.toString(16).padStart(4, '0')}.${id.mac.toString(16).padStart(12, '0')}`;
}

/**
 * A BPDU. Timers are in seconds (multiples of 1/256 s, as on the wire). An MSTP BPDU (version
 * 3) parses as its CIST part, which is what an RSTP bridge makes of it (802.1D-2004 §9.3.4).
 */
export type StpRepr =
  | { bpdu: 'tcn'; version: number }
  | {
      bpdu: 'config' | 'rst';
      version: number;
      /** See `StpFlags`. */
      flags: number;
      root: BridgeId;
      rootPathCost: number;
      bridge: BridgeId;
      portId: number;
      messageAge: number;
      maxAge: number;
      helloTime: number;
      forwardDelay: number;
    };

export const Stp = {
  parse(bytes: Uint8Array, offset = 0): StpRepr {
    const p = StpBpdu.checked(bytes, offset);
    if (p.protocolId !== 0)
      throw new FrameError('bad-value', 'stp', offset, `protocol identifier ${p.protocolId} is not 0 (spanning tree)`);
    if (p.bpduType === BpduType.Tcn) return { bpdu: 'tcn', version: p.version };
    if (p.bpduType === BpduType.Rst && p.version < StpVersion.Rstp) {
      throw new FrameError('bad-version', 'stp', offset + F.VERSION, `an RST BPDU needs protocol version 2 or later, not ${p.version}`);
    }
    return {
      bpdu: p.bpduType === BpduType.Rst ? 'rst' : 'config',
      version: p.version,
      flags: p.flags,
      root: { priority: p.rootPriority, mac: p.rootMac },
      rootPathCost: p.rootPathCost,
      bridge: { priority: p.bridgePriority, mac: p.bridgeMac },
      portId: p.portId,
      messageAge: p.messageAge,
      maxAge: p.maxAge,
      helloTime: p.helloTime,
      forwardDelay: p.forwardDelay,
    };
  },

  bufferLen(repr: StpRepr): number {
    return repr.bpdu === 'tcn' ? STP_TCN_LEN : repr.bpdu === 'rst' ? RSTP_BPDU_LEN : STP_CONFIG_LEN;
  },

  emit(repr: StpRepr, buf: Uint8Array, offset = 0): number {
    setU16(buf, offset + F.PROTOCOL, 0);
    buf[offset + F.VERSION] = repr.version;
    if (repr.bpdu === 'tcn') {
      buf[offset + F.TYPE] = BpduType.Tcn;
      return STP_TCN_LEN;
    }
    buf[offset + F.TYPE] = repr.bpdu === 'rst' ? BpduType.Rst : BpduType.Config;
    buf[offset + F.FLAGS] = repr.flags;
    setU16(buf, offset + F.ROOT_ID, repr.root.priority);
    setU48(buf, offset + F.ROOT_ID + 2, repr.root.mac);
    setU32(buf, offset + F.ROOT_COST, repr.rootPathCost);
    setU16(buf, offset + F.BRIDGE_ID, repr.bridge.priority);
    setU48(buf, offset + F.BRIDGE_ID + 2, repr.bridge.mac);
    setU16(buf, offset + F.PORT_ID, repr.portId);
    setU16(buf, offset + F.MESSAGE_AGE, timeUnits(repr.messageAge));
    setU16(buf, offset + F.MAX_AGE, timeUnits(repr.maxAge));
    setU16(buf, offset + F.HELLO_TIME, timeUnits(repr.helloTime));
    setU16(buf, offset + F.FORWARD_DELAY, timeUnits(repr.forwardDelay));
    if (repr.bpdu === 'config') return STP_CONFIG_LEN;
    buf[offset + F.VERSION_1_LENGTH] = 0;
    return RSTP_BPDU_LEN;
  },
};
