/**
 * From a topology to a plan every worker can build its nodes from: interface names and port
 * numbers, addresses and MACs, resolved once on the main thread, as Mininet does when it
 * builds a network (hosts numbered in natural order from the IP base, `h1-eth0`, `s1-eth1`).
 */
import { formatIpv4, formatMac, parseIpv4Cidr } from '@vnet/frame';
import { type PortVlan, portGroupVlan, type SecurityPolicy, type StpProtocol } from '@vnet/vswitch';
import { TopologyError } from './errors.js';
import type { LinkOptions, SwitchSpec, TopoSpec } from './spec.js';
import { naturalSort } from './topo.js';

export interface PlannedInterface {
  name: string;
  /** N in `node-ethN`: the switch port number, or the host's interface index. */
  port: number;
  /** Index into `Plan.links`, and which end of it this interface is. */
  link: number;
  side: 'a' | 'b';
  /** A switch port's VLAN membership (hosts' interfaces have none). */
  vlan?: PortVlan;
  /** A host interface's MAC; on a switch port, the MAC of the host NIC plugged into it. */
  mac?: string;
  /** On a switch port facing a host: its security policy (vSphere's defaults when absent). */
  security?: SecurityPolicy;
  /** A host interface's address, `10.0.1.1/24`: the host's `ip` on its first interface, a link's `ipA`/`ipB` on any. */
  ip?: string;
}

export interface PlannedHost {
  kind: 'host';
  name: string;
  /** Of the first interface, `10.0.0.1/8`. */
  ip: string;
  mac: string;
  defaultRoute?: string;
  /** Forwards between its interfaces from the start (`ip_forward=1`). */
  router?: boolean;
  intfs: PlannedInterface[];
}

export interface PlannedSwitch {
  kind: 'switch';
  name: string;
  agingTime?: number;
  /** Spanning tree: the protocol, and the bridge ID (MAC 02:00:00:00:00:0N for the Nth switch in natural order). */
  stp?: { protocol: StpProtocol; priority: number; bridgeMac: string };
  intfs: PlannedInterface[];
}

export type PlannedNode = PlannedHost | PlannedSwitch;

export interface PlannedLink {
  a: string;
  b: string;
  intfA: string;
  intfB: string;
  options: LinkOptions;
}

export interface Plan {
  nodes: PlannedNode[];
  links: PlannedLink[];
}

/** 02:00:00:00:00:00: bridge IDs are locally administered MACs numbered from here. */
const LOCAL_BRIDGE = 0x020000000000;

export interface PlanOptions {
  /** Where host addresses come from (Mininet's --ipbase), default 10.0.0.0/8. */
  ipBase?: string;
  /** MACs from host numbers (00:00:00:00:00:01 for h1), Mininet's --mac. */
  autoSetMacs?: boolean;
  /** Options every link gets unless it sets its own (Mininet's --link tc,…). */
  linkDefaults?: LinkOptions;
  /** Options every switch gets unless it sets its own (Mininet's --switch ovsk,stp=1). */
  switchDefaults?: Omit<SwitchSpec, 'kind' | 'name'>;
  /** Seeds the random MACs, so that a run can be repeated. */
  seed?: number;
}

export function planNetwork(spec: TopoSpec, options: PlanOptions = {}): Plan {
  const base = parseIpv4Cidr(options.ipBase ?? '10.0.0.0/8');
  const byName = new Map(spec.nodes.map((n) => [n.name, n]));
  const intfs = new Map<string, PlannedInterface[]>(spec.nodes.map((n) => [n.name, []]));
  const used = new Map<string, Set<number>>(spec.nodes.map((n) => [n.name, new Set()]));

  const links: PlannedLink[] = spec.links.map((l, index) => {
    const ends = (['a', 'b'] as const).map((side) => {
      const node = side === 'a' ? l.a : l.b;
      const n = byName.get(node);
      if (!n) throw new TopologyError('unknown-node', `a link names ${node}, which is not a node of the topology`);
      const taken = used.get(node)!;
      let port = side === 'a' ? l.portA : l.portB;
      if (port === undefined) {
        port = n.kind === 'switch' ? 1 : 0;
        while (taken.has(port)) port++;
      } else if (taken.has(port)) {
        throw new TopologyError('bad-option', `${node} has two links on port ${port}`);
      }
      taken.add(port);
      const name = (side === 'a' ? l.intfA : l.intfB) ?? `${node}-eth${port}`;
      const intf: PlannedInterface = { name, port, link: index, side };
      if (n.kind === 'switch' && l.vlan !== undefined) intf.vlan = typeof l.vlan === 'number' ? portGroupVlan(l.vlan) : l.vlan;
      const ip = side === 'a' ? l.ipA : l.ipB;
      if (ip !== undefined) {
        if (n.kind !== 'host')
          throw new TopologyError('bad-option', `the link ${l.a}-${l.b} gives switch ${node} an address; only hosts have them`);
        intf.ip = withLength(ip, base.length);
      }
      intfs.get(node)!.push(intf);
      return name;
    });
    return { a: l.a, b: l.b, intfA: ends[0], intfB: ends[1], options: { ...options.linkDefaults, ...l.options } };
  });

  let rng = (options.seed ?? 1) >>> 0 || 1;
  const randomMac = (): string => {
    // Locally administered unicast, as Linux picks for veths: a random 46-bit address.
    const words = [0, 0, 0].map(() => {
      rng ^= rng << 13;
      rng ^= rng >>> 17;
      rng ^= rng << 5;
      return (rng >>> 0) & 0xffff;
    });
    return formatMac(((words[0] & 0xfeff) | 0x0200) * 2 ** 32 + words[1] * 2 ** 16 + words[2]);
  };

  const hostOrder = naturalSort(spec.nodes.filter((n) => n.kind === 'host').map((n) => n.name));
  const hostNumber = new Map(hostOrder.map((h, i) => [h, i + 1]));
  const switchOrder = naturalSort(spec.nodes.filter((n) => n.kind === 'switch').map((n) => n.name));
  const switchNumber = new Map(switchOrder.map((s, i) => [s, i + 1]));
  const nodes: PlannedNode[] = spec.nodes.map((node) => {
    const planned = intfs.get(node.name)!.sort((x, y) => x.port - y.port);
    const n = node.kind === 'switch' ? { ...options.switchDefaults, ...node } : node;
    if (n.kind === 'switch') {
      const s: PlannedSwitch = { kind: 'switch', name: n.name, intfs: planned };
      if (n.agingTime !== undefined) s.agingTime = n.agingTime;
      if (n.stp) {
        const protocol = n.stp === true ? 'stp' : n.stp;
        s.stp = { protocol, priority: n.stpPriority ?? 32768, bridgeMac: formatMac(LOCAL_BRIDGE + switchNumber.get(n.name)!) };
      }
      return s;
    }
    const num = hostNumber.get(n.name)!;
    // The first interface's address: the link's, the host's, or the next from the IP base.
    const first = planned[0];
    const own = n.ip === undefined ? undefined : withLength(n.ip, base.length);
    if (own !== undefined && first?.ip !== undefined && first.ip !== own) {
      throw new TopologyError(
        'bad-option',
        `${n.name} has ip ${own} and its first link gives ${first.name} ${first.ip}; give the address in one place`,
      );
    }
    const ip = first?.ip ?? own ?? `${formatIpv4(base.host(num))}/${base.length}`;
    if (first) first.ip = ip;
    const mac = n.mac ?? (options.autoSetMacs ? formatMac(num) : randomMac());
    planned.forEach((intf, i) => {
      intf.mac = i === 0 ? mac : nextMac(mac, i);
    });
    const h: PlannedHost = { kind: 'host', name: n.name, ip, mac, intfs: planned };
    if (n.defaultRoute !== undefined) h.defaultRoute = n.defaultRoute;
    if (n.router) h.router = true;
    return h;
  });
  // A switch port facing a host knows that host's NIC, as a vSwitch knows its vNICs' MACs.
  for (const n of nodes) {
    if (n.kind !== 'switch') continue;
    for (const intf of n.intfs) {
      const l = spec.links[intf.link];
      const peerName = intf.side === 'a' ? l.b : l.a;
      const peer = nodes.find((x) => x.name === peerName);
      if (peer?.kind !== 'host') continue;
      intf.mac = peer.intfs.find((x) => x.link === intf.link)?.mac;
      if (l.security) intf.security = l.security;
    }
  }
  return { nodes, links };
}

/** `10.0.1.1` as `10.0.1.1/LEN`; prefixes given stay. */
function withLength(ip: string, length: number): string {
  return ip.includes('/') ? ip : `${ip}/${length}`;
}

/** A host's further interfaces: its first MAC with the last byte advanced. */
function nextMac(mac: string, index: number): string {
  const parts = mac.split(':');
  parts[5] = ((Number.parseInt(parts[5], 16) + index) & 0xff).toString(16).padStart(2, '0');
  return parts.join(':');
}

/**
 * A loop among switches that one of them cannot break, as the two ends of a link on it; empty
 * when every loop runs through spanning-tree switches only. Without a spanning tree a loop
 * floods every broadcast forever, so a network with such a loop refuses to start.
 */
export function findSwitchLoop(plan: Plan): string[] {
  const switches = new Map(plan.nodes.flatMap((n) => (n.kind === 'switch' ? [[n.name, n.stp !== undefined] as const] : [])));
  const trunks = plan.links.filter((l) => switches.has(l.a) && switches.has(l.b));
  // A loop through a switch without spanning tree uses one of its links; a link is on a loop
  // when its ends stay connected without it.
  for (const link of trunks) {
    if (switches.get(link.a) && switches.get(link.b)) continue;
    const seen = new Set([link.a]);
    const todo = [link.a];
    while (todo.length > 0) {
      const at = todo.pop()!;
      for (const l of trunks) {
        if (l === link || (l.a !== at && l.b !== at)) continue;
        const next = l.a === at ? l.b : l.a;
        if (next === link.b) return [link.a, link.b];
        if (!seen.has(next)) {
          seen.add(next);
          todo.push(next);
        }
      }
    }
  }
  return [];
}
