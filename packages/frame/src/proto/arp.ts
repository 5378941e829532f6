import type { Ipv4Address } from '../address/ipv4.js';
import type { Mac } from '../address/mac.js';
import { setU16, setU32, setU48, u16, u32, u48 } from '../bytes.js';
import { FrameError, needBytes } from '../errors.js';

/**
 * ARP (RFC 826) and RARP (RFC 903, EtherType 0x8035) for Ethernet and IPv4: the only pairing
 * vnet resolves, so the address sizes are fixed (6 and 4) and the packet is 28 bytes.
 */
export const ARP_HEADER_LEN = 8;
export const ARP_LEN = 28;

export const ArpHardware = { Ethernet: 1 } as const;

export const ArpOperation = {
  Request: 1,
  Reply: 2,
  /** RARP: "what is my IP address?" (RFC 903). */
  ReverseRequest: 3,
  ReverseReply: 4,
  /** Inverse ARP (RFC 2390): "what is your IP address?". */
  InverseRequest: 8,
  InverseReply: 9,
} as const;

const F = { HTYPE: 0, PTYPE: 2, HLEN: 4, PLEN: 5, OP: 6, SHA: 8, SPA: 14, THA: 18, TPA: 24 } as const;

const IPV4_ETHERTYPE = 0x0800;

const EMPTY = new Uint8Array(0);

export class ArpPacket {
  constructor(
    public bytes: Uint8Array = EMPTY,
    public offset = 0,
  ) {}

  /**
   * For untrusted bytes: the packet is Ethernet/IPv4 ARP (hardware type 1, protocol 0x0800,
   * sizes 6 and 4), else `unsupported`, and all 28 bytes are present. Trailing Ethernet
   * padding is not part of the packet.
   */
  static checked(bytes: Uint8Array, offset = 0): ArpPacket {
    needBytes('arp', bytes.length, offset, ARP_HEADER_LEN);
    const p = new ArpPacket(bytes, offset);
    if (p.hardwareType !== ArpHardware.Ethernet || p.protocolType !== IPV4_ETHERTYPE) {
      throw new FrameError(
        'unsupported',
        'arp',
        offset,
        `hardware type ${p.hardwareType} with protocol 0x${p.protocolType.toString(16).padStart(4, '0')} is not Ethernet/IPv4 ARP`,
      );
    }
    if (p.hardwareLen !== 6 || p.protocolLen !== 4) {
      throw new FrameError(
        'unsupported',
        'arp',
        offset + F.HLEN,
        `address sizes ${p.hardwareLen}/${p.protocolLen} are not the 6/4 of Ethernet/IPv4`,
      );
    }
    needBytes('arp', bytes.length, offset, ARP_LEN);
    return p;
  }

  reset(bytes: Uint8Array, offset = 0): this {
    this.bytes = bytes;
    this.offset = offset;
    return this;
  }

  get hardwareType(): number {
    return u16(this.bytes, this.offset + F.HTYPE);
  }
  get protocolType(): number {
    return u16(this.bytes, this.offset + F.PTYPE);
  }
  get hardwareLen(): number {
    return this.bytes[this.offset + F.HLEN];
  }
  get protocolLen(): number {
    return this.bytes[this.offset + F.PLEN];
  }
  get operation(): number {
    return u16(this.bytes, this.offset + F.OP);
  }
  set operation(v: number) {
    setU16(this.bytes, this.offset + F.OP, v);
  }
  get senderMac(): Mac {
    return u48(this.bytes, this.offset + F.SHA);
  }
  set senderMac(v: Mac) {
    setU48(this.bytes, this.offset + F.SHA, v);
  }
  get senderIp(): Ipv4Address {
    return u32(this.bytes, this.offset + F.SPA);
  }
  set senderIp(v: Ipv4Address) {
    setU32(this.bytes, this.offset + F.SPA, v);
  }
  get targetMac(): Mac {
    return u48(this.bytes, this.offset + F.THA);
  }
  set targetMac(v: Mac) {
    setU48(this.bytes, this.offset + F.THA, v);
  }
  get targetIp(): Ipv4Address {
    return u32(this.bytes, this.offset + F.TPA);
  }
  set targetIp(v: Ipv4Address) {
    setU32(this.bytes, this.offset + F.TPA, v);
  }

  /** Writes the fixed Ethernet/IPv4 preamble (types and sizes), e.g. into a fresh buffer. */
  fillHeader(): void {
    setU16(this.bytes, this.offset + F.HTYPE, ArpHardware.Ethernet);
    setU16(this.bytes, this.offset + F.PTYPE, IPV4_ETHERTYPE);
    this.bytes[this.offset + F.HLEN] = 6;
    this.bytes[this.offset + F.PLEN] = 4;
  }
}

export interface ArpRepr {
  /** See `ArpOperation`. */
  operation: number;
  senderMac: Mac;
  senderIp: Ipv4Address;
  /** Zero in a request: the address being asked for. */
  targetMac: Mac;
  targetIp: Ipv4Address;
}

export const Arp = {
  parse(bytes: Uint8Array, offset = 0): ArpRepr {
    const p = ArpPacket.checked(bytes, offset);
    return { operation: p.operation, senderMac: p.senderMac, senderIp: p.senderIp, targetMac: p.targetMac, targetIp: p.targetIp };
  },

  bufferLen(_repr: ArpRepr): number {
    return ARP_LEN;
  },

  emit(repr: ArpRepr, buf: Uint8Array, offset = 0): number {
    const p = new ArpPacket(buf, offset);
    p.fillHeader();
    p.operation = repr.operation;
    p.senderMac = repr.senderMac;
    p.senderIp = repr.senderIp;
    p.targetMac = repr.targetMac;
    p.targetIp = repr.targetIp;
    return ARP_LEN;
  },
};
