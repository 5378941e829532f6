/**
 * link — making links and opening their ends.
 *
 * `createLink` lays a link out in one SharedArrayBuffer (header, counters, impairments, a ring
 * per direction) and returns two plain descriptors to post to the workers that hold the ends;
 * each worker calls `openLinkEnd`. `createLocalLink` makes the same link in a plain
 * ArrayBuffer with both ends open in this thread: same code, no Atomics waits.
 *
 * Ring size: frames waiting for their departure and frames on their way through the delay
 * line both sit in the ring, so a shaped link gets room for its queue limit plus bandwidth ×
 * (delay + 4 × jitter + 2 ms of receiver lag), and at least 1 MiB. An unshaped link with a long
 * delay cannot be sized from its options: pass `ringBytes`, or frames beyond the ring's room are
 * dropped as `ring-full`. The size is fixed when the link is made; impairments changed later
 * do not resize it.
 */

import type { LinkDescriptors, LinkEndDescriptor } from './descriptor.js';
import { LinkError } from './errors.js';
import { DEFAULT_MAX_FRAME } from './impair.js';
import { type Impairments, type ResolvedImpairments, resolveImpairments } from './impairments.js';
import { LinkEnd, type LinkEndOptions } from './link-end.js';
import { LinkMemory, linkBufferBytes } from './link-memory.js';
import { recordBytes } from './ring.js';

export interface LinkOptions extends Impairments {
  /** Name of end a, as Mininet's `h1-eth0`. Default 'a'. */
  a?: string;
  /** Name of end b. Default 'b'. */
  b?: string;
  /** Impairments of the a→b direction only, over the common ones. */
  ab?: Impairments;
  /** Impairments of the b→a direction only. Without its own `seed`, b→a draws from `seed + 1`. */
  ba?: Impairments;
  /** Data bytes of each direction's ring; default sized from the impairments (at least 1 MiB). */
  ringBytes?: number;
  /** Largest frame in bytes; larger ones are dropped as `too-big`. Default 64 KiB + 128. */
  maxFrame?: number;
}

export const DEFAULT_RING_BYTES = 1 << 20;
export const MAX_RING_BYTES = 1 << 30;
/** Bytes a queued frame is assumed to take when sizing a ring for `limitFrames` (an Ethernet MTU frame). */
const TYPICAL_FRAME = 1538;

/** Makes a link between two workers: post `a` and `b` to them and call `openLinkEnd` there. */
export function createLink(options: LinkOptions = {}): LinkDescriptors {
  return makeLink(options, true);
}

/** Makes a link whose two ends live in this thread, and opens both. */
export function createLocalLink(options: LinkOptions = {}, endOptions: LinkEndOptions = {}): { a: LinkEnd; b: LinkEnd } {
  const d = makeLink(options, false);
  return { a: new LinkEnd(d.a, endOptions), b: new LinkEnd(d.b, endOptions) };
}

/** Opens one end of a link in the calling thread (each end may be open in one place at a time). */
export function openLinkEnd(descriptor: LinkEndDescriptor, options: LinkEndOptions = {}): LinkEnd {
  return new LinkEnd(descriptor, options);
}

/** The ring size a direction with these impairments gets by default. */
export function ringBytesFor(imp: Readonly<ResolvedImpairments>, maxFrame = DEFAULT_MAX_FRAME): number {
  let need = 4 * recordBytes(maxFrame);
  if (imp.bw > 0) {
    const bytesPerMs = imp.bw / 8000;
    const inFlight = bytesPerMs * (imp.delay + 4 * imp.jitter + 2);
    const queue = Math.min(imp.limitBytes, imp.limitFrames * TYPICAL_FRAME);
    // 1.25: record headers and padding, as taken by small frames.
    need += 1.25 * (inFlight + queue);
  }
  return Math.min(MAX_RING_BYTES, Math.max(DEFAULT_RING_BYTES, Math.ceil(need / 8) * 8));
}

function makeLink(options: LinkOptions, shared: boolean): LinkDescriptors {
  const { a = 'a', b = 'b', ab = {}, ba = {}, ringBytes, maxFrame = DEFAULT_MAX_FRAME, ...common } = options;
  for (const [key, name] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (typeof name !== 'string' || name.length === 0)
      throw new LinkError('bad-option', `${key} must be a non-empty end name, got ${String(name)}`);
  }
  if (!Number.isInteger(maxFrame) || maxFrame < 14 || maxFrame > 1 << 24) {
    throw new LinkError('bad-option', `maxFrame must be a whole number of bytes in 14 … 16 MiB, got ${maxFrame}`);
  }
  const impAb = resolveImpairments({ ...common, ...ab });
  const impBa = resolveImpairments({ ...common, seed: ((common.seed ?? 1) + 1) >>> 0, ...ba });
  const sizes: [number, number] = [ringBytes ?? ringBytesFor(impAb, maxFrame), ringBytes ?? ringBytesFor(impBa, maxFrame)];
  const least = 2 * recordBytes(maxFrame) + 64;
  for (const size of sizes) {
    if (!Number.isInteger(size) || size % 8 !== 0 || size < least || size > MAX_RING_BYTES) {
      throw new LinkError(
        'bad-option',
        `ringBytes must be a multiple of 8 between ${least} (two frames of maxFrame ${maxFrame}) and ${MAX_RING_BYTES}, got ${size}`,
      );
    }
  }
  const total = linkBufferBytes(sizes);
  const buffer = shared ? new SharedArrayBuffer(total) : new ArrayBuffer(total);
  const mem = LinkMemory.format(buffer, maxFrame, sizes);
  mem.impairments(0).write(impAb);
  mem.impairments(1).write(impBa);
  return {
    a: { kind: 'vnet-link-end', name: a, peer: b, side: 'a', buffer },
    b: { kind: 'vnet-link-end', name: b, peer: a, side: 'b', buffer },
  };
}
