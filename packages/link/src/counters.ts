/**
 * The per-direction counters of a link, as slots of a Float64Array that lives in the link's
 * shared memory. Each slot has exactly one writer — the sending end writes the transmit slots,
 * the receiving end the receive slots — so plain stores suffice and any thread may read them
 * (a read may be a moment stale, never mixed from two writers).
 */
export const Counter = {
  // Written by the sending end.
  Offered: 0,
  OfferedBytes: 1,
  Duplicates: 2,
  TooBig: 3,
  LinkDown: 4,
  Loss: 5,
  QueueFull: 6,
  RingFull: 7,
  /** Frames held back by the reorder impairment (0 or 1): in flight, not yet in the ring. */
  Held: 8,
  Corrupted: 9,
  Reordered: 10,
  // Written by the receiving end.
  Delivered: 16,
  DeliveredBytes: 17,
  /** Frames the receiver discarded from its ring because the link was down: `link-down` drops too. */
  Purged: 18,
} as const;

/** Slots per direction. */
export const COUNTER_SLOTS = 32;
