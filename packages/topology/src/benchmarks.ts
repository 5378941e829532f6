import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Bench, median } from '@vnet/bench';
import { Network, type NetworkOptions } from './network.js';

/** Seconds to start and stop a network, median of three. */
async function startStop(topo: string, options: NetworkOptions = {}): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const net = new Network({ topo, ...options });
    const t0 = performance.now();
    await net.start();
    await net.stop();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

/** Seconds of a first pingall (ARP included, as `--test pingall` does), median of three networks. */
async function pingAll(topo: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const net = new Network({ topo });
    await net.start();
    const t0 = performance.now();
    const r = await net.pingAll();
    times.push((performance.now() - t0) / 1000);
    await net.stop();
    if (r.dropped !== 0) throw new Error(`pingall on ${topo} lost ${r.dropped}%`);
  }
  return median(times);
}

async function withMinimal<T>(f: (net: Network) => Promise<T>): Promise<T> {
  const net = new Network({ topo: 'minimal', placement: 'thread' });
  await net.start();
  try {
    await net.pingAll();
    return await f(net);
  } finally {
    await net.stop();
  }
}

/** Raw frames h1 → s1 → h2 for two seconds, after half a second to warm up: frames delivered to h2 per second. */
function pktgen(size: number): Promise<number> {
  return withMinimal(async (net) => {
    await net.pktgen('h1', 'h2', size, 500);
    const r = await net.pktgen('h1', 'h2', size, 2000);
    return r.delivered / r.seconds;
  });
}

/** Median round trip h1 → s1 → h2 → s1 → h1 of 300 pings, in µs. */
function pingRtt(): Promise<number> {
  return withMinimal(async (net) => {
    const rtts: number[] = [];
    for (let i = 0; i < 300; i++) {
      const [r] = await net.pingFrom('h1', ['h2']);
      if (r.rtt !== undefined) rtts.push(r.rtt * 1000);
    }
    return median(rtts);
  });
}

/** Seconds to start a pooled network of `linear,K,N`, and its memory per node in KB, in a fresh process. */
function pool(k: number, n: number): Promise<{ seconds: number; kbPerNode: number }> {
  const probe = fileURLToPath(new URL(`./pool-probe.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(probe, [String(k), String(n)], { stdio: 'inherit' });
    child.once('message', (m) => resolve(m as { seconds: number; kbPerNode: number }));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`the pool probe exited with code ${code}`))));
  });
}

let pool1100: Promise<{ seconds: number; kbPerNode: number }> | undefined;

const oneShot = { warmup: false } as const;

/**
 * The emulator's benchmarks, as the issues set their targets: start-up, pingall, round trip,
 * raw datapath rate and pool scaling. `npm run bench` and `vnet bench` both run them.
 */
export const networkBenchmarks: Bench[] = [
  { name: 'start+stop linear,100', unit: 's', target: '<= 1', run: () => startStop('linear,100'), ...oneShot },
  { name: 'start+stop linear,50', unit: 's', target: '<= 0.6', run: () => startStop('linear,50'), ...oneShot },
  { name: 'start+stop tree,depth=2,fanout=8', unit: 's', target: '<= 0.3', run: () => startStop('tree,depth=2,fanout=8'), ...oneShot },
  {
    name: 'pingall tree,depth=2,fanout=4 (240 pings)',
    unit: 's',
    target: '<= 0.05',
    run: () => pingAll('tree,depth=2,fanout=4'),
    ...oneShot,
  },
  { name: 'pingall linear,32', unit: 's', target: '<= 0.25', run: () => pingAll('linear,32'), ...oneShot },
  { name: 'ping RTT h1→s1→h2, p50', unit: 'µs', target: '<= 50', run: pingRtt, ...oneShot },
  { name: 'raw frames h1→s1→h2, 64 B', unit: 'Mpps', target: '>= 5', run: async () => (await pktgen(64)) / 1e6, ...oneShot },
  {
    name: 'raw frames h1→s1→h2, 1500 B',
    unit: 'Gbit/s',
    target: '>= 40',
    run: async () => ((await pktgen(1500)) * 1500 * 8) / 1e9,
    ...oneShot,
  },
  {
    name: 'raw frames h1→s1→h2, 64 KiB',
    unit: 'Gbit/s',
    target: '>= 100',
    run: async () => ((await pktgen(65535)) * 65535 * 8) / 1e9,
    ...oneShot,
  },
  {
    name: 'pool: 1,000 hosts + 100 switches up',
    unit: 's',
    target: '<= 3',
    run: async () => {
      pool1100 = pool(100, 10);
      return (await pool1100).seconds;
    },
    ...oneShot,
  },
  {
    name: 'pool: memory per node (1,100 nodes)',
    unit: 'KB',
    target: '<= 150',
    run: async () => (await (pool1100 ?? pool(100, 10))).kbPerNode,
    ...oneShot,
  },
  { name: 'pool: 10,000 nodes up', unit: 's', target: '<= 10', run: async () => (await pool(1000, 9)).seconds, ...oneShot },
];
