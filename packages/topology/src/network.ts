/**
 * The network, as the main thread sees it: Mininet's `Mininet` object in TypeScript idiom.
 *
 * The main thread only controls. `start()` plans the topology (names, addresses, ports),
 * creates every link's shared memory, places nodes on workers (a worker per node, or a pool
 * of one worker per core for large networks) and waits until each worker has built its
 * nodes. Commands reach nodes through a small RPC; frames never pass through here. A worker
 * that crashes is reported, its links go down, and the rest of the network keeps running.
 * `stop()` — and process exit, SIGINT/SIGTERM, or an error during `start()` — leaves no worker,
 * timer or handle behind.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseMac } from '@vnet/frame';
import {
  auditLink,
  createLink,
  detachLinkEnd,
  type LinkAudit,
  type LinkDescriptors,
  readLinkStats,
  resolveImpairments,
  ringBytesFor,
  setLinkImpairments,
  setLinkUp,
} from '@vnet/link';
import { topoFromString } from './builtins.js';
import { TopologyError } from './errors.js';
import { impairmentsOf } from './impairments.js';
import { findSwitchLoop, type Plan, type PlannedHost, type PlannedNode, planNetwork } from './plan.js';
import { bundleProgram, type ProgramSpec } from './program.js';
import type { NodeInfo, OutputEvent, PingResult, WorkerInit } from './runtime/protocol.js';
import { RpcClient } from './runtime/rpc.js';
import type { LinkOptions, TopoSpec } from './spec.js';
import { splitWords } from './tools/args.js';
import { checkSwitchOptions, type HostOptions, type LinkParams, type SwitchOptions, Topo, topoFromSpec } from './topo.js';

export type Placement = 'auto' | 'thread' | 'pool';

/**
 * Ring bytes per link direction. A few nodes on their own threads get deep rings: when there
 * are more busy threads than cores, a receiver the scheduler leaves out for a time slice must
 * not make its neighbours drop (measured here, h1→s1→h2 at 1500 B: 25 Gbit/s with 4 MiB rings,
 * 47 Gbit/s with 16 MiB). Up to 16 links get 16 MiB (virtual: only pages traffic reaches are
 * ever resident), larger threaded networks 4 MiB. A pool packs thousands of nodes, so its rings
 * hold just two of the largest frames (64 KiB). Shaped links get at least what their
 * bandwidth × delay needs.
 */
function ringBytes(placement: 'thread' | 'pool', links: number): number {
  if (placement === 'pool') return 140 << 10;
  return links <= 16 ? 16 << 20 : 4 << 20;
}

/**
 * Up to this many nodes, `auto` gives each node its own worker; beyond, a pool of one worker
 * per core. Threads buy isolation (a crash takes one node) and parallelism while there are
 * about as many workers as cores; past that they only compete for the cores, and every hop
 * between them is a wake-up: on 2 cores a first pingall of tree,depth=2,fanout=4 took 50-64 ms
 * on 21 threads and 31 ms on a pool of 2.
 */
export function threadPlacementLimit(cores = availableParallelism()): number {
  return Math.max(4, 2 * cores);
}

export interface NetworkOptions {
  /** A Topo, its spec, or a built-in by Mininet's syntax (`tree,depth=2,fanout=3`). */
  topo?: Topo | TopoSpec | string;
  ipBase?: string;
  /** MACs from host numbers (Mininet's --mac). */
  autoSetMacs?: boolean;
  /** Static ARP entries for every host on every host (Mininet's --arp). */
  autoStaticArp?: boolean;
  /** Options for every link that does not set its own (Mininet's --link tc,…). */
  link?: LinkOptions;
  /** Options for every switch that does not set its own (Mininet's --switch ovsk,stp=1). */
  switch?: SwitchOptions;
  placement?: Placement;
  /** Seeds MACs and impairments, so that a run can be repeated. */
  seed?: number;
  /** Called while workers start, for progress bars. */
  onProgress?: (started: number, total: number) => void;
  /** Called when a node's worker fails. */
  onCrash?: (nodes: string[], error: Error) => void;
}

interface WorkerHandle {
  worker: Worker;
  rpc: RpcClient;
  nodes: string[];
  alive: boolean;
}

export interface PingAllResult {
  sent: number;
  received: number;
  /** Percent of pings that got no reply, rounded as Mininet prints it. */
  dropped: number;
  /** source → target → round-trip ms, or undefined when lost. */
  results: Array<{ source: string; target: string; received: boolean; rtt?: number }>;
}

export interface AuditReport {
  ok: boolean;
  links: Array<{ link: string; audit: LinkAudit }>;
}

export class Network {
  private readonly topo: Topo;
  private readonly options: NetworkOptions;
  private plan: Plan | undefined;
  private descriptors: LinkDescriptors[] = [];
  private workers: WorkerHandle[] = [];
  private readonly workerOf = new Map<string, WorkerHandle>();
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new';
  private readonly crashed = new Set<string>();
  private readonly exitHooks: Array<() => void> = [];
  private nextJob = 1;
  /** Where the output of running commands goes, by job. */
  private readonly outputs = new Map<number, (text: string) => void>();

  constructor(options: NetworkOptions = {}) {
    this.options = options;
    if (options.switch) checkSwitchOptions('switch option', options.switch);
    const t = options.topo;
    this.topo = t === undefined ? new Topo() : typeof t === 'string' ? topoFromString(t) : t instanceof Topo ? t : topoFromSpec(t);
  }

  addHost(name: string, options?: HostOptions): string {
    this.mustBe('new', 'add a host');
    return this.topo.addHost(name, options);
  }

  addSwitch(name: string, options?: SwitchOptions): string {
    this.mustBe('new', 'add a switch');
    return this.topo.addSwitch(name, options);
  }

  addLink(a: string, b: string, params?: LinkParams): void {
    this.mustBe('new', 'add a link');
    this.topo.addLink(a, b, params);
  }

  get hosts(): string[] {
    return this.topo.hosts();
  }

  get switches(): string[] {
    return this.topo.switches();
  }

  get running(): boolean {
    return this.state === 'running';
  }

  /** How the running network was placed: a worker per node, or a pool, and the nodes of each worker. */
  get placementInfo(): { placement: 'thread' | 'pool'; workers: string[][] } {
    return { placement: this.placement(this.layout.nodes.length), workers: this.workers.map((w) => w.nodes) };
  }

  /** The plan the network runs: every node's interfaces, addresses and links. */
  get layout(): Plan {
    return this.plan ?? planNetwork(this.topo.toSpec(), this.planOptions());
  }

  async start(): Promise<void> {
    if (this.state === 'running' || this.state === 'starting') return;
    if (this.state === 'stopped') throw new TopologyError('bad-state', 'this network was stopped; build a new Network to start again');
    this.state = 'starting';
    try {
      const plan = planNetwork(this.topo.toSpec(), this.planOptions());
      const loop = findSwitchLoop(plan);
      if (loop.length > 0) {
        throw new TopologyError(
          'loop',
          `the topology has a loop (through ${loop.join(' and ')}) that a switch without spanning tree is on, so broadcasts would circle forever: give the switches on loops stp: 'rstp' (--switch learning,rstp=1), or remove the loop`,
        );
      }
      this.plan = plan;
      const depth = ringBytes(this.placement(plan.nodes.length), plan.links.length);
      this.descriptors = plan.links.map((l, i) => {
        const { ab = {}, ba = {}, ...common } = impairmentsOf(l.options, (this.options.seed ?? 1) + i);
        const need = Math.max(
          ringBytesFor(resolveImpairments({ ...common, ...ab })),
          ringBytesFor(resolveImpairments({ ...common, ...ba })),
        );
        return createLink({ a: l.intfA, b: l.intfB, ringBytes: Math.max(depth, need), ...common, ab, ba });
      });
      this.installExitHooks();
      await this.spawnWorkers(plan);
      this.state = 'running';
      await this.waitForSpanningTree();
    } catch (e) {
      await this.teardown();
      this.state = 'stopped';
      throw e;
    }
  }

  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    await this.teardown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** A node's handle: `await net.get('h1').cmd('ping -c 1 10.0.0.2')`. */
  get(name: string): NodeHandle {
    const node = this.layout.nodes.find((n) => n.name === name);
    if (!node) throw new TopologyError('unknown-node', `there is no node ${name}; nodes are ${this.nodeNames().join(' ')}`);
    return new NodeHandle(this, node);
  }

  nodeNames(): string[] {
    return [...this.topo.switches(), ...this.topo.hosts()];
  }

  /**
   * Runs a command line on a node and returns its output, as Mininet's `cmd`. `onOutput` sees
   * the output as it comes; aborting `signal` interrupts the command (Ctrl-C at the prompt),
   * which then ends as it would on a terminal (ping prints its statistics).
   */
  async cmd(node: string, line: string, options: { onOutput?: (text: string) => void; signal?: AbortSignal } = {}): Promise<string> {
    const rpc = this.rpcFor(node);
    // `node FILE [args]`: the user's program, bundled here, runs in the host's worker.
    const words = splitWords(line);
    let program: ProgramSpec | undefined;
    if (words[0] === 'node') {
      if (!words[1])
        throw new TopologyError('bad-option', 'usage: node FILE [args…] (a JavaScript or TypeScript program to run on the host)');
      const hosts = Object.fromEntries(this.hosts.flatMap((h) => (this.get(h).ip ? [[h, this.get(h).ip as string]] : [])));
      const id = randomUUID();
      program = { code: await bundleProgram(words[1], id), id, file: words[1], args: words.slice(2), hosts };
    }
    const job = this.nextJob++;
    let out = '';
    this.outputs.set(job, (text) => {
      out += text;
      options.onOutput?.(text);
    });
    const interrupt = () => void rpc.call('interrupt', { job }).catch(() => undefined);
    options.signal?.addEventListener('abort', interrupt, { once: true });
    try {
      await rpc.call('cmd', { node, line, job, program });
    } finally {
      options.signal?.removeEventListener('abort', interrupt);
      this.outputs.delete(job);
    }
    return out;
  }

  /**
   * Waits until every switch running spanning tree has settled (each port forwarding, or in a
   * role that never forwards), as `start` does: RSTP takes milliseconds, 802.1D's listening and
   * learning twice its forward delay (30 s).
   */
  async waitForSpanningTree(timeout = 60_000): Promise<void> {
    this.mustBe('running', 'wait for spanning tree');
    const switches = this.layout.nodes.flatMap((n) => (n.kind === 'switch' && n.stp ? [n.name] : []));
    const end = performance.now() + timeout;
    for (;;) {
      const infos = await Promise.all(switches.map((s) => this.info(s)));
      const unsettled = infos.filter((i) => !i.stp?.converged).map((i) => i.name);
      if (unsettled.length === 0) return;
      if (performance.now() > end) {
        throw new TopologyError(
          'timeout',
          `spanning tree did not settle within ${timeout / 1000} s on ${unsettled.join(', ')}: see \`${unsettled[0]} stp\``,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Information about a node's interfaces, straight from its worker. */
  async info(node: string): Promise<NodeInfo> {
    return this.rpcFor(node).call<NodeInfo>('info', { node });
  }

  /** One ping from `source` to each target at once: who answered within `timeout` seconds, and how fast. */
  async pingFrom(source: string, targets: string[], timeout = 1): Promise<PingAllResult['results']> {
    this.mustBe('running', 'ping');
    const addrs = targets.map((t) => hostIp(this.hostPlan(t)));
    const res = await this.rpcFor(source)
      .call<PingResult[]>('pingMany', { node: source, targets: addrs, timeout })
      .catch((): PingResult[] => addrs.map((target) => ({ target, received: false })));
    return res.map((r, i) => ({ source, target: targets[i], received: r.received, rtt: r.rtt }));
  }

  /** Pings between every pair of the given hosts (all by default), one ping each, in parallel. */
  async pingAll(timeout = 1, hosts = this.hosts): Promise<PingAllResult> {
    this.mustBe('running', 'ping');
    const results = (
      await Promise.all(
        hosts.map((source) =>
          this.pingFrom(
            source,
            hosts.filter((h) => h !== source),
            timeout,
          ),
        ),
      )
    ).flat();
    const received = results.filter((r) => r.received).length;
    const sent = results.length;
    return { sent, received, dropped: sent === 0 ? 0 : Math.round((100 * (sent - received)) / sent), results };
  }

  /** Mininet's `ping([h1, h2])`. */
  ping(hosts: string[] = this.hosts.slice(0, 2), timeout = 1): Promise<PingAllResult> {
    return this.pingAll(timeout, hosts);
  }

  /**
   * Mininet's `iperf([h1, h2])`: a TCP test from the first host to an iperf server on the
   * second (by default the first and last hosts); returns [server rate, client rate] as iperf
   * prints them, e.g. ['9.41 Gbits/sec', '9.42 Gbits/sec'].
   */
  async iperf(
    hosts: [string, string] = [this.hosts[0], this.hosts[this.hosts.length - 1]],
    options: { seconds?: number; port?: number } = {},
  ): Promise<[string, string]> {
    this.mustBe('running', 'run iperf');
    const [client, server] = hosts;
    const seconds = options.seconds ?? 5;
    const port = options.port ?? 5201;
    const target = this.get(server).ip;
    if (!target) throw new TopologyError('bad-option', `iperf: ${server} is not a host with an address`);
    const serverOut = this.cmd(server, `iperf -s -1 -p ${port}`);
    // The listener is up once the server printed its banner.
    for (let i = 0; i < 100 && !(await this.listening(server, port)); i++) await new Promise((r) => setTimeout(r, 10));
    const clientOut = await this.cmd(client, `iperf -c ${target} -p ${port} -t ${seconds}`);
    const rate = (out: string, role: string) => new RegExp(`([\\d.]+ \\w?bits/sec)\\s+(?:\\d+\\s+)?${role}`).exec(out)?.[1];
    const clientRate = rate(clientOut, 'sender');
    const serverRate = rate(await serverOut, 'receiver');
    if (!clientRate || !serverRate) throw new TopologyError('bad-state', `iperf between ${client} and ${server} failed:\n${clientOut}`);
    return [serverRate, clientRate];
  }

  private async listening(host: string, port: number): Promise<boolean> {
    return new RegExp(`LISTEN.*:${port}\\b`).test(await this.cmd(host, 'ss -l'));
  }

  /** The links between two nodes (usually one). */
  linksBetween(a: string, b: string): LinkHandle[] {
    const plan = this.layout;
    const out: LinkHandle[] = [];
    plan.links.forEach((l, i) => {
      if ((l.a === a && l.b === b) || (l.a === b && l.b === a)) out.push(new LinkHandle(this, i));
    });
    if (out.length === 0) throw new TopologyError('unknown-link', `there is no link between ${a} and ${b}`);
    return out;
  }

  links(): LinkHandle[] {
    return this.layout.links.map((_, i) => new LinkHandle(this, i));
  }

  /** Mininet's configLinkStatus: both ends of every link between a and b go up or down. */
  configLinkStatus(a: string, b: string, status: 'up' | 'down'): void {
    this.mustBe('running', 'change a link');
    if (status !== 'up' && status !== 'down') throw new TopologyError('bad-option', `link status is up or down, not ${status}`);
    for (const l of this.linksBetween(a, b)) l.setUp(status === 'up');
  }

  /**
   * Proves that no frame vanished: on every link, in each direction, frames offered plus
   * duplicates equal frames delivered plus frames dropped (by named reason) plus frames
   * still in flight.
   */
  audit(): AuditReport {
    const plan = this.layout;
    const links = this.descriptors.map((d, i) => ({ link: `${plan.links[i].intfA}<->${plan.links[i].intfB}`, audit: auditLink(d) }));
    return { ok: links.every((l) => l.audit.balanced), links };
  }

  /**
   * Fault injection: kills the worker that runs `node` (and any node sharing it), as if it had
   * crashed. The network reports it, its links go down, the rest keeps running.
   */
  async crash(node: string): Promise<void> {
    this.mustBe('running', 'crash a node');
    this.rpcFor(node);
    const w = this.workerOf.get(node)!;
    const exited = new Promise((resolve) => w.worker.once('exit', resolve));
    await w.worker.terminate();
    await exited;
  }

  /**
   * Raw frames from `source` to `target` for `duration` ms, as Linux's pktgen sends them: the
   * datapath's capacity. Returns what the source sent and the target's link delivered.
   */
  async pktgen(
    source: string,
    target: string,
    size: number,
    duration: number,
  ): Promise<{ sent: number; delivered: number; seconds: number }> {
    this.mustBe('running', 'generate traffic');
    const dst = this.hostPlan(target);
    const into = dst.intfs[0];
    const before = this.deliveredTo(into.link, into.side);
    const r = await this.rpcFor(source).call<{ sent: number; elapsed: number }>('pktgen', {
      node: source,
      dstMac: parseMac(dst.mac),
      size,
      duration,
    });
    // Frames still in flight arrive within moments; count them too.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return { sent: r.sent, delivered: this.deliveredTo(into.link, into.side) - before, seconds: r.elapsed / 1000 };
  }

  private deliveredTo(link: number, side: 'a' | 'b'): number {
    const s = readLinkStats(this.descriptors[link]);
    return side === 'a' ? s.ba.deliveredFrames : s.ab.deliveredFrames;
  }

  /** Nodes whose worker failed. */
  get crashedNodes(): string[] {
    return [...this.crashed];
  }

  /**
   * Waits until no frame is in flight on any link (every ring drained), at most `timeout` ms:
   * counters read afterwards include everything sent before. Returns whether it got quiet.
   */
  async settle(timeout = 1000): Promise<boolean> {
    const end = performance.now() + timeout;
    let quietChecks = 0;
    while (performance.now() < end) {
      const busy = this.descriptors.some((d) => {
        const a = auditLink(d);
        return a.ab.inFlight > 0 || a.ba.inFlight > 0;
      });
      // Twice in a row: a frame just delivered may cause another to be sent.
      quietChecks = busy ? 0 : quietChecks + 1;
      if (quietChecks === 2) return true;
      await new Promise((r) => setTimeout(r, 1));
    }
    return false;
  }

  /** @internal */
  descriptor(index: number): LinkDescriptors {
    const d = this.descriptors[index];
    if (!d) throw new TopologyError('bad-state', 'the network is not running');
    return d;
  }

  /** @internal */
  reconfigureLink(index: number, options: LinkOptions): void {
    this.mustBe('running', 'configure a link');
    const l = this.layout.links[index];
    l.options = { ...l.options, ...options };
    // Impairments live in the link's shared memory: the sending ends pick them up at once. An
    // end's descriptor stands for the direction it sends on.
    const { ab = {}, ba = {}, ...common } = impairmentsOf(options, (this.options.seed ?? 1) + index);
    const d = this.descriptor(index);
    setLinkImpairments(d.a, { ...common, ...ab });
    setLinkImpairments(d.b, { ...common, ...ba });
  }

  private hostPlan(name: string): PlannedHost {
    const n = this.layout.nodes.find((x) => x.name === name);
    if (n?.kind !== 'host') throw new TopologyError('unknown-node', `${name} is not a host`);
    return n;
  }

  private planOptions() {
    const { ipBase, autoSetMacs, link: linkDefaults, switch: switchDefaults, seed } = this.options;
    return { ipBase, autoSetMacs, linkDefaults, switchDefaults, seed };
  }

  private mustBe(state: Network['state'], what: string): void {
    if (this.state !== state) {
      const why = { new: 'has not been started', starting: 'is starting', running: 'is running', stopped: 'was stopped' }[this.state];
      throw new TopologyError('bad-state', `cannot ${what}: the network ${why}`);
    }
  }

  /** @internal */
  rpcFor(node: string): RpcClient {
    if (this.crashed.has(node)) throw new TopologyError('node-crashed', `${node} has crashed; its links are down`);
    const w = this.workerOf.get(node);
    if (!w) {
      if (!this.layout.nodes.some((n) => n.name === node)) throw new TopologyError('unknown-node', `there is no node ${node}`);
      throw new TopologyError('bad-state', `cannot reach ${node}: the network is not running`);
    }
    return w.rpc;
  }

  private placement(count: number): 'thread' | 'pool' {
    const p = this.options.placement ?? 'auto';
    if (p === 'thread' || p === 'pool') return p;
    return count <= threadPlacementLimit() ? 'thread' : 'pool';
  }

  private async spawnWorkers(plan: Plan): Promise<void> {
    const groups: PlannedNode[][] = [];
    if (this.placement(plan.nodes.length) === 'thread') {
      for (const n of plan.nodes) groups.push([n]);
    } else {
      const k = Math.max(1, Math.min(availableParallelism(), plan.nodes.length));
      for (let i = 0; i < k; i++) groups.push([]);
      // Neighbours together: a switch and its hosts land in one worker, so most links stay local.
      plan.nodes.forEach((n, i) => {
        groups[Math.floor((i * k) / plan.nodes.length)].push(n);
      });
    }
    const staticArp = this.options.autoStaticArp
      ? plan.nodes.flatMap((n) =>
          n.kind === 'host' ? n.intfs.flatMap((i) => (i.ip ? [{ ip: i.ip.split('/')[0], mac: i.mac ?? n.mac }] : [])) : [],
        )
      : undefined;
    const hosts = Object.fromEntries(plan.nodes.flatMap((n) => (n.kind === 'host' ? [[n.name, n.ip.split('/')[0]]] : [])));
    let started = 0;
    this.options.onProgress?.(0, groups.length);
    await Promise.all(
      groups.map(async (nodes) => {
        const worker = spawnWorker();
        const rpc = new RpcClient(worker, (e) => {
          if (e.event === 'output') {
            const { job, text } = e.data as OutputEvent;
            this.outputs.get(job)?.(text);
          }
        });
        const handle: WorkerHandle = { worker, rpc, nodes: nodes.map((n) => n.name), alive: true };
        this.workers.push(handle);
        for (const n of nodes) this.workerOf.set(n.name, handle);
        worker.on('error', (e) => this.onWorkerFailure(handle, e));
        worker.on('exit', (code) => {
          if (handle.alive && this.state !== 'stopped') this.onWorkerFailure(handle, new Error(`worker exited with code ${code}`));
        });
        const init: WorkerInit = {
          nodes,
          linkEnds: nodes.flatMap((n) =>
            n.intfs.map((i) => ({ link: i.link, side: i.side, descriptor: this.descriptors[i.link][i.side] })),
          ),
          staticArp,
          hosts,
          seed: this.options.seed ?? 1,
        };
        await handle.rpc.call('init', init);
        this.options.onProgress?.(++started, groups.length);
      }),
    );
  }

  private onWorkerFailure(handle: WorkerHandle, error: Error): void {
    if (!handle.alive) return;
    handle.alive = false;
    handle.rpc.fail(new TopologyError('node-crashed', `${handle.nodes.join(', ')} crashed: ${error.message}`));
    for (const n of handle.nodes) this.crashed.add(n);
    // The crashed nodes' links go down, so their neighbours see carrier loss, not a black hole.
    const plan = this.plan;
    if (plan) {
      for (const n of plan.nodes) {
        if (!handle.nodes.includes(n.name)) continue;
        for (const intf of n.intfs) detachLinkEnd(this.descriptors[intf.link][intf.side]);
      }
    }
    this.options.onCrash?.(handle.nodes, error);
  }

  private async teardown(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    this.workerOf.clear();
    for (const w of workers) {
      w.alive = false;
      w.rpc.fail(new TopologyError('bad-state', 'the network was stopped'));
    }
    await Promise.all(workers.map((w) => w.worker.terminate().catch(() => undefined)));
    for (const hook of this.exitHooks.splice(0)) hook();
  }

  /** Workers die with the process anyway; the hooks make Ctrl-C and kill stop the network first. */
  private installExitHooks(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      void this.stop().then(() => {
        process.kill(process.pid, signal);
      });
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      if (process.listenerCount(signal) > 0) continue;
      const handler = () => onSignal(signal);
      process.once(signal, handler);
      this.exitHooks.push(() => process.off(signal, handler));
    }
  }
}

export class NodeHandle {
  constructor(
    private readonly net: Network,
    readonly plan: PlannedNode,
  ) {}

  get name(): string {
    return this.plan.name;
  }

  get kind(): 'host' | 'switch' {
    return this.plan.kind;
  }

  /** The address of a host's first interface (`10.0.0.1`). */
  get ip(): string | undefined {
    return this.plan.kind === 'host' ? hostIp(this.plan) : undefined;
  }

  get mac(): string | undefined {
    return this.plan.kind === 'host' ? this.plan.mac : undefined;
  }

  get intfNames(): string[] {
    return this.plan.intfs.map((i) => i.name);
  }

  /**
   * Runs a Node.js program (JavaScript or TypeScript, bundled with esbuild) on the host, with
   * `net`, `http`, `dgram` and `dns` bound to the host's stack; resolves with its output when it
   * exits (when nothing keeps it alive, or on `process.exit`). Abort `signal` to stop it.
   */
  spawn(file: string, args: string[] = [], options?: { onOutput?: (text: string) => void; signal?: AbortSignal }): Promise<string> {
    const quote = (w: string) => (/[\s"']/.test(w) ? `'${w.replaceAll("'", '')}'` : w);
    return this.net.cmd(this.plan.name, ['node', file, ...args].map(quote).join(' '), options);
  }

  /** Runs a command line on the node, as Mininet's `node.cmd()`, and returns its output. */
  cmd(line: string, options?: { onOutput?: (text: string) => void; signal?: AbortSignal }): Promise<string> {
    return this.net.cmd(this.plan.name, line, options);
  }
}

export class LinkHandle {
  constructor(
    private readonly net: Network,
    readonly index: number,
  ) {}

  get spec() {
    return this.net.layout.links[this.index];
  }

  setUp(up: boolean): void {
    setLinkUp(this.net.descriptor(this.index), up);
  }

  /** Changes impairments at run time: `link.configure({ delay: '10ms', loss: 1 })`. */
  configure(options: LinkOptions): void {
    this.net.reconfigureLink(this.index, options);
  }

  stats() {
    return readLinkStats(this.net.descriptor(this.index));
  }
}

function hostIp(h: PlannedHost): string {
  return h.ip.split('/')[0];
}

function spawnWorker(): Worker {
  // From the TypeScript sources (tests, development) the worker starts through tsx; the
  // published package runs the compiled worker.
  if (import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./runtime/dev-worker.mjs', import.meta.url), { execArgv: ['--conditions=development'] });
  }
  return new Worker(new URL('./runtime/worker.js', import.meta.url));
}
