/**
 * Structured read-outs of interfaces, for the shell tools of a later layer to format as
 * `ip addr`, `ip -s link` or `ifconfig` do. Plain data (strings, numbers, arrays), so they can
 * be posted from a node's worker to the main thread.
 */
import { formatIpv4, formatMac } from '@vnet/frame';
import type { Interface } from './iface/interface.js';
import type { InterfaceStats } from './stats.js';

export interface AddressInfo {
  /** `10.0.0.1` */
  address: string;
  prefixLength: number;
  /** `10.0.0.1/8` */
  cidr: string;
  /** The directed broadcast (`brd`), absent for /31, /32 and loopback. */
  broadcast?: string;
  /** `host` on loopback, else `global`, as iproute2 prints it. */
  scope: 'host' | 'global';
}

export interface InterfaceInfo {
  /** The ifindex: 1 for `lo`, then in order of creation. */
  index: number;
  name: string;
  /** `00:00:00:00:00:01`; all zeros on loopback. */
  mac: string;
  mtu: number;
  /** Administratively up (`ip link set dev X up`). */
  up: boolean;
  /** The port's link is up. */
  carrier: boolean;
  /** Up with carrier (ifconfig's RUNNING, iproute2's LOWER_UP). */
  running: boolean;
  loopback: boolean;
  /** iproute2's flags in its order, e.g. `BROADCAST,MULTICAST,UP,LOWER_UP` or `LOOPBACK,UP,LOWER_UP`. */
  flags: string[];
  /** iproute2's `state`: UP, DOWN, or UNKNOWN (loopback). */
  state: 'UP' | 'DOWN' | 'UNKNOWN';
  addresses: AddressInfo[];
  stats: InterfaceStats;
  rxDrops: Record<string, number>;
  txDrops: Record<string, number>;
}

export function interfaceInfo(i: Interface): InterfaceInfo {
  const flags: string[] = [];
  if (i.adminUp && !i.carrier) flags.push('NO-CARRIER');
  flags.push(...(i.loopback ? ['LOOPBACK'] : ['BROADCAST', 'MULTICAST']));
  if (i.adminUp) flags.push('UP');
  if (i.running) flags.push('LOWER_UP');
  return {
    index: i.index,
    name: i.name,
    mac: formatMac(i.mac),
    mtu: i.mtu,
    up: i.adminUp,
    carrier: i.carrier,
    running: i.running,
    loopback: i.loopback,
    flags,
    state: i.loopback ? (i.adminUp ? 'UNKNOWN' : 'DOWN') : i.running ? 'UP' : 'DOWN',
    addresses: i.addresses.map((c) => ({
      address: formatIpv4(c.address),
      prefixLength: c.length,
      cidr: c.cidr.toString(),
      ...(i.loopback || c.length >= 31 ? {} : { broadcast: formatIpv4(c.broadcast) }),
      scope: i.loopback ? 'host' : 'global',
    })),
    stats: { ...i.stats },
    rxDrops: { ...i.rxDrops },
    txDrops: { ...i.txDrops },
  };
}
