/**
 * A flow rule as the pipeline keeps it: what it matches, what it does, its timeouts and where
 * its counters live. Counters sit in the pipeline's Float64Array (packets, bytes, last use) at
 * `statSlot`, so the fast path bumps them without touching an object.
 */
import type { FlowAction } from './actions.js';
import type { FlowMatch } from './match.js';

export class FlowRule {
  /**
   * The order lookups decide by: priority first, then the earlier rule among equal priorities
   * (OpenFlow leaves overlapping equal-priority rules undefined; vnet makes them deterministic).
   */
  readonly rank: number;
  /** Where the pipeline keeps this rule's counters; -1 once the rule is gone. */
  statSlot = -1;

  constructor(
    readonly table: number,
    readonly priority: number,
    readonly match: FlowMatch,
    readonly actions: readonly FlowAction[],
    readonly cookie: bigint,
    readonly idleTimeout: number,
    readonly hardTimeout: number,
    /** When it was added (ms, the pipeline's clock). */
    readonly created: number,
    /** Insertion order, which breaks ties between equal priorities. */
    readonly seq: number,
  ) {
    this.rank = priority * 2 ** 32 + (0xffff_ffff - (seq % 2 ** 32));
  }
}
