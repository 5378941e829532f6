/**
 * link-control — what any thread holding a link's descriptors may do without asking the
 * workers that hold its ends: read every counter, audit conservation, set ends up or down,
 * change impairments, and declare an end gone when its worker died. All of it reads or writes
 * the link's buffer (see link-memory.ts); the ends learn of changes through the STATE word.
 */

import { Counter } from './counters.js';
import { endsOf, type LinkEndDescriptor, type LinkTarget, sideIndex } from './descriptor.js';
import type { Impairments, ResolvedImpairments } from './impairments.js';
import { type Direction, LinkMemory, State } from './link-memory.js';
import type { LinkDropReason } from './port.js';
import { DROP_SLOTS } from './port-stats.js';
import { readRingCounters } from './ring.js';

export interface DirectionStats {
  from: string;
  to: string;
  /** Frames and bytes the sending end offered. */
  offeredFrames: number;
  offeredBytes: number;
  /** Extra copies made by the duplicate impairment. */
  duplicates: number;
  deliveredFrames: number;
  deliveredBytes: number;
  drops: Record<LinkDropReason, number>;
  /** All drops, summed. */
  dropped: number;
  /** Frames in the ring or held back for reordering: sent, neither delivered nor dropped yet. */
  inFlight: number;
  corrupted: number;
  reordered: number;
  /** Times the receiver went to sleep on an empty ring, and times the sender woke it. */
  sleeps: number;
  wakeups: number;
}

export interface LinkEndState {
  name: string;
  /** Set up by its user (not `ip link set … down`). */
  adminUp: boolean;
  /** Open in some thread now. */
  open: boolean;
  /** Closed, or declared gone with `detachLinkEnd`. */
  gone: boolean;
}

export interface LinkStats {
  /** Carrier: both ends admin up and neither gone. */
  up: boolean;
  a: LinkEndState;
  b: LinkEndState;
  ab: DirectionStats;
  ba: DirectionStats;
}

/** Conservation of one direction: `sent = delivered + dropped + inFlight`. */
export interface DirectionAudit {
  /** Offered frames plus duplicates. */
  sent: number;
  delivered: number;
  dropped: number;
  inFlight: number;
  /** sent − (delivered + dropped + inFlight): 0 when every frame is accounted for. */
  difference: number;
}

export interface LinkAudit {
  balanced: boolean;
  ab: DirectionAudit;
  ba: DirectionAudit;
}

function namesOf(target: LinkTarget): [string, string] {
  const end = endsOf(target)[0];
  return end.side === 'a' ? [end.name, end.peer] : [end.peer, end.name];
}

function directionStats(mem: LinkMemory, d: Direction, from: string, to: string): DirectionStats {
  const f = mem.f64;
  const c = mem.countersBase(d);
  const drops = {} as Record<LinkDropReason, number>;
  let dropped = 0;
  for (const [reason, slots] of Object.entries(DROP_SLOTS) as [LinkDropReason, readonly number[]][]) {
    drops[reason] = slots.reduce((sum, s) => sum + f[c + s], 0);
    dropped += drops[reason];
  }
  const ring = readRingCounters(mem.buffer, mem.ringOffset(d));
  return {
    from,
    to,
    offeredFrames: f[c + Counter.Offered],
    offeredBytes: f[c + Counter.OfferedBytes],
    duplicates: f[c + Counter.Duplicates],
    deliveredFrames: f[c + Counter.Delivered],
    deliveredBytes: f[c + Counter.DeliveredBytes],
    drops,
    dropped,
    inFlight: ring.inFlight + f[c + Counter.Held],
    corrupted: f[c + Counter.Corrupted],
    reordered: f[c + Counter.Reordered],
    sleeps: ring.sleeps,
    wakeups: ring.notifies,
  };
}

/** Every counter of a link, from any thread. */
export function readLinkStats(target: LinkTarget): LinkStats {
  const mem = LinkMemory.of(endsOf(target)[0].buffer);
  const [a, b] = namesOf(target);
  const state = mem.state;
  const end = (name: string, d: Direction): LinkEndState => ({
    name,
    adminUp: (state & State.adminDown(d)) === 0,
    open: (state & State.open(d)) !== 0,
    gone: (state & State.gone(d)) !== 0,
  });
  return {
    up: (state & State.DOWN_MASK) === 0,
    a: end(a, 0),
    b: end(b, 1),
    ab: directionStats(mem, 0, a, b),
    ba: directionStats(mem, 1, b, a),
  };
}

/**
 * Checks, per direction, that offered + duplicates = delivered + dropped + in flight. Exact
 * once the link is quiet; while frames move, the counters are read one after the other and
 * may disagree by the frames in motion.
 */
export function auditLink(target: LinkTarget): LinkAudit {
  const s = readLinkStats(target);
  const audit = (d: DirectionStats): DirectionAudit => {
    const sent = d.offeredFrames + d.duplicates;
    return {
      sent,
      delivered: d.deliveredFrames,
      dropped: d.dropped,
      inFlight: d.inFlight,
      difference: sent - (d.deliveredFrames + d.dropped + d.inFlight),
    };
  };
  const ab = audit(s.ab);
  const ba = audit(s.ba);
  return { balanced: ab.difference === 0 && ba.difference === 0, ab, ba };
}

/**
 * Sets one end (an end descriptor) or both (the link) administratively up or down, from any
 * thread, as Mininet's `link h1 s1 down`. While either end is down neither has carrier.
 */
export function setLinkUp(target: LinkTarget, up: boolean): void {
  const ends = endsOf(target);
  let bits = 0;
  for (const e of ends) bits |= State.adminDown(sideIndex(e.side));
  const mem = LinkMemory.of(ends[0].buffer);
  mem.updateState(up ? bits : 0, up ? 0 : bits);
}

/** Changes the impairments of what an end sends (an end descriptor) or of both directions (the link). */
export function setLinkImpairments(target: LinkTarget, changes: Impairments): void {
  const ends = endsOf(target);
  const mem = LinkMemory.of(ends[0].buffer);
  for (const e of ends) mem.impairments(sideIndex(e.side)).update(changes);
}

/** The impairments in force in each direction. */
export function readLinkImpairments(target: LinkTarget): { ab: ResolvedImpairments; ba: ResolvedImpairments } {
  const mem = LinkMemory.of(endsOf(target)[0].buffer);
  return { ab: mem.impairments(0).read(), ba: mem.impairments(1).read() };
}

/**
 * Declares an end gone without its cooperation — its worker crashed or was terminated — so
 * the peer loses carrier. The descriptor may be opened again (in a new worker) afterwards.
 */
export function detachLinkEnd(descriptor: LinkEndDescriptor): void {
  const [end] = endsOf(descriptor);
  const d = sideIndex(end.side);
  LinkMemory.of(end.buffer).updateState(State.open(d), State.gone(d));
}
