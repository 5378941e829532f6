/**
 * `vnet [options]`: Mininet's `mn`. Builds the network from the options, starts it (a progress
 * bar on a terminal for large ones), then runs a `--test` and exits with its verdict, or opens
 * the `vnet>` prompt. The network is stopped however this ends: exit, Ctrl-D, an error.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { Network, type NetworkOptions, type Topo, Topo as TopoClass, TopologyError, topoFromString } from '@vnet/topology';
import { SingleBar } from 'cli-progress';
import { CliError } from './errors.js';
import { parseLinkOption } from './link-option.js';
import { loadUserModule } from './load-module.js';
import type { CliIo } from './main.js';
import { formatPingAll, formatPingAllFull, info } from './shell/format.js';
import { Shell } from './shell/shell.js';
import { parseSwitchOption } from './switch-option.js';

export interface NetworkCliOptions {
  topo: string;
  link?: string;
  switch?: string;
  test?: string;
  mac?: boolean;
  arp?: boolean;
  ipbase?: string;
  custom?: string;
  placement?: string;
  verbose?: boolean;
  json?: boolean;
  seed?: string;
}

export const TESTS = ['pingall', 'pingpair', 'pingallfull', 'iperf', 'none', 'build'] as const;
const PLACEMENTS = ['auto', 'thread', 'pool'];

type TopoFactory = ((...args: number[]) => Topo) | (new (...args: number[]) => Topo);

/**
 * The topology named by --topo: from the --custom file's `topos` (Mininet's convention: a map
 * of names to Topo classes or functions returning a Topo), else a built-in.
 */
async function topoOf(options: NetworkCliOptions): Promise<Topo> {
  const [name, ...rest] = options.topo.split(',');
  if (options.custom) {
    const mod = await loadUserModule(options.custom);
    const topos = mod.topos as Record<string, TopoFactory> | undefined;
    if (!topos || typeof topos !== 'object') throw new CliError(`${options.custom} exports no \`topos\` map of topology names`, 2);
    const make = topos[name];
    if (make) {
      const args = rest.map(Number);
      return make.prototype instanceof TopoClass
        ? new (make as new (...a: number[]) => Topo)(...args)
        : (make as (...a: number[]) => Topo)(...args);
    }
  }
  return topoFromString(options.topo);
}

export async function runNetwork(options: NetworkCliOptions, io: CliIo & { input: Readable; isTTY: boolean }): Promise<number> {
  if (options.test !== undefined && !(TESTS as readonly string[]).includes(options.test)) {
    throw new CliError(`--test: unknown test "${options.test}"; choose one of: ${TESTS.join(', ')}`, 2);
  }
  if (options.placement !== undefined && !PLACEMENTS.includes(options.placement)) {
    throw new CliError(`--placement: "${options.placement}" is not one of ${PLACEMENTS.join(', ')}`, 2);
  }
  let topo: Topo;
  try {
    topo = await topoOf(options);
  } catch (e) {
    if (e instanceof TopologyError) throw new CliError(e.message, 2);
    throw e;
  }
  const netOptions: NetworkOptions = {
    topo,
    autoSetMacs: options.mac,
    autoStaticArp: options.arp,
    placement: options.placement as NetworkOptions['placement'],
    seed: options.seed === undefined ? undefined : Number(options.seed),
    onCrash: (nodes, error) => io.err(`*** ${nodes.join(', ')} crashed: ${error.message}\n`),
  };
  if (options.ipbase) netOptions.ipBase = options.ipbase;
  if (options.link) netOptions.link = parseLinkOption(options.link);
  if (options.switch) netOptions.switch = parseSwitchOption(options.switch);
  const quiet = options.json === true;
  const say = (text: string) => {
    if (!quiet) io.out(text);
  };

  const net = new Network(netOptions);
  const t0 = performance.now();
  say(info('Creating network'));
  say(`${info('Adding hosts:')}${net.hosts.join(' ')} \n`);
  say(`${info('Adding switches:')}${net.switches.join(' ')} \n`);
  say(`${info('Adding links:')}${net.layout.links.map((l) => `(${l.a}, ${l.b})`).join(' ')} \n`);
  let bar: SingleBar | undefined;
  if (io.isTTY && !quiet && net.nodeNames().length > 50) {
    bar = new SingleBar({ format: '*** Starting workers [{bar}] {value}/{total}', hideCursor: true, clearOnComplete: true });
  }
  netOptions.onProgress = (done, total) => {
    if (!bar) return;
    if (done === 0) bar.start(total, 0);
    else bar.update(done);
  };
  try {
    try {
      await net.start();
    } catch (e) {
      if (e instanceof TopologyError) throw new CliError(e.message, e.code === 'loop' || e.code === 'bad-option' ? 2 : 1);
      throw e;
    } finally {
      bar?.stop();
    }
    if (options.verbose) {
      const { placement, workers } = net.placementInfo;
      say(info(`Placement: ${placement}, ${workers.length} workers, started in ${(performance.now() - t0).toFixed(0)} ms`));
      if (placement === 'pool') {
        for (const [i, nodes] of workers.entries()) {
          say(`worker ${i + 1}: ${nodes.length} nodes (${nodes.slice(0, 8).join(' ')}${nodes.length > 8 ? ' …' : ''})\n`);
        }
      }
    }
    say(`${info('Configuring hosts')}${net.hosts.join(' ')} \n`);
    say(`${info(`Starting ${net.switches.length} switches`)}${net.switches.join(' ')} ...\n`);
    if (options.test !== undefined) return await runTest(net, options.test, quiet, io);
    say(info('Starting CLI:'));
    const output = new Writable({
      write(chunk, _encoding, done) {
        io.out(String(chunk));
        done();
      },
    });
    const historyFile = io.isTTY ? join(homedir(), '.vnet_history') : undefined;
    await new Shell(net, { input: io.input, output, terminal: io.isTTY, historyFile }).run();
    return 0;
  } finally {
    say(info('Stopping network'));
    await net.stop();
    say(`${info('Done')}completed in ${((performance.now() - t0) / 1000).toFixed(3)} seconds\n`);
  }
}

async function runTest(net: Network, test: string, json: boolean, io: CliIo): Promise<number> {
  if (test === 'none' || test === 'build') {
    if (json) io.out(`${JSON.stringify({ test, ok: true })}\n`);
    return 0;
  }
  if (test === 'iperf') {
    const hosts: [string, string] = [net.hosts[0], net.hosts[net.hosts.length - 1]];
    if (!json) io.out(info(`Iperf: testing TCP bandwidth between ${hosts[0]} and ${hosts[1]} `));
    const rates = await net.iperf(hosts);
    io.out(json ? `${JSON.stringify({ test, ok: true, hosts, rates })}\n` : info(`Results: ['${rates[0]}', '${rates[1]}']`));
    return 0;
  }
  const pair = test === 'pingpair';
  const hosts = pair ? net.hosts.slice(0, 2) : net.hosts;
  const result = await net.pingAll(1, hosts);
  if (json)
    io.out(
      `${JSON.stringify({ test, ok: result.dropped === 0, sent: result.sent, received: result.received, dropped: result.dropped, results: result.results })}\n`,
    );
  else {
    io.out(info('Ping: testing ping reachability'));
    io.out(test === 'pingallfull' ? formatPingAllFull(result) : formatPingAll(result, hosts));
  }
  return result.dropped === 0 ? 0 : 1;
}
