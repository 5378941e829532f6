/**
 * One ARP cache entry, with the states of Linux's neighbour subsystem as `ip neigh` names them:
 *
 *   INCOMPLETE ──reply──▶ REACHABLE ──reachable time──▶ STALE ──used──▶ DELAY ──5 s──▶ PROBE
 *       │                     ▲                                          │confirmed      │ no reply
 *       └──no reply──▶ FAILED └──────────────────────────────────────────┴───────────────┘──▶ FAILED
 *
 * PERMANENT entries (static, `arp -s`) never change or expire.
 */
import type { Ipv4Address, Mac } from '@vnet/frame';
import type { Interface } from './interface.js';

export const NeighborState = {
  Incomplete: 'INCOMPLETE',
  Reachable: 'REACHABLE',
  Stale: 'STALE',
  Delay: 'DELAY',
  Probe: 'PROBE',
  Failed: 'FAILED',
  Permanent: 'PERMANENT',
} as const;

export type NeighborState = (typeof NeighborState)[keyof typeof NeighborState];

export class Neighbor {
  state: NeighborState = NeighborState.Incomplete;
  mac: Mac = 0;
  /** `mac` as bytes, for writing into frames without boxing the number. */
  readonly macBytes = new Uint8Array(6);
  /** When the current state's timer fires; Infinity when it has none. */
  deadline = Number.POSITIVE_INFINITY;
  /** Probes sent in the current INCOMPLETE or PROBE round. */
  probes = 0;
  /** When the entry was last confirmed and last used to send. */
  confirmed = 0;
  used = 0;
  /**
   * Datagrams awaiting resolution, each a copy with 14 bytes of room in front for the Ethernet
   * header. Only unresolved traffic allocates; a resolved neighbour sends straight from the caller's buffer.
   */
  queue: Uint8Array[] = [];
  queueBytes = 0;

  constructor(
    readonly iface: Interface,
    readonly ip: Ipv4Address,
  ) {}

  /** A MAC is known and may be sent to. */
  get valid(): boolean {
    const s = this.state;
    return s !== NeighborState.Incomplete && s !== NeighborState.Failed;
  }
}
