/**
 * An interface of the stack: a Port (or none, for `lo`), its MAC, MTU, admin state and IPv4
 * addresses, its neighbour entries and its counters. Plain state; the layers act on it.
 */
import type { Ipv4Address, Ipv4Cidr, Mac } from '@vnet/frame';
import type { Port } from '@vnet/link';
import { BROADCAST32 } from '../addr32.js';
import { type InterfaceStats, newInterfaceStats } from '../stats.js';
import type { Neighbor } from './neighbor.js';

/**
 * An address on an interface with its prefix's numbers worked out once (Ipv4Cidr derives them
 * on every call), as uint32 for read-outs and int32 for the per-frame paths (see `addr32.ts`).
 */
export class IfAddress {
  readonly address: Ipv4Address;
  readonly length: number;
  readonly network: Ipv4Address;
  readonly broadcast: Ipv4Address;
  readonly address32: number;
  readonly mask32: number;
  readonly network32: number;
  readonly broadcast32: number;

  constructor(readonly cidr: Ipv4Cidr) {
    this.address = cidr.address;
    this.length = cidr.length;
    this.network = cidr.network;
    this.broadcast = cidr.broadcast;
    this.address32 = cidr.address | 0;
    this.mask32 = cidr.mask | 0;
    this.network32 = cidr.network | 0;
    this.broadcast32 = cidr.broadcast | 0;
  }

  /** Whether `a` (uint32 or int32) lies in this prefix. */
  contains(a: Ipv4Address): boolean {
    return (a & this.mask32) === this.network32;
  }
}

export class Interface {
  readonly addresses: IfAddress[] = [];
  /** The MAC as bytes, written into frames with `set`: passing the 48-bit number to a call would box it. */
  readonly macBytes = new Uint8Array(6);
  readonly stats: InterfaceStats = newInterfaceStats();
  /** Drops on this interface by reason (the stack-wide maps sum them over interfaces). */
  readonly rxDrops: Record<string, number> = {};
  readonly txDrops: Record<string, number> = {};
  /**
   * Checksum offload between virtual NICs (`ethtool -K … tx on rx on`): transport checksums of
   * what leaves here are not computed, and those of what arrives here are trusted. Both ends of
   * a link must say so, as paravirtual NICs do between guests.
   */
  checksumOffload = false;
  /** ARP entries, keyed by the address as an int32 (`ip | 0`), which V8 keeps unboxed. */
  readonly neighbors = new Map<number, Neighbor>();

  constructor(
    readonly index: number,
    readonly name: string,
    /** Undefined for the loopback interface, which needs no wire. */
    readonly port: Port | undefined,
    readonly mac: Mac,
    public mtu: number,
    /** `ip link set dev X up|down`. */
    public adminUp: boolean,
  ) {
    macToBytes(mac, this.macBytes);
  }

  /** Whether the 6 bytes at `b[o]` are this interface's MAC. */
  isOwnMac(b: Uint8Array, o: number): boolean {
    const m = this.macBytes;
    return b[o] === m[0] && b[o + 1] === m[1] && b[o + 2] === m[2] && b[o + 3] === m[3] && b[o + 4] === m[4] && b[o + 5] === m[5];
  }

  get loopback(): boolean {
    return this.port === undefined;
  }

  get carrier(): boolean {
    return this.port === undefined || this.port.up;
  }

  /** Up and with carrier: what iproute2 shows as LOWER_UP and ifconfig as RUNNING. */
  get running(): boolean {
    return this.adminUp && this.carrier;
  }

  hasAddress(a: Ipv4Address): boolean {
    const list = this.addresses;
    const a32 = a | 0;
    for (let i = 0; i < list.length; i++) if (list[i].address32 === a32) return true;
    return false;
  }

  /** True when `a` lies in one of this interface's prefixes (the loopback's 127/8 is all local). */
  inSubnet(a: Ipv4Address): boolean {
    const list = this.addresses;
    for (let i = 0; i < list.length; i++) if (list[i].contains(a)) return true;
    return false;
  }

  /** 255.255.255.255, or the directed broadcast of one of this interface's prefixes. */
  isBroadcast(a: Ipv4Address): boolean {
    const a32 = a | 0;
    if (a32 === BROADCAST32) return true;
    const list = this.addresses;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c.length < 31 && c.broadcast32 === a32) return true;
    }
    return false;
  }

  /** The address (int32) to speak from towards `peer`: one on the peer's subnet, else the primary one, else 0. */
  sourceFor(peer: Ipv4Address): number {
    const list = this.addresses;
    for (let i = 0; i < list.length; i++) if (list[i].contains(peer)) return list[i].address32;
    return list.length > 0 ? list[0].address32 : 0;
  }
}

/** Writes a 48-bit MAC into 6 bytes. */
export function macToBytes(mac: Mac, out: Uint8Array): void {
  const hi = Math.floor(mac / 0x1_0000_0000);
  const lo = mac >>> 0;
  out[0] = hi >>> 8;
  out[1] = hi;
  out[2] = lo >>> 24;
  out[3] = lo >>> 16;
  out[4] = lo >>> 8;
  out[5] = lo;
}
