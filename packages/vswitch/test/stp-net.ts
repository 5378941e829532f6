// An emulated network of spanning tree bridges for the stp-*.test.ts files: bridges joined by
// point-to-point links that carry BPDUs with a propagation delay, an emulated clock that jumps
// from event to event, and links that can be cut (carrier lost) or silently broken.
import { SpanningTree, type SpanningTreeOptions, type StpPortOptions, type StpProtocol } from '../src/index.js';

export interface LinkEnd {
  bridge: string;
  port: number;
}

export interface NetLink {
  a: LinkEnd;
  b: LinkEnd;
  /** Carries frames. */
  up: boolean;
}

interface InFlight {
  at: number;
  to: LinkEnd;
  link: NetLink;
  frame: Uint8Array;
}

export interface NetBridge {
  name: string;
  stp: SpanningTree;
  /** Every flush the bridge asked for: when, and which port. */
  flushes: Array<{ at: number; port: number }>;
  /** Every BPDU it sent. */
  sent: Array<{ at: number; port: number; frame: Uint8Array }>;
}

export class StpNet {
  now = 0;
  /** When a port last changed role or state (ms). */
  lastChange = 0;
  readonly bridges = new Map<string, NetBridge>();
  readonly links: NetLink[] = [];
  private readonly ends = new Map<string, NetLink>();
  private inFlight: InFlight[] = [];
  private snapshot = '';

  constructor(
    readonly protocol: StpProtocol,
    /** Propagation delay of every link (ms). */
    readonly delay = 1,
  ) {}

  /** Adds a bridge; its MAC is its number unless options say otherwise. */
  add(name: string, mac: number, options: Partial<SpanningTreeOptions> = {}): SpanningTree {
    const b: NetBridge = { name, stp: undefined as unknown as SpanningTree, flushes: [], sent: [] };
    b.stp = new SpanningTree({
      bridgeMac: mac,
      protocol: this.protocol,
      now: this.now,
      send: (port, frame) => this.send(b, port, frame),
      onFlush: (port) => b.flushes.push({ at: this.now, port }),
      ...options,
    });
    this.bridges.set(name, b);
    return b.stp;
  }

  get(name: string): SpanningTree {
    const b = this.bridges.get(name);
    if (!b) throw new Error(`no bridge ${name}`);
    return b.stp;
  }

  bridge(name: string): NetBridge {
    return this.bridges.get(name)!;
  }

  /** Wires port `pa` of `a` to port `pb` of `b`, adding the ports (a number for options is a path cost). */
  link(a: string, pa: number, b: string, pb: number, options: { a?: StpPortOptions | number; b?: StpPortOptions | number } = {}): NetLink {
    const l: NetLink = { a: { bridge: a, port: pa }, b: { bridge: b, port: pb }, up: true };
    this.links.push(l);
    this.ends.set(`${a}:${pa}`, l);
    this.ends.set(`${b}:${pb}`, l);
    const of = (o: StpPortOptions | number | undefined) => (typeof o === 'number' ? { pathCost: o } : (o ?? {}));
    this.get(a).addPort(pa, of(options.a));
    this.get(b).addPort(pb, of(options.b));
    return l;
  }

  linkBetween(a: string, b: string): NetLink {
    const l = this.links.find((x) => (x.a.bridge === a && x.b.bridge === b) || (x.a.bridge === b && x.b.bridge === a));
    if (!l) throw new Error(`no link ${a}-${b}`);
    return l;
  }

  /** Cuts a link: both ends lose carrier (and see it), frames in flight are lost. */
  cut(l: NetLink): void {
    this.break(l);
    this.get(l.a.bridge).setPortUp(l.a.port, false);
    this.get(l.b.bridge).setPortUp(l.b.port, false);
    this.observe();
  }

  /** Breaks a link without either end noticing: frames just stop arriving. */
  break(l: NetLink): void {
    l.up = false;
    this.inFlight = this.inFlight.filter((f) => f.link !== l);
  }

  /** Restores a cut link. */
  restore(l: NetLink): void {
    l.up = true;
    this.get(l.a.bridge).setPortUp(l.a.port, true);
    this.get(l.b.bridge).setPortUp(l.b.port, true);
    this.observe();
  }

  /** Cuts every link of a bridge: the bridge has failed. */
  fail(name: string): void {
    for (const l of this.links) if (l.up && (l.a.bridge === name || l.b.bridge === name)) this.cut(l);
  }

  /** Hands a frame to a bridge's port as if it came off its link (for malformed-input tests). */
  inject(name: string, port: number, frame: Uint8Array): void {
    const s = this.get(name);
    s.poll(this.now);
    s.receiveBpdu(port, frame, 0, frame.length);
    this.observe();
  }

  private send(b: NetBridge, port: number, frame: Uint8Array): void {
    b.sent.push({ at: this.now, port, frame });
    const l = this.ends.get(`${b.name}:${port}`);
    if (!l?.up) return;
    const to = l.a.bridge === b.name && l.a.port === port ? l.b : l.a;
    this.inFlight.push({ at: this.now + this.delay, to, link: l, frame });
  }

  /** Runs the network for `ms` of emulated time. */
  run(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      let next = Number.POSITIVE_INFINITY;
      for (const f of this.inFlight) next = Math.min(next, f.at);
      for (const b of this.bridges.values()) next = Math.min(next, b.stp.pollAt());
      if (next > until) break;
      this.now = Math.max(this.now, next);
      const due = this.inFlight.filter((f) => f.at <= this.now);
      this.inFlight = this.inFlight.filter((f) => f.at > this.now);
      for (const f of due) {
        const s = this.get(f.to.bridge);
        s.poll(this.now);
        s.receiveBpdu(f.to.port, f.frame, 0, f.frame.length);
      }
      for (const b of this.bridges.values()) if (b.stp.pollAt() <= this.now) b.stp.poll(this.now);
      this.observe();
    }
    this.now = until;
    for (const b of this.bridges.values()) b.stp.poll(this.now);
    this.observe();
  }

  /** Runs until nothing has changed for `quiet` ms (or `limit` ms passed); returns the time of the last change. */
  settle(quiet = 60_000, limit = 600_000): number {
    const start = this.now;
    while (this.now - start < limit) {
      this.run(1000);
      if (this.now - Math.max(this.lastChange, start) >= quiet) break;
    }
    return this.lastChange;
  }

  private observe(): void {
    let s = '';
    for (const b of this.bridges.values()) {
      for (const n of b.stp.portNumbers()) s += `${b.name}.${n}:${b.stp.portRole(n)}/${b.stp.portState(n)} `;
    }
    if (s !== this.snapshot) {
      this.snapshot = s;
      this.lastChange = this.now;
    }
  }

  /** Links whose two ends both forward. */
  activeLinks(): NetLink[] {
    return this.links.filter((l) => l.up && this.get(l.a.bridge).forwards(l.a.port) && this.get(l.b.bridge).forwards(l.b.port));
  }

  /** Whether the forwarding links join `names` into one tree: connected, and no cycle. */
  isSpanningTree(names: string[] = [...this.bridges.keys()]): boolean {
    const active = this.activeLinks().filter((l) => names.includes(l.a.bridge) && names.includes(l.b.bridge));
    const parent = new Map(names.map((n) => [n, n]));
    const find = (n: string): string => (parent.get(n) === n ? n : find(parent.get(n)!));
    for (const l of active) {
      const [x, y] = [find(l.a.bridge), find(l.b.bridge)];
      if (x === y) return false;
      parent.set(x, y);
    }
    return new Set(names.map(find)).size === 1;
  }

  /** Every port of the given bridges, with its role and state. */
  ports(names: string[] = [...this.bridges.keys()]): Array<{ bridge: string; port: number; role: string; state: string }> {
    return names.flatMap((name) => {
      const s = this.get(name);
      return s.portNumbers().map((port) => ({ bridge: name, port, role: s.portRole(port), state: s.portState(port) }));
    });
  }
}

/**
 * Bridges r, a and b (MACs 1, 2, 3) in a triangle: r:1–a:1, r:2–b:1, a:2–b:2. `legacy` names a
 * bridge that runs STP whatever the others run; `cost` sets one path cost on every port.
 */
export function triangle(protocol: StpProtocol, options: { legacy?: string; cost?: number } = {}): StpNet {
  const net = new StpNet(protocol);
  for (const [name, mac] of [
    ['r', 1],
    ['a', 2],
    ['b', 3],
  ] as const) {
    net.add(name, mac, name === options.legacy ? { protocol: 'stp' } : {});
  }
  const cost = options.cost === undefined ? {} : { a: options.cost, b: options.cost };
  net.link('r', 1, 'a', 1, cost);
  net.link('r', 2, 'b', 1, cost);
  net.link('a', 2, 'b', 2, cost);
  return net;
}

/** A 3x3 (or rows × cols) torus as Mininet's `--topo torus,3,3` wires its switches: s<r><c>, right and down neighbours. */
export function torus(net: StpNet, rows = 3, cols = 3, options: (name: string) => Partial<SpanningTreeOptions> = () => ({})): void {
  const name = (r: number, c: number) => `s${r + 1}${c + 1}`;
  const nextPort = new Map<string, number>();
  const port = (n: string) => {
    const p = (nextPort.get(n) ?? 0) + 1;
    nextPort.set(n, p);
    return p;
  };
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) net.add(name(r, c), 0x0000_0000_0100 + r * cols + c + 1, options(name(r, c)));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const here = name(r, c);
      const right = name(r, (c + 1) % cols);
      const down = name((r + 1) % rows, c);
      net.link(here, port(here), right, port(right));
      net.link(here, port(here), down, port(down));
    }
  }
}
