/**
 * Descriptors: what a worker needs to open one end of a link. Plain objects holding the link's
 * buffer and names, so they travel through postMessage (the SharedArrayBuffer is shared, not
 * copied) and through `workerData`.
 */

import { LinkError } from './errors.js';
import type { Direction, Side } from './link-memory.js';

export interface LinkEndDescriptor {
  readonly kind: 'vnet-link-end';
  /** This end's name, as Mininet's `h1-eth0`. */
  readonly name: string;
  /** The other end's name. */
  readonly peer: string;
  readonly side: Side;
  /** The whole link: header, counters and both rings. */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
}

/** Both ends of one link, as `createLink` returns them. */
export interface LinkDescriptors {
  readonly a: LinkEndDescriptor;
  readonly b: LinkEndDescriptor;
}

/** An end or a whole link: what the any-thread functions (`readLinkStats`, `setLinkUp`, …) accept. */
export type LinkTarget = LinkEndDescriptor | LinkDescriptors;

export function sideIndex(side: Side): Direction {
  return side === 'a' ? 0 : 1;
}

export function checkDescriptor(d: LinkEndDescriptor): void {
  if (
    typeof d !== 'object' ||
    d === null ||
    d.kind !== 'vnet-link-end' ||
    (d.side !== 'a' && d.side !== 'b') ||
    !(d.buffer instanceof SharedArrayBuffer || d.buffer instanceof ArrayBuffer)
  ) {
    throw new LinkError('bad-descriptor', 'not a link end descriptor: pass `a` or `b` of what createLink returned');
  }
}

/** The end descriptors a target names: one end, or both. */
export function endsOf(target: LinkTarget): LinkEndDescriptor[] {
  if (typeof target === 'object' && target !== null && 'kind' in target) {
    checkDescriptor(target);
    return [target];
  }
  if (typeof target !== 'object' || target === null || !target.a || !target.b) {
    throw new LinkError('bad-descriptor', 'expected a link ({ a, b } from createLink) or one of its end descriptors');
  }
  checkDescriptor(target.a);
  checkDescriptor(target.b);
  return [target.a, target.b];
}
