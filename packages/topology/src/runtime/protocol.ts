/** What the main thread and node workers say to each other (besides frames, which use rings). */
import type { LinkEndDescriptor } from '@vnet/link';
import type { PlannedNode } from '../plan.js';

/** Everything a worker needs to build its nodes. */
import type { ProgramSpec } from '../program.js';

export interface WorkerInit {
  nodes: PlannedNode[];
  /** The link ends of this worker's nodes, by link index and side. */
  linkEnds: Array<{ link: number; side: 'a' | 'b'; descriptor: LinkEndDescriptor }>;
  /** Static ARP entries for every host (Mininet's --arp). */
  staticArp?: Array<{ ip: string; mac: string }>;
  /** Every host's name and first address: the network's /etc/hosts, for tools that take names. */
  hosts: Record<string, string>;
  seed: number;
}

export interface CmdParams {
  node: string;
  line: string;
  /** Identifies the running command: its output streams as `output` events, `interrupt` stops it. */
  job: number;
  /** A Node.js program to run on the host instead of the line (bundled on the main thread). */
  program?: ProgramSpec;
}

/** A piece of a running command's output, sent as an RPC event. */
export interface OutputEvent {
  job: number;
  text: string;
}

export interface PingManyParams {
  node: string;
  targets: string[];
  /** Seconds to wait for each reply. */
  timeout: number;
}

export interface PingResult {
  target: string;
  received: boolean;
  /** Round-trip time in ms when received. */
  rtt?: number;
}

export interface NodeInfo {
  name: string;
  kind: 'host' | 'switch';
  intfs: Array<{ name: string; mac?: string; ip?: string; up: boolean }>;
  /** A switch's spanning tree: the root it sees, and whether every port has settled in its final state. */
  stp?: { protocol: 'stp' | 'rstp'; bridge: string; root: string; converged: boolean };
}
