import { parseIpv4, parseIpv4Cidr } from '@vnet/frame';
import { TopologyError } from './errors.js';
import type { HostSpec, LinkOptions, LinkSpec, NodeSpec, SwitchSpec, TopoSpec } from './spec.js';

export type HostOptions = Omit<HostSpec, 'kind' | 'name'>;
export type SwitchOptions = Omit<SwitchSpec, 'kind' | 'name'>;
export type LinkParams = LinkOptions & Pick<LinkSpec, 'intfA' | 'intfB' | 'portA' | 'portB' | 'ipA' | 'ipB' | 'vlan' | 'security'>;

const NAME = /^[a-zA-Z][a-zA-Z0-9_.]{0,31}$/;

/**
 * A topology under construction, Mininet's `Topo`: subclass it and override `build`, which the
 * constructor calls with its arguments, or call the add methods on an instance.
 *
 * ```ts
 * class Pair extends Topo {
 *   override build() {
 *     const s1 = this.addSwitch('s1');
 *     this.addLink(this.addHost('h1'), s1, { bw: 10, delay: '5ms' });
 *     this.addLink(this.addHost('h2'), s1);
 *   }
 * }
 * ```
 */
export class Topo {
  private readonly nodes = new Map<string, NodeSpec>();
  private readonly linkList: LinkSpec[] = [];

  constructor(...args: unknown[]) {
    this.build(...args);
  }

  build(..._args: unknown[]): void {}

  addHost(name: string, options: HostOptions = {}): string {
    return this.addNode({ ...options, kind: 'host', name });
  }

  addSwitch(name: string, options: SwitchOptions = {}): string {
    checkSwitchOptions(name, options);
    return this.addNode({ ...options, kind: 'switch', name });
  }

  addLink(a: string, b: string, params: LinkParams = {}): void {
    for (const n of [a, b]) {
      if (!this.nodes.has(n)) throw new TopologyError('unknown-node', `cannot link ${a} and ${b}: there is no node ${n}; add it first`);
    }
    if (a === b) throw new TopologyError('bad-option', `cannot link ${a} to itself`);
    const { intfA, intfB, portA, portB, ipA, ipB, vlan, security, ...options } = params;
    const link: LinkSpec = { a, b };
    for (const [end, ip, key] of [[a, ipA, 'ipA'] as const, [b, ipB, 'ipB'] as const]) {
      if (ip === undefined) continue;
      if (this.nodes.get(end)?.kind !== 'host') {
        throw new TopologyError(
          'bad-option',
          `${key} gives ${end} an address, but ${end} is a switch: only host ends of a link have addresses`,
        );
      }
      checkCidr(`${key} of the link ${a}-${b}`, ip);
      link[key] = ip;
    }
    if (typeof vlan === 'number' && !(Number.isInteger(vlan) && vlan >= 0 && vlan <= 4095)) {
      throw new TopologyError('bad-option', `vlan ${vlan} is not a port-group VLAN ID: 0 (none), 1-4094, or 4095 (trunk of all)`);
    }
    if (vlan !== undefined) link.vlan = vlan;
    if (security !== undefined) link.security = security;
    if (intfA !== undefined) link.intfA = intfA;
    if (intfB !== undefined) link.intfB = intfB;
    if (portA !== undefined) link.portA = portA;
    if (portB !== undefined) link.portB = portB;
    if (Object.keys(options).length > 0) link.options = options;
    this.linkList.push(link);
  }

  /** Host names in natural order (h2 before h10), the order Mininet numbers their addresses in. */
  hosts(): string[] {
    return naturalSort([...this.nodes.values()].filter((n) => n.kind === 'host').map((n) => n.name));
  }

  switches(): string[] {
    return naturalSort([...this.nodes.values()].filter((n) => n.kind === 'switch').map((n) => n.name));
  }

  /** The topology as plain data. */
  toSpec(): TopoSpec {
    return { nodes: [...this.nodes.values()].map((n) => ({ ...n })), links: this.linkList.map((l) => ({ ...l })) };
  }

  private addNode(node: NodeSpec): string {
    if (!NAME.test(node.name)) {
      throw new TopologyError(
        'bad-option',
        `"${node.name}" is not a node name: start with a letter, then letters, digits, _ or . (32 at most)`,
      );
    }
    if (this.nodes.has(node.name)) throw new TopologyError('duplicate-name', `there is already a node called ${node.name}`);
    if (node.kind === 'host') {
      if (node.ip !== undefined) checkCidr(`ip of ${node.name}`, node.ip);
      if (node.router !== undefined && typeof node.router !== 'boolean') {
        throw new TopologyError('bad-option', `${node.name}: router is true or false, not ${String(node.router)}`);
      }
    }
    this.nodes.set(node.name, node);
    return node.name;
  }
}

/** Throws a TopologyError naming `who` for switch options that cannot work. */
export function checkSwitchOptions(who: string, options: SwitchOptions): void {
  const { stp, stpPriority } = options;
  if (stp !== undefined && typeof stp !== 'boolean' && stp !== 'stp' && stp !== 'rstp') {
    throw new TopologyError('bad-option', `${who}: stp is true, false, 'stp' (802.1D) or 'rstp' (802.1w), not ${String(stp)}`);
  }
  if (stpPriority !== undefined && !(Number.isInteger(stpPriority) && stpPriority >= 0 && stpPriority <= 0xffff)) {
    throw new TopologyError(
      'bad-option',
      `${who}: stpPriority is an integer in 0-65535 (default 32768; lowest is root), not ${stpPriority}`,
    );
  }
}

/** Throws a TopologyError naming `what` unless `ip` is an IPv4 address, with or without a prefix length. */
function checkCidr(what: string, ip: string): void {
  try {
    if (typeof ip !== 'string') throw new Error();
    if (ip.includes('/')) parseIpv4Cidr(ip);
    else parseIpv4(ip);
  } catch {
    throw new TopologyError('bad-option', `${what}: "${String(ip)}" is not an IPv4 address; write it like 10.0.1.1/24`);
  }
}

/** Sorts names so that embedded numbers compare as numbers: h1, h2, h10. */
export function naturalSort(names: string[]): string[] {
  const collator = new Intl.Collator('en', { numeric: true });
  return [...names].sort(collator.compare);
}

/** A Topo built from a spec (a saved topology, one posted between threads). */
export function topoFromSpec(spec: TopoSpec): Topo {
  const t = new Topo();
  for (const n of spec.nodes) {
    if (n.kind === 'host') {
      const { kind: _, name, ...rest } = n;
      t.addHost(name, rest);
    } else {
      const { kind: _, name, ...rest } = n;
      t.addSwitch(name, rest);
    }
  }
  for (const l of spec.links) {
    const { a, b, options, ...rest } = l;
    t.addLink(a, b, { ...options, ...rest });
  }
  return t;
}
