/**
 * An interface of the stack: a Port (or none, for `lo`), its MAC, MTU, admin state and IPv4
 * addresses, its neighbour entries and its counters. Plain state; the layers act on it.
 */
import type { Ipv4Address, Ipv4Cidr, Mac } from '@vnet/frame';
import type { Port } from '@vnet/link';
import { type InterfaceStats, newInterfaceStats } from '../stats.js';
import type { Neighbor } from './neighbor.js';

export class Interface {
  readonly addresses: Ipv4Cidr[] = [];
  readonly stats: InterfaceStats = newInterfaceStats();
  /** Drops on this interface by reason (the stack-wide maps sum them over interfaces). */
  readonly rxDrops: Record<string, number> = {};
  readonly txDrops: Record<string, number> = {};
  /** ARP entries, keyed by the address as an int32 (`ip | 0`), which V8 keeps unboxed. */
  readonly neighbors = new Map<number, Neighbor>();

  constructor(
    readonly index: number,
    readonly name: string,
    /** Undefined for the loopback interface, which needs no wire. */
    readonly port: Port | undefined,
    public mac: Mac,
    public mtu: number,
    /** `ip link set dev X up|down`. */
    public adminUp: boolean,
  ) {}

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
    for (let i = 0; i < list.length; i++) if (list[i].address === a) return true;
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
    if (a === 0xffff_ffff) return true;
    const list = this.addresses;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c.length < 31 && c.broadcast === a) return true;
    }
    return false;
  }

  /** The address to speak from towards `peer`: one on the peer's subnet, else the primary one, else 0. */
  sourceFor(peer: Ipv4Address): Ipv4Address {
    const list = this.addresses;
    for (let i = 0; i < list.length; i++) if (list[i].contains(peer)) return list[i].address;
    return list.length > 0 ? list[0].address : 0;
  }
}
