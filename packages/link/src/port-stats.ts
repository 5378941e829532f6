/**
 * The `PortStats` of a link end, read from and written to the link's shared memory, so the
 * numbers a device sees on its port are the ones any other thread reads with `readLinkStats`.
 * Every field is an own enumerable accessor (so spreading or comparing the object sees the
 * numbers). Link drop reasons are accessors too; a device may still count reasons of its own
 * (`countDrop(stats, 'vlan')`), which become plain properties of this end's `drops`.
 */

import { Counter } from './counters.js';
import { type DropReason, LinkDrop, type LinkDropReason, type PortStats } from './port.js';

/** Counter slots behind each link drop reason; `link-down` also counts what the receiver discarded. */
export const DROP_SLOTS: Readonly<Record<LinkDropReason, readonly number[]>> = {
  [LinkDrop.LinkDown]: [Counter.LinkDown, Counter.Purged],
  [LinkDrop.Loss]: [Counter.Loss],
  [LinkDrop.QueueFull]: [Counter.QueueFull],
  [LinkDrop.RingFull]: [Counter.RingFull],
  [LinkDrop.TooBig]: [Counter.TooBig],
};

/** Builds the stats of an end sending on the counters at `tx` and receiving on those at `rx`. */
export function linkPortStats(f64: Float64Array, tx: number, rx: number): PortStats {
  const stats = { drops: {} } as PortStats;
  const field = (name: keyof PortStats, slot: number): void => {
    Object.defineProperty(stats, name, {
      enumerable: true,
      get: () => f64[slot],
      set: (v: number) => {
        f64[slot] = v;
      },
    });
  };
  field('txFrames', tx + Counter.Offered);
  field('txBytes', tx + Counter.OfferedBytes);
  field('txDuplicates', tx + Counter.Duplicates);
  field('rxFrames', rx + Counter.Delivered);
  field('rxBytes', rx + Counter.DeliveredBytes);
  for (const [reason, slots] of Object.entries(DROP_SLOTS) as [DropReason, readonly number[]][]) {
    const own = tx + slots[0];
    const others = slots.slice(1).map((s) => tx + s);
    const sumOthers = (): number => others.reduce((sum, i) => sum + f64[i], 0);
    Object.defineProperty(stats.drops, reason, {
      enumerable: true,
      get: () => f64[own] + sumOthers(),
      // Writing sets the total: the sender's own slot absorbs the difference.
      set: (v: number) => {
        f64[own] = v - sumOthers();
      },
    });
  }
  // console.log shows numbers, not [Getter/Setter].
  const inspect = Symbol.for('nodejs.util.inspect.custom');
  Object.defineProperty(stats, inspect, { value: () => ({ ...stats, drops: { ...stats.drops } }) });
  Object.defineProperty(stats.drops, inspect, { value: () => ({ ...stats.drops }) });
  return stats;
}
