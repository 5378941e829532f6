import type { Mac } from '../address/mac.js';
import { setU16, setU48, u16, u48 } from '../bytes.js';
import { FrameError, needBytes } from '../errors.js';

/**
 * LACP (IEEE 802.1AX, formerly 802.3ad clause 43), the first of the slow protocols (EtherType
 * 0x8809). A version 1 LACPDU has a fixed layout of 110 bytes from the subtype byte: actor,
 * partner and collector TLVs, a terminator and 50 reserved bytes.
 */
export const LACP_PDU_LEN = 110;
export const SLOW_PROTOCOLS_MULTICAST: Mac = 0x0180_c200_0002;

export const SlowSubtype = { LACP: 1, Marker: 2, OAM: 3 } as const;

/** Actor and partner state bits. */
export const LacpState = {
  Activity: 0x01,
  /** Set: short timeout (fast, 1 s periodic); clear: long (slow, 30 s). */
  Timeout: 0x02,
  Aggregation: 0x04,
  Synchronization: 0x08,
  Collecting: 0x10,
  Distributing: 0x20,
  Defaulted: 0x40,
  Expired: 0x80,
} as const;

const TLV = { Terminator: 0, Actor: 1, Partner: 2, Collector: 3 } as const;
const INFO_TLV_LEN = 20;
const COLLECTOR_TLV_LEN = 16;

/** Where each TLV starts, counted from the subtype byte; the 50 reserved bytes follow the terminator. */
export const LacpTlvOffset = { Actor: 2, Partner: 22, Collector: 42, Terminator: 58, Reserved: 60 } as const;

const F = {
  SUBTYPE: 0,
  VERSION: 1,
  ACTOR: LacpTlvOffset.Actor,
  PARTNER: LacpTlvOffset.Partner,
  COLLECTOR: LacpTlvOffset.Collector,
  TERMINATOR: LacpTlvOffset.Terminator,
} as const;
/** Within an actor or partner TLV. */
const P = { TYPE: 0, LEN: 1, SYS_PRIORITY: 2, SYSTEM: 4, KEY: 10, PORT_PRIORITY: 12, PORT: 14, STATE: 16 } as const;

/** Where each TLV sits, what type and length it must have. */
const LAYOUT = [
  [F.ACTOR, TLV.Actor, INFO_TLV_LEN, 'actor'],
  [F.PARTNER, TLV.Partner, INFO_TLV_LEN, 'partner'],
  [F.COLLECTOR, TLV.Collector, COLLECTOR_TLV_LEN, 'collector'],
  [F.TERMINATOR, TLV.Terminator, 0, 'terminator'],
] as const;

const EMPTY = new Uint8Array(0);

/** The actor's or partner's half of an LACPDU. */
export interface LacpParticipant {
  systemPriority: number;
  system: Mac;
  key: number;
  portPriority: number;
  port: number;
  /** See `LacpState`. */
  state: number;
}

/** A zero-copy view of one actor or partner information TLV. */
export class LacpInfo {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {}

  reset(bytes: Uint8Array, offset = 0): this {
    this.bytes = bytes;
    this.offset = offset;
    return this;
  }

  get systemPriority(): number {
    return u16(this.bytes, this.offset + P.SYS_PRIORITY);
  }
  get system(): Mac {
    return u48(this.bytes, this.offset + P.SYSTEM);
  }
  get key(): number {
    return u16(this.bytes, this.offset + P.KEY);
  }
  get portPriority(): number {
    return u16(this.bytes, this.offset + P.PORT_PRIORITY);
  }
  get port(): number {
    return u16(this.bytes, this.offset + P.PORT);
  }
  get state(): number {
    return this.bytes[this.offset + P.STATE];
  }
  set state(v: number) {
    this.bytes[this.offset + P.STATE] = v;
  }

  toRepr(): LacpParticipant {
    return {
      systemPriority: this.systemPriority,
      system: this.system,
      key: this.key,
      portPriority: this.portPriority,
      port: this.port,
      state: this.state,
    };
  }
}

export class LacpPdu {
  readonly actor = new LacpInfo();
  readonly partner = new LacpInfo();

  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {
    this.reset(bytes, offset);
  }

  /**
   * For untrusted bytes: a whole LACPDU of version 1 or later (later versions keep the
   * version 1 fields in place, 802.1AX-2014 §6.4.2.3) whose TLVs have their fixed types and lengths.
   */
  static checked(bytes: Uint8Array, offset = 0): LacpPdu {
    needBytes('lacp', bytes.length, offset, LACP_PDU_LEN);
    const p = new LacpPdu(bytes, offset);
    if (p.subtype !== SlowSubtype.LACP)
      throw new FrameError('bad-value', 'lacp', offset, `slow protocols subtype ${p.subtype} is not LACP (1)`);
    if (p.version < 1) throw new FrameError('bad-version', 'lacp', offset + F.VERSION, 'LACP version 0 does not exist');
    for (const [at, type, len, name] of LAYOUT) {
      if (bytes[offset + at] !== type || bytes[offset + at + 1] !== len) {
        throw new FrameError('bad-value', 'lacp', offset + at, `the ${name} TLV must have type ${type} and length ${len}`);
      }
    }
    return p;
  }

  reset(bytes: Uint8Array, offset = 0): this {
    this.bytes = bytes;
    this.offset = offset;
    this.actor.reset(bytes, offset + F.ACTOR);
    this.partner.reset(bytes, offset + F.PARTNER);
    return this;
  }

  get subtype(): number {
    return this.bytes[this.offset + F.SUBTYPE];
  }
  get version(): number {
    return this.bytes[this.offset + F.VERSION];
  }
  /** In tens of microseconds. */
  get collectorMaxDelay(): number {
    return u16(this.bytes, this.offset + F.COLLECTOR + 2);
  }
}

function writeParticipant(buf: Uint8Array, at: number, type: number, p: LacpParticipant): void {
  buf[at + P.TYPE] = type;
  buf[at + P.LEN] = INFO_TLV_LEN;
  setU16(buf, at + P.SYS_PRIORITY, p.systemPriority);
  setU48(buf, at + P.SYSTEM, p.system);
  setU16(buf, at + P.KEY, p.key);
  setU16(buf, at + P.PORT_PRIORITY, p.portPriority);
  setU16(buf, at + P.PORT, p.port);
  buf[at + P.STATE] = p.state;
}

export interface LacpRepr {
  actor: LacpParticipant;
  partner: LacpParticipant;
  /** In tens of microseconds. */
  collectorMaxDelay: number;
}

export const Lacp = {
  /** `offset` points at the slow protocols subtype byte, right after the EtherType. */
  parse(bytes: Uint8Array, offset = 0): LacpRepr {
    const p = LacpPdu.checked(bytes, offset);
    return { actor: p.actor.toRepr(), partner: p.partner.toRepr(), collectorMaxDelay: p.collectorMaxDelay };
  },

  bufferLen(_repr: LacpRepr): number {
    return LACP_PDU_LEN;
  },

  /** Writes a version 1 LACPDU, reserved bytes zero. */
  emit(repr: LacpRepr, buf: Uint8Array, offset = 0): number {
    buf.fill(0, offset, offset + LACP_PDU_LEN);
    buf[offset + F.SUBTYPE] = SlowSubtype.LACP;
    buf[offset + F.VERSION] = 1;
    writeParticipant(buf, offset + F.ACTOR, TLV.Actor, repr.actor);
    writeParticipant(buf, offset + F.PARTNER, TLV.Partner, repr.partner);
    buf[offset + F.COLLECTOR] = TLV.Collector;
    buf[offset + F.COLLECTOR + 1] = COLLECTOR_TLV_LEN;
    setU16(buf, offset + F.COLLECTOR + 2, repr.collectorMaxDelay);
    return LACP_PDU_LEN;
  },
};
