/**
 * @vnet/link — the `Port` every vnet device speaks, and the links between ports.
 *
 * - `Port`: send frames, receive them in `onFrame`, watch carrier and counters.
 * - `createLink(options)` → `{ a, b }` descriptors to post to two workers, each of which calls
 *   `openLinkEnd(descriptor)` to get a `LinkEnd` (a Port). Frames cross in SharedArrayBuffer
 *   rings, copied once, published in batches, with a wake-up only when the receiver sleeps.
 * - `createLocalLink(options)` → two connected LinkEnds in one thread (same code, plain buffer).
 * - Impairments per direction, applied at the sending end like tc netem + a token bucket:
 *   bw, delay, jitter, loss (with correlation), corrupt, duplicate, reorder, queue limit, seed.
 * - From any thread: `readLinkStats`, `auditLink` (every frame delivered, dropped under a named
 *   reason, or in flight), `setLinkUp`, `setLinkImpairments`, `detachLinkEnd`.
 * - The building blocks stand alone: `RingProducer`/`RingConsumer`, `Impairer`, `Rng`.
 *
 * It knows nothing of what a frame contains, and uses nothing but Node built-ins.
 */

export { type Clock, sharedClock } from './clock.js';
export { COUNTER_SLOTS, Counter } from './counters.js';
export type { LinkDescriptors, LinkEndDescriptor, LinkTarget } from './descriptor.js';
export { LinkError, type LinkErrorCode } from './errors.js';
export { DEFAULT_MAX_FRAME, Impairer, type ImpairerOptions } from './impair.js';
export {
  ImpairmentStore,
  type Impairments,
  type JitterDistribution,
  NO_IMPAIRMENTS,
  type ResolvedImpairments,
  resolveImpairments,
} from './impairments.js';
export { createLink, createLocalLink, DEFAULT_RING_BYTES, type LinkOptions, MAX_RING_BYTES, openLinkEnd, ringBytesFor } from './link.js';
export {
  auditLink,
  type DirectionAudit,
  type DirectionStats,
  detachLinkEnd,
  type LinkAudit,
  type LinkEndState,
  type LinkStats,
  readLinkImpairments,
  readLinkStats,
  setLinkImpairments,
  setLinkUp,
} from './link-control.js';
export { LinkEnd, type LinkEndOptions } from './link-end.js';
export type { Side } from './link-memory.js';
export * from './port.js';
export {
  type FrameSink,
  PUBLISH_BATCH,
  RECORD_HEADER_BYTES,
  RING_CONTROL_BYTES,
  RingConsumer,
  type RingCounters,
  RingProducer,
  readRingCounters,
  recordBytes,
  ringBufferBytes,
} from './ring.js';
export { CorrelatedChance, CorrelatedUniform, Rng } from './rng.js';
