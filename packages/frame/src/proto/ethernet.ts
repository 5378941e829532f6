import type { Mac } from '../address/mac.js';
import { setU16, setU48, u16, u48 } from '../bytes.js';
import { needBytes } from '../errors.js';

/** Ethernet II (DIX): destination, source, EtherType. Frames arrive without preamble and FCS. */
export const ETHERNET_HEADER_LEN = 14;

/** EtherTypes vnet speaks. Values below 0x0600 are 802.3 lengths (LLC follows). */
export const EtherType = {
  IPv4: 0x0800,
  ARP: 0x0806,
  RARP: 0x8035,
  VLAN: 0x8100,
  QinQ: 0x88a8,
  IPv6: 0x86dd,
  Slow: 0x8809,
  LLDP: 0x88cc,
} as const;

const F = { DST: 0, SRC: 6, TYPE: 12 } as const;

const EMPTY = new Uint8Array(0);

/** A zero-copy view of an Ethernet II header; `reset` re-points one view at each frame of a burst. */
export class EthernetFrame {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {}

  /** For untrusted bytes: throws `FrameError` unless a whole header is present. */
  static checked(bytes: Uint8Array, offset = 0): EthernetFrame {
    needBytes('eth', bytes.length, offset, ETHERNET_HEADER_LEN);
    return new EthernetFrame(bytes, offset);
  }

  reset(bytes: Uint8Array, offset = 0): this {
    this.bytes = bytes;
    this.offset = offset;
    return this;
  }

  get dst(): Mac {
    return u48(this.bytes, this.offset + F.DST);
  }
  set dst(v: Mac) {
    setU48(this.bytes, this.offset + F.DST, v);
  }

  get src(): Mac {
    return u48(this.bytes, this.offset + F.SRC);
  }
  set src(v: Mac) {
    setU48(this.bytes, this.offset + F.SRC, v);
  }

  /** The EtherType, or the 802.3 length when below 0x0600. */
  get ethertype(): number {
    return u16(this.bytes, this.offset + F.TYPE);
  }
  set ethertype(v: number) {
    setU16(this.bytes, this.offset + F.TYPE, v);
  }

  get payloadOffset(): number {
    return this.offset + ETHERNET_HEADER_LEN;
  }

  payload(): Uint8Array {
    return this.bytes.subarray(this.payloadOffset);
  }
}

export interface EthernetRepr {
  dst: Mac;
  src: Mac;
  ethertype: number;
}

export const Ethernet = {
  headerLen: ETHERNET_HEADER_LEN,

  parse(bytes: Uint8Array, offset = 0): EthernetRepr {
    const f = EthernetFrame.checked(bytes, offset);
    return { dst: f.dst, src: f.src, ethertype: f.ethertype };
  },

  bufferLen(_repr: EthernetRepr): number {
    return ETHERNET_HEADER_LEN;
  },

  emit(repr: EthernetRepr, buf: Uint8Array, offset = 0): number {
    setU48(buf, offset + F.DST, repr.dst);
    setU48(buf, offset + F.SRC, repr.src);
    setU16(buf, offset + F.TYPE, repr.ethertype);
    return ETHERNET_HEADER_LEN;
  },
};
