/**
 * link-memory — the one buffer a link lives in, and its layout.
 *
 *   bytes 0 … 1023    header
 *     i32[0]            magic 'VNLK'
 *     i32[1]            STATE: bits 0-1 admin down (a, b), 2-3 gone (a, b), 4-5 open (a, b);
 *                       bits 8+ count changes, so a waiter never misses a down-and-up blip
 *     i32[2]            largest frame, in bytes
 *     i32[3], i32[4]    ring a→b: byte offset, data capacity
 *     i32[5], i32[6]    ring b→a: byte offset, data capacity
 *     i32[7], i32[8]    impairment sequence words a→b, b→a
 *     f64[32 … 63]      counters a→b (see counters.ts)
 *     f64[64 … 95]      counters b→a
 *     f64[96 … 111]     impairments a→b (see impairments.ts)
 *     f64[112 … 127]    impairments b→a
 *   then ring a→b, then ring b→a (see ring.ts)
 *
 * Direction 0 is a→b (a's transmit ring, b's receive ring), direction 1 is b→a. Because state
 * and counters live here, any thread holding the buffer can read a link's counters, set it
 * down or change its impairments without asking the workers that hold its ends; a change of
 * STATE is announced with Atomics.notify on that word (and, for a plain-buffer link, to the
 * ends registered in this thread).
 */

import { COUNTER_SLOTS } from './counters.js';
import { LinkError } from './errors.js';
import { IMPAIRMENT_SLOTS, ImpairmentStore } from './impairments.js';
import type { RingConsumer, RingProducer } from './ring.js';

export const LINK_MAGIC = 0x564e4c4b;
export const LINK_HEADER_BYTES = 1024;

const W_MAGIC = 0;
export const W_STATE = 1;
const W_MAX_FRAME = 2;
const W_RING = 3;
const W_IMPAIR_SEQ = 7;
const COUNTERS_AT = 32;
const IMPAIRMENTS_AT = 96;

export type Direction = 0 | 1;
export type Side = 'a' | 'b';

export const State = {
  /** The end was set down by the user (`ip link set … down`): bit per side. */
  adminDown: (side: Direction): number => 1 << side,
  /** The end was closed or its worker is gone. */
  gone: (side: Direction): number => 4 << side,
  /** The end is open somewhere. */
  open: (side: Direction): number => 16 << side,
  /** Any of these bits set means no carrier on either end. */
  DOWN_MASK: 0x0f,
  FLAGS_MASK: 0xff,
} as const;

/** An end of a plain-buffer link, open in this thread. */
export interface LocalEnd {
  readonly side: Direction;
  readonly tx: RingProducer;
  readonly rx: RingConsumer;
  /** Called when the link's STATE changes. */
  stateChanged(): void;
}

// Plain-buffer links cannot use Atomics waits: their ends find each other here.
const localEnds = new WeakMap<ArrayBuffer, [LocalEnd | undefined, LocalEnd | undefined]>();

/** Typed views of a link's buffer. */
export class LinkMemory {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly shared: boolean;

  constructor(readonly buffer: SharedArrayBuffer | ArrayBuffer) {
    if (!(buffer instanceof SharedArrayBuffer || buffer instanceof ArrayBuffer) || buffer.byteLength < LINK_HEADER_BYTES) {
      throw new LinkError('bad-descriptor', 'not a vnet link: pass one of the { a, b } descriptors createLink returned');
    }
    this.i32 = new Int32Array(buffer, 0, LINK_HEADER_BYTES / 4);
    this.f64 = new Float64Array(buffer, 0, LINK_HEADER_BYTES / 8);
    this.shared = buffer instanceof SharedArrayBuffer;
  }

  /** Lays out a fresh buffer. */
  static format(buffer: SharedArrayBuffer | ArrayBuffer, maxFrame: number, ringBytes: readonly [number, number]): LinkMemory {
    const m = new LinkMemory(buffer);
    m.i32[W_MAX_FRAME] = maxFrame;
    let at = LINK_HEADER_BYTES;
    for (const d of [0, 1] as const) {
      m.i32[W_RING + 2 * d] = at;
      m.i32[W_RING + 2 * d + 1] = ringBytes[d];
      at += 128 + ringBytes[d];
    }
    Atomics.store(m.i32, W_MAGIC, LINK_MAGIC);
    return m;
  }

  /** Views of an existing link's buffer, checked. */
  static of(buffer: SharedArrayBuffer | ArrayBuffer): LinkMemory {
    const m = new LinkMemory(buffer);
    if (Atomics.load(m.i32, W_MAGIC) !== LINK_MAGIC) {
      throw new LinkError('bad-descriptor', 'this buffer holds no vnet link: pass one of the { a, b } descriptors createLink returned');
    }
    return m;
  }

  get maxFrame(): number {
    return this.i32[W_MAX_FRAME];
  }

  ringOffset(d: Direction): number {
    return this.i32[W_RING + 2 * d];
  }

  ringBytes(d: Direction): number {
    return this.i32[W_RING + 2 * d + 1];
  }

  countersBase(d: Direction): number {
    return COUNTERS_AT + d * COUNTER_SLOTS;
  }

  impairments(d: Direction): ImpairmentStore {
    return new ImpairmentStore(this.f64, IMPAIRMENTS_AT + d * IMPAIRMENT_SLOTS, this.i32, W_IMPAIR_SEQ + d);
  }

  get state(): number {
    return Atomics.load(this.i32, W_STATE);
  }

  /**
   * Clears and sets STATE bits atomically, bumps its change count, and tells the ends. Returns
   * false, changing nothing, when any bit of `unless` is set.
   */
  updateState(clear: number, set: number, unless = 0): boolean {
    for (;;) {
      const old = Atomics.load(this.i32, W_STATE);
      if ((old & unless) !== 0) return false;
      const flags = (old & State.FLAGS_MASK & ~clear) | set;
      const next = ((((old >>> 8) + 1) & 0x7fffff) << 8) | flags;
      if (Atomics.compareExchange(this.i32, W_STATE, old, next) === old) break;
    }
    this.announce();
    return true;
  }

  /** Tells every end that STATE changed. */
  announce(): void {
    if (this.shared) Atomics.notify(this.i32, W_STATE);
    else {
      const ends = localEnds.get(this.buffer as ArrayBuffer);
      ends?.[0]?.stateChanged();
      ends?.[1]?.stateChanged();
    }
  }

  /** Registers a plain-buffer end and wires each end's producer to wake the other's consumer. */
  attachLocal(end: LocalEnd): void {
    const key = this.buffer as ArrayBuffer;
    let ends = localEnds.get(key);
    if (!ends) localEnds.set(key, (ends = [undefined, undefined]));
    ends[end.side] = end;
    const peer = ends[1 - end.side];
    if (peer) {
      end.tx.localWake = peer.rx.wakeLocal;
      peer.tx.localWake = end.rx.wakeLocal;
    }
  }

  detachLocal(end: LocalEnd): void {
    const ends = localEnds.get(this.buffer as ArrayBuffer);
    if (!ends || ends[end.side] !== end) return;
    ends[end.side] = undefined;
    const peer = ends[1 - end.side];
    if (peer) peer.tx.localWake = undefined;
  }
}

/** The buffer size of a link whose rings hold `ringBytes` data bytes each. */
export function linkBufferBytes(ringBytes: readonly [number, number]): number {
  return LINK_HEADER_BYTES + 2 * 128 + ringBytes[0] + ringBytes[1];
}
