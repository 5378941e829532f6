/**
 * Run as its own process by the pool benchmark: starts `linear,K,N` on a worker pool and
 * reports the seconds it took and the process's memory growth per node, measured in a process
 * that has done nothing else (a benchmark process's earlier networks would blur the figure).
 */
import { Network } from './network.js';

const [k, n] = process.argv.slice(2).map(Number);
const before = process.memoryUsage().rss;
const net = new Network({ topo: `linear,${k},${n}`, placement: 'pool' });
const t0 = performance.now();
await net.start();
const seconds = (performance.now() - t0) / 1000;
const kbPerNode = (process.memoryUsage().rss - before) / 1024 / (k * (n + 1));
await net.stop();
process.send?.({ seconds, kbPerNode });
