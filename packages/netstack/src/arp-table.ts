/**
 * The ARP cache as the user sees and changes it (`arp -n`, `arp -s`, `ip neigh`): a thin,
 * checked front over the neighbour cache.
 */
import type { Ipv4Address, Mac } from '@vnet/frame';
import { ipv4Of, macOf } from './address.js';
import { type Core, live } from './core.js';
import { NetstackError } from './errors.js';
import type { Interface } from './iface/interface.js';
import type { NeighborInfo } from './iface/neighbor-cache.js';
import { TxDrop } from './stats.js';

export interface StaticArpOptions {
  /** PERMANENT (default, like `arp -s`), or REACHABLE and aging like a learnt entry. */
  permanent?: boolean;
  /** The interface; default: the one whose connected network holds the address. */
  dev?: string;
}

/** The ARP cache as `arp -n` and `ip neigh` see and change it. */
export class ArpTable {
  /** @internal */
  constructor(private readonly core: Core) {}

  /** `arp -s IP MAC` (Mininet's --arp): a static entry, never expiring when permanent. */
  add(ip: Ipv4Address | string, mac: Mac | string, opts: StaticArpOptions = {}): void {
    const core = live(this.core);
    const a = ipv4Of(ip, 'ARP entry');
    const m = macOf(mac, 'ARP entry');
    const iface = opts.dev === undefined ? this.connected(a) : core.interfaceByName(opts.dev);
    if (iface.loopback) throw new NetstackError('bad-value', `ARP entries cannot be added on the loopback interface`);
    core.begin();
    try {
      core.neighbors.setStatic(iface, a, m, opts.permanent ?? true);
    } finally {
      core.end();
    }
  }

  /** `arp -d IP`; throws `no-such-address` when there is no entry. */
  delete(ip: Ipv4Address | string, dev?: string): void {
    const core = live(this.core);
    const a = ipv4Of(ip, 'ARP entry');
    const ifaces = dev === undefined ? core.interfaces : [core.interfaceByName(dev)];
    let found = false;
    for (const i of ifaces) found = core.neighbors.delete(i, a) || found;
    if (!found) throw new NetstackError('no-such-address', `no ARP entry for ${typeof ip === 'string' ? ip : a}; see arp.entries()`);
  }

  /** `ip neigh flush`: every entry but the permanent ones. */
  flush(dev?: string): void {
    const core = live(this.core);
    for (const i of dev === undefined ? core.interfaces : [core.interfaceByName(dev)]) core.neighbors.flush(i, TxDrop.NeighborFlushed);
  }

  /** Every entry with its state, as `ip neigh` lists them. */
  entries(): NeighborInfo[] {
    return this.core.neighbors.entries();
  }

  /** The interface a connected route gives for `a`, as `arp -s` finds it. */
  private connected(a: Ipv4Address): Interface {
    const r = this.core.routes.find(a);
    if (r !== undefined && r.via === 0 && !r.iface.loopback) return r.iface;
    throw new NetstackError(
      'network-unreachable',
      `no connected network holds this address; add an address on its subnet first or give dev`,
    );
  }
}
