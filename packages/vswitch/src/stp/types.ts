// The public vocabulary of the spanning tree: protocols, port states and roles, options, and
// the reasons a BPDU handed to the bridge is not used.
import type { BridgeId, Mac } from '@vnet/frame';

export type { BridgeId };

/** 802.1D-1998 spanning tree, or 802.1w (802.1D-2004) rapid spanning tree. */
export type StpProtocol = 'stp' | 'rstp';

/**
 * A port's state. STP ports go blocking → listening → learning → forwarding; RSTP ports are
 * discarding, learning or forwarding. A port whose link is down is disabled under both.
 */
export type StpPortState = 'disabled' | 'blocking' | 'listening' | 'learning' | 'forwarding' | 'discarding';

/** A port's role in the tree (an STP port that is neither root nor designated is an alternate). */
export type StpPortRole = 'root' | 'designated' | 'alternate' | 'backup' | 'disabled';

export interface SpanningTreeOptions {
  /** The bridge address: with `priority`, it makes the bridge ID. */
  bridgeMac: Mac;
  /** The high 16 bits of the bridge ID; lower wins the root election (default 32768). */
  priority?: number;
  protocol: StpProtocol;
  /** Seconds between BPDUs (default 2). */
  helloTime?: number;
  /** Seconds received information lasts without being refreshed (default 20). */
  maxAge?: number;
  /** Seconds in each of listening and learning (default 15). */
  forwardDelay?: number;
  /** Sends a BPDU — a whole Ethernet frame, padded to 60 bytes, new for each call — out of a port. */
  send: (port: number, frame: Uint8Array) => void;
  /** The MACs learned on `port` must be forgotten: the topology changed behind it. */
  onFlush?: (port: number) => void;
  /** The clock reading (ms) the bridge starts at; later readings come through `poll(now)`. */
  now?: number;
}

export interface StpPortOptions {
  /** The port's contribution to the root path cost; default: a 1 Gb/s link (STP 4, RSTP 20000). */
  pathCost?: number;
  /** The high 4 bits of the port ID, a multiple of 16 in 0-240 (default 128). */
  priority?: number;
  /** An edge port (a host behind it, no bridge): forwards at once; a BPDU received cancels it. */
  edge?: boolean;
}

export interface StpPortCounters {
  rxConfig: number;
  rxRst: number;
  rxTcn: number;
  txConfig: number;
  txRst: number;
  txTcn: number;
  /** Times the port's learned MACs were to be flushed. */
  flushes: number;
}

/** One port, as `ovs-appctl stp/show` and `brctl showstp` print it. */
export interface StpPortInfo {
  number: number;
  /** Port priority (high 4 bits) and number (low 12 bits). */
  portId: number;
  role: StpPortRole;
  state: StpPortState;
  pathCost: number;
  /** Operational edge status (RSTP: admin edge or detected; STP: PortFast not yet cancelled). */
  edge: boolean;
  /** What the port knows of its link's designated port: the root it offers, its cost, bridge and port. */
  designatedRoot: BridgeId;
  designatedCost: number;
  designatedBridge: BridgeId;
  designatedPort: number;
  counters: StpPortCounters;
}

/** Why a BPDU handed to the bridge was not used: counted in `SpanningTree.drops`, never thrown. */
export const BpduDrop = {
  /** Too short for an Ethernet header, LLC and a TCN. */
  Runt: 'runt',
  /** Not to 01:80:c2:00:00:00, not 802.3 with LLC 42/42 UI. */
  NotBpdu: 'not-bpdu',
  /** Shorter than its BPDU type needs, or than the 802.3 length says. */
  Truncated: 'truncated',
  /** Protocol identifier other than 0. */
  BadProtocol: 'bad-protocol',
  /** A BPDU type other than Configuration, RST and TCN. */
  UnknownType: 'unknown-type',
  /** An RST BPDU with a protocol version below 2. */
  BadVersion: 'bad-version',
  /** A Configuration BPDU whose message age is not below its max age (802.1D §9.3.4). */
  BadTimers: 'bad-timers',
  /** The BPDU this port sent, come back. */
  Looped: 'looped',
  /** For a port the bridge does not have. */
  NoSuchPort: 'no-such-port',
  /** For a port whose link is down. */
  PortDown: 'port-down',
} as const;
