/**
 * @vnet/topology — vnet's composition root: describe a network with Mininet's API, start it
 * with every node in a worker, command its nodes, impair its links, audit its frames.
 *
 * ```ts
 * await using net = new Network({ topo: 'tree,depth=2,fanout=3' });
 * await net.start();
 * console.log(await net.pingAll());
 * console.log(await net.get('h1').cmd('ping -c 3 10.0.0.2'));
 * ```
 */
export { networkBenchmarks } from './benchmarks.js';
export * from './builtins.js';
export * from './errors.js';
export {
  type AuditReport,
  LinkHandle,
  Network,
  type NetworkOptions,
  NodeHandle,
  type PingAllResult,
  type Placement,
  threadPlacementLimit,
} from './network.js';
export * from './plan.js';
export type { NodeInfo, PingResult } from './runtime/protocol.js';
export * from './spec.js';
export * from './topo.js';
export { parseRate, parseTime } from './units.js';
