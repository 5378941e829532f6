/**
 * A host: one TCP/IP stack over the node's link ends, and a shell of built-in commands
 * (ping, ip, ifconfig, arp, route, hostname), as a Mininet host is a kernel with a shell.
 */
import { formatIpv4, parseIpv4, parseMac } from '@vnet/frame';
import type { LinkEnd } from '@vnet/link';
import { Stack } from '@vnet/netstack';
import { TopologyError } from '../errors.js';
import type { PlannedHost } from '../plan.js';
import type { ProgramSpec } from '../program.js';
import { splitWords } from '../tools/args.js';
import { curl } from '../tools/curl.js';
import { ip } from '../tools/ip.js';
import { iperf } from '../tools/iperf.js';
import { nc } from '../tools/nc.js';
import { arp, ifconfig, route } from '../tools/net-tools.js';
import { nft } from '../tools/nft.js';
import { type PingHost, ping } from '../tools/ping.js';
import { type PktgenOptions, type PktgenResult, pktgen } from '../tools/pktgen.js';
import { ss } from '../tools/ss.js';
import { sysctl } from '../tools/sysctl.js';
import type { Poller } from './poller.js';
import { Program } from './program-runner.js';
import type { NodeInfo, PingResult } from './protocol.js';

const TOOLS = 'ping, ip (addr, link, route, neigh), ifconfig, arp, route, sysctl, nft, iperf, nc, curl, ss, node, hostname, help';

export class HostNode implements PingHost {
  readonly stack: Stack;
  private readonly ports: LinkEnd[] = [];
  private echoId = 0;

  constructor(
    readonly plan: PlannedHost,
    ends: Map<string, LinkEnd>,
    private readonly poller: Poller,
    random: () => number,
    /** The network's host names and addresses (its /etc/hosts). */
    readonly hosts: Record<string, string> = {},
  ) {
    this.stack = new Stack({ hostname: plan.name, random });
    for (const intf of plan.intfs) {
      const port = ends.get(intf.name);
      if (!port) throw new TopologyError('bad-state', `${plan.name}: no link end for ${intf.name}`);
      this.ports.push(port);
      this.stack.addInterface({ name: intf.name, port, mac: intf.mac ?? plan.mac });
      // The stack handles frames at the time it was last polled: poll once per burst of
      // arrivals (a clock read per frame would cost more than the frame), so round trips are
      // measured when the burst came in.
      const receive = port.onFrame;
      port.onFrame = (bytes, offset, length) => {
        if (!this.polledThisTurn) this.pollForArrivals();
        if (this.programs.size === 0) receive(bytes, offset, length);
        else {
          // A program's callback may throw from inside the stack: that program crashes, as
          // a Node process with an uncaught exception would; the host goes on.
          try {
            receive(bytes, offset, length);
          } catch (e) {
            for (const p of this.programs) p.crash(e);
          }
        }
      };
    }
    // The first interface has the host's address; others have theirs from their links (ipA/ipB).
    plan.intfs.forEach((intf, i) => {
      const cidr = intf.ip ?? (i === 0 ? plan.ip : undefined);
      if (cidr !== undefined) this.stack.addAddress(intf.name, cidr);
    });
    // As in Mininet, a host has only its connected route unless it is given a default route.
    if (plan.defaultRoute) this.stack.routes.add(defaultRoute(plan.defaultRoute));
    // Mininet's LinuxRouter: sysctl net.ipv4.ip_forward=1 at start.
    if (plan.router) this.stack.forwarding = true;
    poller.add(this.stack);
  }

  now(): number {
    return this.poller.now();
  }

  private polledThisTurn = false;
  /** Node.js programs running on this host. */
  private readonly programs = new Set<Program>();

  private pollForArrivals(): void {
    this.polledThisTurn = true;
    this.stack.poll(this.poller.now());
    queueMicrotask(() => {
      this.polledThisTurn = false;
      this.poller.replan();
    });
  }

  kick(): void {
    this.poller.pollNow();
  }

  nextEchoId(): number {
    this.echoId = (this.echoId % 0xffff) + 1;
    return this.echoId;
  }

  /** Mininet's --arp: an entry for each address on one of this host's subnets (others are skipped, as `arp -s` fails on them). */
  addStaticArp(entries: Array<{ ip: string; mac: string }>): void {
    for (const e of entries) {
      const r = this.stack.routes.lookup(e.ip);
      if (r?.type === 'unicast' && r.via === undefined) this.stack.arp.add(e.ip, e.mac, { permanent: true });
    }
  }

  info(): NodeInfo {
    return {
      name: this.plan.name,
      kind: 'host',
      intfs: this.stack
        .interfaces()
        .filter((i) => !i.loopback)
        .map((i) => ({ name: i.name, mac: i.mac, ip: i.addresses[0]?.address, up: i.running })),
    };
  }

  /** Runs a command line, writing its output as it comes; a failing command ends with its complaint. */
  async run(line: string, write: (text: string) => void, signal: AbortSignal): Promise<void> {
    // The one pipe a host shell knows: `echo TEXT | cmd` gives cmd TEXT as its standard input.
    const piped = /^\s*echo\s+(.*?)\s*\|\s*(\S.*)$/.exec(line);
    const stdin = piped ? `${splitWords(piped[1]).join(' ')}\n` : undefined;
    const [tool, ...args] = splitWords(piped ? piped[2] : line);
    try {
      this.kick();
      switch (tool) {
        case undefined:
          break;
        case 'ping':
          await ping(this, args, write, signal);
          break;
        case 'ip':
          write(ip(this.stack, args));
          break;
        case 'ifconfig':
          write(ifconfig(this.stack, args));
          break;
        case 'arp':
          write(arp(this.stack, args));
          break;
        case 'route':
          write(route(this.stack, args));
          break;
        case 'sysctl':
          write(sysctl(this.stack, args));
          break;
        case 'nft':
          write(nft(this.stack, args));
          break;
        case 'iperf':
        case 'iperf3':
          await iperf(this, args, write, signal);
          break;
        case 'nc':
          await nc(this, args, write, signal, stdin);
          break;
        case 'curl':
          await curl(this, args, write, signal);
          break;
        case 'ss':
        case 'netstat':
          write(ss(this.stack, args));
          break;
        case 'hostname':
          write(`${this.plan.name}\n`);
          break;
        case 'help':
          write(`Commands on a host: ${TOOLS}.\n`);
          break;
        default:
          throw new TopologyError('unknown-command', `${tool}: command not found; a vnet host knows ${TOOLS}`);
      }
    } catch (e) {
      write(`${(e as Error).message}\n`);
    } finally {
      this.poller.replan();
    }
  }

  /** One ping to each target at once, for pingall: who answered within `timeout` seconds. */
  async pingMany(targets: string[], timeout: number): Promise<PingResult[]> {
    const id = this.nextEchoId();
    const results: PingResult[] = targets.map((target) => ({ target, received: false }));
    const bySeq = new Map(targets.map((_, i) => [i + 1, i]));
    let pending = targets.length;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    const sub = this.stack.onEcho(id, (e) => {
      const i = bySeq.get(e.seq);
      if (i === undefined || e.kind !== 'reply' || results[i].received || formatIpv4(e.from) !== targets[i]) return;
      results[i].received = true;
      results[i].rtt = e.rtt;
      if (--pending === 0) done();
    });
    const timer = setTimeout(done, timeout * 1000);
    try {
      this.kick();
      for (let i = 0; i < targets.length; i++) this.stack.ping(parseIpv4(targets[i]), { id, seq: i + 1 });
      this.poller.replan();
      if (pending > 0) await finished;
    } finally {
      clearTimeout(timer);
      sub.close();
    }
    return results;
  }

  /** Sends raw frames out of the first interface (the datapath benchmark's traffic source). */
  generate(o: Omit<PktgenOptions, 'srcMac'>): Promise<PktgenResult> {
    const port = this.ports[0];
    if (!port) throw new TopologyError('bad-state', `${this.plan.name} has no interface`);
    return pktgen(port, { ...o, srcMac: parseMac(this.plan.mac) });
  }

  /** Runs a user's Node.js program on this host until it exits or is interrupted. */
  async runProgram(spec: ProgramSpec, write: (text: string) => void, signal: AbortSignal): Promise<void> {
    const program = new Program(this, spec, write);
    this.programs.add(program);
    const kill = () => program.kill();
    signal.addEventListener('abort', kill, { once: true });
    try {
      program.start();
      await program.done;
    } finally {
      signal.removeEventListener('abort', kill);
      this.programs.delete(program);
      this.poller.replan();
    }
  }

  /** An exception no program code caught reached the worker: the programs of this host end with it. Whether there were any. */
  crashPrograms(error: unknown): boolean {
    for (const p of this.programs) p.crash(error);
    return this.programs.size > 0;
  }

  close(): void {
    for (const p of this.programs) p.kill();
    this.stack.close();
  }
}

/** A default route as Mininet writes `defaultRoute`: `10.0.0.254`, `via 10.0.0.254`, or `dev h1-eth0`. */
function defaultRoute(text: string): { dst: string; via?: string; dev?: string } {
  const words = text.trim().split(/\s+/);
  if (words.length === 2 && words[0] === 'dev') return { dst: '0.0.0.0/0', dev: words[1] };
  if (words.length === 2 && words[0] === 'via') return { dst: '0.0.0.0/0', via: words[1] };
  return { dst: '0.0.0.0/0', via: text.trim() };
}
