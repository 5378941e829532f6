import { TopologyError } from './errors.js';
import { Topo } from './topo.js';

// Mininet's built-in topologies, with its names, parameters and node naming.

/** h1 — s1 — h2. */
export class MinimalTopo extends Topo {
  override build(): void {
    const s1 = this.addSwitch('s1');
    this.addLink(this.addHost('h1'), s1);
    this.addLink(this.addHost('h2'), s1);
  }
}

/** One switch with k hosts. */
export class SingleSwitchTopo extends Topo {
  override build(k = 2): void {
    const s1 = this.addSwitch('s1');
    for (let i = 1; i <= k; i++) this.addLink(this.addHost(`h${i}`), s1);
  }
}

/** One switch with k hosts, linked in reverse order (h1 ends up on the highest port). */
export class SingleSwitchReversedTopo extends Topo {
  override build(k = 2): void {
    const s1 = this.addSwitch('s1');
    for (let i = k; i >= 1; i--) this.addLink(this.addHost(`h${i}`), s1, { portB: i });
  }
}

/** k switches in a line, n hosts on each (hosts h1…hk, or h1s1, h2s1… when n > 1). */
export class LinearTopo extends Topo {
  override build(k = 2, n = 1): void {
    let last: string | undefined;
    for (let i = 1; i <= k; i++) {
      const sw = this.addSwitch(`s${i}`);
      for (let j = 1; j <= n; j++) this.addLink(this.addHost(n === 1 ? `h${i}` : `h${j}s${i}`), sw);
      if (last) this.addLink(sw, last);
      last = sw;
    }
  }
}

/** A tree of switches `depth` levels deep with `fanout` children each; hosts at the leaves. */
export class TreeTopo extends Topo {
  private hostNum = 1;
  private switchNum = 1;

  override build(depth = 1, fanout = 2): void {
    this.hostNum = 1;
    this.switchNum = 1;
    this.addTree(depth, fanout);
  }

  private addTree(depth: number, fanout: number): string {
    if (depth === 0) return this.addHost(`h${this.hostNum++}`);
    const node = this.addSwitch(`s${this.switchNum++}`);
    for (let i = 0; i < fanout; i++) this.addLink(node, this.addTree(depth - 1, fanout));
    return node;
  }
}

/** An x × y grid of switches wrapped into a torus, n hosts on each: it has loops, which its switches break with RSTP. */
export class TorusTopo extends Topo {
  override build(x = 3, y = 3, n = 1): void {
    if (x < 3 || y < 3) throw new TopologyError('bad-option', `torus needs at least 3x3 switches, not ${x}x${y}`);
    const sw = (i: number, j: number) => `s${i + 1}x${j + 1}`;
    for (let i = 0; i < x; i++) {
      for (let j = 0; j < y; j++) {
        const s = this.addSwitch(sw(i, j), { stp: 'rstp' });
        for (let k = 1; k <= n; k++) this.addLink(this.addHost(n === 1 ? `h${i + 1}x${j + 1}` : `h${i + 1}x${j + 1}x${k}`), s);
      }
    }
    for (let i = 0; i < x; i++) {
      for (let j = 0; j < y; j++) {
        this.addLink(sw(i, j), sw(i, (j + 1) % y));
        this.addLink(sw(i, j), sw((i + 1) % x, j));
      }
    }
  }
}

/**
 * Mininet's LinuxRouter example, generalised: the router r1 joins k subnets 10.0.I.0/24 (its
 * address .1 on each), each a switch sI with n hosts from .100 up, whose default route is r1.
 * Hosts are h1…hk, or h1s1, h2s1… when n > 1.
 */
export class RouterTopo extends Topo {
  override build(k = 2, n = 1): void {
    if (k > 254 || n > 154) throw new TopologyError('bad-option', `router takes at most 254 subnets of 154 hosts, not ${k}x${n}`);
    const r1 = this.addHost('r1', { router: true });
    for (let i = 1; i <= k; i++) {
      const sw = this.addSwitch(`s${i}`);
      this.addLink(r1, sw, { ipA: `10.0.${i}.1/24` });
      for (let j = 1; j <= n; j++) {
        const host = this.addHost(n === 1 ? `h${i}` : `h${j}s${i}`, { ip: `10.0.${i}.${99 + j}/24`, defaultRoute: `via 10.0.${i}.1` });
        this.addLink(host, sw);
      }
    }
  }
}

interface BuiltinTopo {
  make(positional: number[], named: Record<string, number>): Topo;
  usage: string;
  params: string[];
}

function arg(positional: number[], named: Record<string, number>, index: number, name: string, fallback: number): number {
  return named[name] ?? positional[index] ?? fallback;
}

export const TOPOS: Record<string, BuiltinTopo> = {
  minimal: { usage: 'minimal', params: [], make: () => new MinimalTopo() },
  single: { usage: 'single,K', params: ['k'], make: (p, n) => new SingleSwitchTopo(arg(p, n, 0, 'k', 2)) },
  reversed: { usage: 'reversed,K', params: ['k'], make: (p, n) => new SingleSwitchReversedTopo(arg(p, n, 0, 'k', 2)) },
  linear: { usage: 'linear,K[,N]', params: ['k', 'n'], make: (p, n) => new LinearTopo(arg(p, n, 0, 'k', 2), arg(p, n, 1, 'n', 1)) },
  tree: {
    usage: 'tree,depth=D,fanout=F',
    params: ['depth', 'fanout'],
    make: (p, n) => new TreeTopo(arg(p, n, 0, 'depth', 1), arg(p, n, 1, 'fanout', 2)),
  },
  torus: {
    usage: 'torus,X,Y[,N]',
    params: ['x', 'y', 'n'],
    make: (p, n) => new TorusTopo(arg(p, n, 0, 'x', 3), arg(p, n, 1, 'y', 3), arg(p, n, 2, 'n', 1)),
  },
  router: { usage: 'router,K[,N]', params: ['k', 'n'], make: (p, n) => new RouterTopo(arg(p, n, 0, 'k', 2), arg(p, n, 1, 'n', 1)) },
};

/**
 * A built-in topology from Mininet's `--topo` syntax: `tree,depth=2,fanout=3`, `linear,4`,
 * `single,3`. Parameters are positive integers, given in order or by name.
 */
export function topoFromString(text: string): Topo {
  const [name, ...rest] = text.split(',').map((s) => s.trim());
  const t = TOPOS[name];
  if (!t) {
    throw new TopologyError(
      'bad-option',
      `unknown topology "${name}"; choose one of: ${Object.values(TOPOS)
        .map((x) => x.usage)
        .join(', ')}`,
    );
  }
  const positional: number[] = [];
  const named: Record<string, number> = {};
  for (const part of rest) {
    const [key, value] = part.includes('=') ? part.split('=', 2) : [undefined, part];
    const v = Number(value);
    if (!Number.isInteger(v) || v < 1 || v > 100_000) {
      throw new TopologyError('bad-option', `${name}: "${part}" is not a positive whole number; usage: ${t.usage}`);
    }
    if (key === undefined) positional.push(v);
    else if (t.params.includes(key)) named[key] = v;
    else throw new TopologyError('bad-option', `${name} has no parameter "${key}"; usage: ${t.usage}`);
  }
  if (positional.length > t.params.length)
    throw new TopologyError('bad-option', `${name} takes at most ${t.params.length} parameters; usage: ${t.usage}`);
  return t.make(positional, named);
}
