/**
 * The routing table (`ip route`, `route -n`): connected routes added with addresses, static and
 * default routes added by the user, each with a metric.
 *
 * Design: a flat list kept sorted by prefix length (longest first), then metric (lowest first),
 * then age, so a lookup is the first route that matches and whose interface is up: longest-prefix
 * match in one pass with no allocation. Host tables hold a handful of routes, where a scan beats
 * a trie. Local addresses are not in this table: like Linux's `local` table they are checked
 * before it (see `Core.isLocal`).
 */
import { formatIpv4, type Ipv4Address, type Ipv4Cidr } from '@vnet/frame';
import { checkInt, cidrOf, ipv4Of } from '../address.js';
import { NetstackError } from '../errors.js';
import type { IfAddress, Interface } from './interface.js';

/** `kernel`: connected; `static`: added by the user; `redirect`: learned from an ICMP redirect (cached, expires). */
export type RouteProto = 'kernel' | 'static' | 'redirect';

export class Route {
  /** int32 forms for the per-frame paths (see `addr32.ts`). */
  readonly mask32: number;
  readonly network32: number;
  readonly via32: number;
  readonly src32: number;

  constructor(
    readonly network: Ipv4Address,
    readonly prefixLength: number,
    /** The gateway, or 0 for a directly connected destination. */
    readonly via: Ipv4Address,
    readonly iface: Interface,
    readonly metric: number,
    readonly proto: RouteProto,
    /** Preferred source address, or 0 to select one. */
    readonly src: Ipv4Address,
    readonly seq: number,
    /** When a cached (redirect) route goes, in ms of the stack's clock; never for the others. */
    readonly expires = Number.POSITIVE_INFINITY,
  ) {
    this.mask32 = prefixLength === 0 ? 0 : 0xffff_ffff << (32 - prefixLength);
    this.network32 = network | 0;
    this.via32 = via | 0;
    this.src32 = src | 0;
  }
}

/** A route as `routes.add` takes it: `ip route add DST [via GW] [dev IF] [metric N] [src A]`. */
export interface RouteSpec {
  /** `10.0.0.0/8`, a host address, or `default` / `0.0.0.0/0`. */
  dst: string | Ipv4Cidr;
  via?: string | Ipv4Address;
  dev?: string;
  metric?: number;
  src?: string | Ipv4Address;
}

/** What `routes.delete` matches: the destination, narrowed by whatever else is given. */
export type RouteSelector = RouteSpec;

/** A route as `ip route` prints it. Plain data, so it can cross to another worker. */
export interface RouteInfo {
  /** `default` or `10.0.0.0/8`. */
  dst: string;
  via?: string;
  dev: string;
  metric: number;
  proto: RouteProto;
  scope: 'link' | 'global';
  src?: string;
  /** The interface has no carrier (the route is still used, as Linux does by default). */
  linkdown: boolean;
  /** A route learned from a redirect: when it expires, in ms of the stack's clock (`poll`'s time). */
  expires?: number;
}

/** The answer of `routes.lookup`, like `ip route get`. */
export interface RouteLookup {
  type: 'local' | 'broadcast' | 'unicast';
  dst: string;
  via?: string;
  dev: string;
  src: string;
  /** The route chosen; absent for local destinations. */
  route?: RouteInfo;
}

/** What the table needs from the stack around it. */
export interface RouteContext {
  interfaceByName(name: string): Interface;
  readonly interfaces: readonly Interface[];
  isLocal(a: Ipv4Address): boolean;
  /** Throws `closed` once the stack is closed. */
  checkOpen(): void;
}

export class RouteTable {
  private readonly routes: Route[] = [];
  private seq = 0;

  constructor(private readonly ctx: RouteContext) {}

  /** `ip route add`. Throws `route-exists`, `network-unreachable` (gateway not on a connected network), `bad-address`. */
  add(spec: RouteSpec): void {
    this.ctx.checkOpen();
    const dst = cidrOf(spec.dst, 'route destination');
    if (dst.address !== dst.network) {
      throw new NetstackError(
        'bad-address',
        `route destination ${dst} has host bits set; write the network, ${formatIpv4(dst.network)}/${dst.length}`,
      );
    }
    const metric = checkInt(spec.metric ?? 0, 0, 0xffff_ffff, 'route metric');
    const via = spec.via === undefined ? 0 : ipv4Of(spec.via, 'route gateway');
    const src = spec.src === undefined ? 0 : ipv4Of(spec.src, 'route source');
    if (src !== 0 && !this.ctx.isLocal(src)) {
      throw new NetstackError('bad-address', `route source ${formatIpv4(src)} is not an address of this host; add it first`);
    }
    let iface = spec.dev === undefined ? undefined : this.ctx.interfaceByName(spec.dev);
    if (via !== 0) {
      const gwIface = this.connectedInterface(via, iface);
      if (gwIface === undefined) {
        const where = iface ? ` on ${iface.name}` : '';
        throw new NetstackError(
          'network-unreachable',
          `gateway ${formatIpv4(via)} is not on a connected network${where}; add an address on its subnet first`,
        );
      }
      iface = gwIface;
    }
    if (iface === undefined) {
      throw new NetstackError('bad-value', `route to ${dst} needs a gateway (via) or an interface (dev)`);
    }
    for (const r of this.routes) {
      if (r.network === dst.network && r.prefixLength === dst.length && r.metric === metric && r.proto !== 'redirect') {
        throw new NetstackError('route-exists', `a route to ${describe(r)} with metric ${metric} exists; delete it or use another metric`);
      }
    }
    // What the user configures supersedes what a redirect taught.
    this.removeWhere((r) => r.proto === 'redirect' && r.network === dst.network && r.prefixLength === dst.length);
    this.insert(new Route(dst.network, dst.length, via, iface, metric, 'static', src, this.seq++));
  }

  /** `ip route del`: the first route to `dst` that also matches the other fields given. */
  delete(sel: RouteSelector): void {
    this.ctx.checkOpen();
    const dst = cidrOf(sel.dst, 'route destination');
    const via = sel.via === undefined ? undefined : ipv4Of(sel.via, 'route gateway');
    const i = this.routes.findIndex(
      (r) =>
        r.network === dst.network &&
        r.prefixLength === dst.length &&
        (via === undefined || r.via === via) &&
        (sel.dev === undefined || r.iface.name === sel.dev) &&
        (sel.metric === undefined || r.metric === sel.metric),
    );
    if (i < 0) throw new NetstackError('no-such-route', `no route to ${formatIpv4(dst.network)}/${dst.length} matches; see routes.list()`);
    this.routes.splice(i, 1);
  }

  /** `ip route flush cache`: forgets the routes learned from redirects. */
  flushCache(): void {
    this.ctx.checkOpen();
    this.removeWhere((r) => r.proto === 'redirect');
  }

  /** Every route, in lookup order. */
  list(): RouteInfo[] {
    return this.routes.map(info);
  }

  /** `ip route get ADDR`: where a datagram to `addr` would go, or undefined (network unreachable). */
  lookup(addr: string | Ipv4Address): RouteLookup | undefined {
    const a = ipv4Of(addr, 'route lookup');
    if (this.ctx.isLocal(a)) return { type: 'local', dst: formatIpv4(a), dev: 'lo', src: formatIpv4(a) };
    const r = this.find(a);
    if (r === undefined) return undefined;
    const src = this.sourceFor(r, a);
    return {
      type: r.iface.isBroadcast(a) ? 'broadcast' : 'unicast',
      dst: formatIpv4(a),
      ...(r.via !== 0 ? { via: formatIpv4(r.via) } : {}),
      dev: r.iface.name,
      src: formatIpv4(src),
      route: info(r),
    };
  }

  /** @internal Longest-prefix match among routes whose interface is administratively up. Allocates nothing. */
  find(a: Ipv4Address): Route | undefined {
    const list = this.routes;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if ((a & r.mask32) === r.network32 && r.iface.adminUp) return r;
    }
    return undefined;
  }

  /** @internal The source address (int32) for a datagram leaving by `r` towards `dst` (Linux's inet_select_addr). */
  sourceFor(r: Route, dst: Ipv4Address): number {
    if (r.src32 !== 0) return r.src32;
    const s = r.iface.sourceFor(r.via32 !== 0 ? r.via32 : dst);
    if (s !== 0) return s;
    // An interface without addresses: any address of the host will do, as on Linux.
    for (const i of this.ctx.interfaces) if (!i.loopback && i.addresses.length > 0) return i.addresses[0].address32;
    return 0;
  }

  /** @internal The connected route an address adds (`proto kernel scope link src ADDR`). */
  addConnected(iface: Interface, cidr: IfAddress): void {
    if (iface.loopback) return; // as on Linux, loopback prefixes live in the local table only
    for (const r of this.routes) {
      if (r.proto === 'kernel' && r.iface === iface && r.network === cidr.network && r.prefixLength === cidr.length) return;
    }
    this.insert(new Route(cidr.network, cidr.length, 0, iface, 0, 'kernel', cidr.address, this.seq++));
  }

  /** @internal Removes the connected route of an address, any route preferring it as source, and the interface's cached routes. */
  removeConnected(iface: Interface, cidr: IfAddress): void {
    for (let i = this.routes.length - 1; i >= 0; i--) {
      const r = this.routes[i];
      const connected = r.proto === 'kernel' && r.iface === iface && r.network === cidr.network && r.prefixLength === cidr.length;
      if (connected || r.src === cidr.address || (r.proto === 'redirect' && r.iface === iface)) this.routes.splice(i, 1);
    }
  }

  /**
   * @internal A host route to `dst` (int32) via `gw` learned from a redirect, until `expires`:
   * it replaces an earlier one to the same host and goes before any other /32 to it.
   */
  addRedirect(dst: number, gw: number, iface: Interface, expires: number): void {
    const host = dst >>> 0;
    this.removeWhere((r) => r.proto === 'redirect' && r.network === host && r.prefixLength === 32);
    this.insert(new Route(host, 32, gw >>> 0, iface, 0, 'redirect', 0, this.seq++, expires), true);
  }

  /** @internal Drops the cached routes expired at `now`; returns when the next one expires (or +Infinity). */
  expire(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (let i = this.routes.length - 1; i >= 0; i--) {
      const t = this.routes[i].expires;
      if (t <= now) this.routes.splice(i, 1);
      else if (t < next) next = t;
    }
    return next;
  }

  /** @internal Forgets every route through an interface being removed. */
  removeInterface(iface: Interface): void {
    for (let i = this.routes.length - 1; i >= 0; i--) if (this.routes[i].iface === iface) this.routes.splice(i, 1);
  }

  /** The interface whose connected prefix holds `gw` most specifically. */
  private connectedInterface(gw: Ipv4Address, only: Interface | undefined): Interface | undefined {
    let best: Interface | undefined;
    let bestLength = -1;
    for (const i of this.ctx.interfaces) {
      if (i.loopback || (only !== undefined && i !== only)) continue;
      for (const c of i.addresses) {
        if (c.contains(gw) && c.length > bestLength) {
          best = i;
          bestLength = c.length;
        }
      }
    }
    return best;
  }

  /** Keeps the lookup order; `first` puts the route before others of its length and metric instead of after them. */
  private insert(r: Route, first = false): void {
    const list = this.routes;
    let i = 0;
    while (
      i < list.length &&
      (list[i].prefixLength > r.prefixLength ||
        (list[i].prefixLength === r.prefixLength && (list[i].metric < r.metric || (!first && list[i].metric === r.metric))))
    ) {
      i++;
    }
    list.splice(i, 0, r);
  }

  private removeWhere(pred: (r: Route) => boolean): void {
    for (let i = this.routes.length - 1; i >= 0; i--) if (pred(this.routes[i])) this.routes.splice(i, 1);
  }
}

function describe(r: Route): string {
  return r.prefixLength === 0 ? 'default' : `${formatIpv4(r.network)}/${r.prefixLength}`;
}

function info(r: Route): RouteInfo {
  return {
    dst: describe(r),
    ...(r.via !== 0 ? { via: formatIpv4(r.via) } : {}),
    dev: r.iface.name,
    metric: r.metric,
    proto: r.proto,
    scope: r.via !== 0 ? 'global' : 'link',
    ...(r.src !== 0 ? { src: formatIpv4(r.src) } : {}),
    linkdown: !r.iface.carrier,
    ...(r.proto === 'redirect' ? { expires: r.expires } : {}),
  };
}
