/**
 * A node worker: builds the nodes the main thread placed here, opens their link ends, and
 * serves the main thread's RPC (commands, pings, information). Frames arrive and leave through
 * the link ends' shared rings; this thread's event loop runs the nodes' timers.
 */
import { parentPort } from 'node:worker_threads';
import { type LinkEnd, openLinkEnd, Rng } from '@vnet/link';
import { HostNode } from './host-node.js';
import { Poller } from './poller.js';
import type { CmdParams, OutputEvent, PingManyParams, WorkerInit } from './protocol.js';
import { serveRpc } from './rpc.js';
import { SwitchNode } from './switch-node.js';

if (!parentPort) throw new Error('the node runtime runs in a worker thread');

const poller = new Poller();
const nodes = new Map<string, HostNode | SwitchNode>();
const ends: LinkEnd[] = [];
/** Running commands, so that `interrupt` (Ctrl-C at the prompt) can stop them. */
const jobs = new Map<number, AbortController>();

function node(name: string): HostNode | SwitchNode {
  const n = nodes.get(name);
  if (!n) throw new Error(`no node ${name} in this worker`);
  return n;
}

// A user's program can throw from a callback Node's streams run later (process.nextTick): the
// programs on this worker's hosts end with it, as a Node process would; the worker goes on.
process.on('uncaughtException', (error) => {
  let taken = false;
  for (const n of nodes.values()) if (n instanceof HostNode && n.crashPrograms(error)) taken = true;
  if (!taken) throw error;
});

serveRpc(parentPort, {
  init(init: WorkerInit) {
    const byName = new Map<string, LinkEnd>();
    for (const { descriptor } of init.linkEnds) {
      const end = openLinkEnd(descriptor);
      ends.push(end);
      byName.set(descriptor.name, end);
    }
    const rng = new Rng(init.seed);
    for (const plan of init.nodes) {
      if (plan.kind === 'host') {
        const h = new HostNode(plan, byName, poller, () => rng.uniform(), init.hosts);
        if (init.staticArp) h.addStaticArp(init.staticArp);
        nodes.set(plan.name, h);
      } else {
        nodes.set(plan.name, new SwitchNode(plan, byName, poller));
      }
    }
    poller.pollNow();
    return true;
  },
  cmd: async ({ node: name, line, job, program }: CmdParams) => {
    const abort = new AbortController();
    jobs.set(job, abort);
    const port = parentPort!;
    const write = (text: string) => port.postMessage({ event: 'output', data: { job, text } satisfies OutputEvent });
    try {
      const n = node(name);
      if (program) {
        if (!(n instanceof HostNode)) throw new Error(`${name} is a switch; programs run on hosts`);
        await n.runProgram(program, write, abort.signal);
      } else await n.run(line, write, abort.signal);
    } finally {
      jobs.delete(job);
    }
    return true;
  },
  interrupt: ({ job }: { job: number }) => {
    jobs.get(job)?.abort();
    return true;
  },
  info: ({ node: name }: { node: string }) => node(name).info(),
  pktgen: ({ node: name, ...options }: { node: string; dstMac: number; size: number; duration: number }) => {
    const n = node(name);
    if (!(n instanceof HostNode)) throw new Error(`${name} is a switch; pktgen runs on hosts`);
    return n.generate(options);
  },
  pingMany: ({ node: name, targets, timeout }: PingManyParams) => {
    const n = node(name);
    if (!(n instanceof HostNode)) throw new Error(`${name} is a switch; only hosts ping`);
    return n.pingMany(targets, timeout);
  },
});
