/**
 * ring — a single-producer/single-consumer frame ring in one (Shared)ArrayBuffer.
 *
 * What: one direction of a link. The producer copies each frame in once, stamped with the time
 * it may be delivered; the consumer hands out due frames as views of the ring itself (no copy)
 * and stops at the first one not yet due, so the FIFO ring is also the link's delay line.
 *
 * Layout, in bytes from the ring's offset in its buffer (native byte order):
 *
 *     0  i32 HEAD       producer: position after the last published record (release: Atomics.store)
 *     4  i32 WRITTEN    producer: records published so far (mod 2^32)
 *     8  i32 NOTIFIES   producer: wake-ups it sent to a sleeping consumer
 *    64  i32 TAIL       consumer: position of the next record to read (Atomics.store once per drain)
 *    68  i32 CONSUMED   consumer: records delivered or discarded (mod 2^32); WRITTEN − CONSUMED are in flight
 *    72  i32 SLEEPING   consumer sets 1 before it waits; the producer that wakes it sets 0
 *    76  i32 SLEEPS     consumer: times it went to sleep
 *   128  data[capacity] records, each starting 8-aligned:
 *          u32 length | u32 flags | f64 deliverAt (ms on the shared clock, 0 = now) | payload, padded to 8
 *        and a u32 0xFFFFFFFF where the next record did not fit before the end: read on from 0.
 *
 * Producer and consumer words sit in different cache lines. The head never catches up with the
 * tail (one byte short of full), so HEAD === TAIL always means empty.
 *
 * Design (as virtio's event suppression): `write` only copies; `publish` makes a batch visible
 * with one Atomics.store and wakes the consumer only if it said it sleeps. Batches close after
 * `batch` records or at the end of the current task (a microtask), so a burst costs one store
 * and at most one wake-up. The consumer sleeps with `Atomics.waitAsync` on HEAD after setting
 * SLEEPING and re-checking HEAD: with sequentially consistent atomics either the producer sees
 * the flag or the consumer sees the new head, so no wake-up is lost, and the waiting worker's
 * event loop keeps running its timers. A ring in a plain ArrayBuffer (both ends in one worker)
 * has no waits: the producer schedules the consumer with setImmediate instead.
 */

import { copyBytes } from './bytes.js';
import type { FrameHandler } from './port.js';

/** Bytes before the data area. */
export const RING_CONTROL_BYTES = 128;
/** Bytes of a record's header (length, flags, deliverAt). */
export const RECORD_HEADER_BYTES = 16;
/** Frames per published batch. */
export const PUBLISH_BATCH = 32;

const HEAD = 0;
const WRITTEN = 1;
const NOTIFIES = 2;
const TAIL = 16;
const CONSUMED = 17;
const SLEEPING = 18;
const SLEEPS = 19;
const WRAP = 0xffffffff;

/** The bytes a record of `length` payload bytes takes in the ring. */
export function recordBytes(length: number): number {
  return RECORD_HEADER_BYTES + ((length + 7) & ~7);
}

/** The buffer bytes a ring with `capacity` data bytes takes (control words included). */
export function ringBufferBytes(capacity: number): number {
  return RING_CONTROL_BYTES + capacity;
}

/** Anything frames can be written to with a delivery time: a ring producer, or a test's recorder. */
export interface FrameSink {
  /** Copies the frame in; false when there is no room (the caller counts the drop). */
  write(bytes: Uint8Array, offset: number, length: number, deliverAt: number): boolean;
  /**
   * The same, with the delivery time read from `times[slot]`. V8 boxes a double passed to a
   * call it did not inline, which allocates; a slot of a Float64Array passes it for free.
   */
  writeStamped(bytes: Uint8Array, offset: number, length: number, times: Float64Array, slot: number): boolean;
  /** Where the last successful `write` put the payload: `data[lastOffset…]` (used to corrupt the copy). */
  readonly data: Uint8Array;
  readonly lastOffset: number;
}

/** Counters of one ring, readable from any thread. */
export interface RingCounters {
  /** Records published. */
  written: number;
  consumed: number;
  /** Records published and not yet consumed: `written − consumed`. */
  inFlight: number;
  notifies: number;
  sleeps: number;
}

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
// Atomics.waitAsync is in ES2024's lib; Node has it since 16.
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): WaitAsyncResult }).waitAsync;

function checkGeometry(buffer: ArrayBufferLike, byteOffset: number, capacity: number): void {
  if (byteOffset % 8 !== 0 || capacity % 8 !== 0 || capacity < 64 || byteOffset + ringBufferBytes(capacity) > buffer.byteLength) {
    throw new RangeError(`ring: capacity ${capacity} at offset ${byteOffset} must be 8-aligned, at least 64 and inside the buffer`);
  }
}

/** Reads a ring's counters without being one of its ends: any thread may call it. */
export function readRingCounters(buffer: ArrayBufferLike, byteOffset: number): RingCounters {
  const ctrl = new Int32Array(buffer, byteOffset, RING_CONTROL_BYTES / 4);
  const written = Atomics.load(ctrl, WRITTEN) >>> 0;
  const consumed = Atomics.load(ctrl, CONSUMED) >>> 0;
  return {
    written,
    consumed,
    inFlight: (written - consumed) >>> 0,
    notifies: Atomics.load(ctrl, NOTIFIES) >>> 0,
    sleeps: Atomics.load(ctrl, SLEEPS) >>> 0,
  };
}

/** What both ends of a ring see: its control words and its data, through typed views made once. */
abstract class RingEnd {
  readonly capacity: number;
  readonly shared: boolean;
  readonly data: Uint8Array;
  protected readonly ctrl: Int32Array;
  protected readonly u32: Uint32Array;
  protected readonly f64: Float64Array;

  constructor(buffer: ArrayBufferLike, byteOffset: number, capacity: number) {
    checkGeometry(buffer, byteOffset, capacity);
    const at = byteOffset + RING_CONTROL_BYTES;
    this.capacity = capacity;
    this.shared = buffer instanceof SharedArrayBuffer;
    this.ctrl = new Int32Array(buffer, byteOffset, RING_CONTROL_BYTES / 4);
    this.data = new Uint8Array(buffer, at, capacity);
    this.u32 = new Uint32Array(buffer, at, capacity / 4);
    this.f64 = new Float64Array(buffer, at, capacity / 8);
  }
}

/** The writing end. Exactly one producer may exist per ring at a time. */
export class RingProducer extends RingEnd implements FrameSink {
  lastOffset = 0;
  /** Records per published batch. */
  batch = PUBLISH_BATCH;
  /** For a plain-buffer ring: wakes the consumer living in this same thread. */
  localWake: (() => void) | undefined = undefined;

  private head: number;
  /** The consumer's tail as last read: a lower bound of the real one. */
  private tail: number;
  private written: number;
  private unpublished = 0;
  private flushQueued = false;

  constructor(buffer: ArrayBufferLike, byteOffset: number, capacity: number) {
    super(buffer, byteOffset, capacity);
    this.head = Atomics.load(this.ctrl, HEAD);
    this.tail = Atomics.load(this.ctrl, TAIL);
    this.written = this.ctrl[WRITTEN];
  }

  /**
   * Copies a frame into the ring, to be delivered at `deliverAt` (ms on the shared clock; 0 =
   * at once). Returns false when the ring has no room: the caller counts `ring-full`. The record
   * becomes visible at the next `publish`, which happens by itself after `batch` records or at
   * the end of the current task.
   */
  write(bytes: Uint8Array, offset: number, length: number, deliverAt: number, flags = 0): boolean {
    // Small on purpose: inlined into its caller, the double `deliverAt` is never boxed.
    const at = this.claim(length, flags);
    if (at < 0) return false;
    this.f64[(at >> 3) + 1] = deliverAt;
    copyBytes(this.data, this.u32, at + RECORD_HEADER_BYTES, bytes, offset, length);
    this.advance(at, length);
    return true;
  }

  writeStamped(bytes: Uint8Array, offset: number, length: number, times: Float64Array, slot: number): boolean {
    const at = this.claim(length, 0);
    if (at < 0) return false;
    this.f64[(at >> 3) + 1] = times[slot];
    copyBytes(this.data, this.u32, at + RECORD_HEADER_BYTES, bytes, offset, length);
    this.advance(at, length);
    return true;
  }

  /** Whether a record of `length` bytes would fit now; a sender can wait for room instead of counting drops. */
  fits(length: number): boolean {
    const size = RECORD_HEADER_BYTES + ((length + 7) & ~7);
    const cap = this.capacity;
    const h = this.head;
    const t = (this.tail = Atomics.load(this.ctrl, TAIL));
    if (h >= t) return h + size < cap || (h + size === cap && t !== 0) || size < t;
    return h + size < t;
  }

  /** Finds room for a record and writes its length and flags; returns its position, or −1 when full. */
  private claim(length: number, flags: number): number {
    const size = RECORD_HEADER_BYTES + ((length + 7) & ~7);
    // The tail seen last time is a safe bound (the consumer only moves it forward): read the
    // consumer's cache line again only when that bound says the ring is full.
    let at = this.room(size, this.tail);
    if (at < 0) {
      this.tail = Atomics.load(this.ctrl, TAIL);
      at = this.room(size, this.tail);
      if (at < 0) return -1;
    }
    this.u32[at >> 2] = length;
    this.u32[(at >> 2) + 1] = flags;
    this.lastOffset = at + RECORD_HEADER_BYTES;
    return at;
  }

  /** Where a record of `size` bytes goes with the consumer at `t`, or −1; writes the wrap marker if it wraps. */
  private room(size: number, t: number): number {
    const cap = this.capacity;
    const h = this.head;
    if (h >= t) {
      if (h + size < cap || (h + size === cap && t !== 0)) return h;
      if (size < t) {
        this.u32[h >> 2] = WRAP;
        return 0;
      }
      return -1;
    }
    return h + size < t ? h : -1;
  }

  /** Moves the local head past a written record and publishes when the batch is full. */
  private advance(at: number, length: number): void {
    const next = at + RECORD_HEADER_BYTES + ((length + 7) & ~7);
    this.head = next === this.capacity ? 0 : next;
    this.written = (this.written + 1) | 0;
    if (++this.unpublished >= this.batch) this.publish();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  /** Makes every written record visible and wakes the consumer if it sleeps. */
  publish(): void {
    if (this.unpublished === 0) return;
    this.unpublished = 0;
    const ctrl = this.ctrl;
    ctrl[WRITTEN] = this.written;
    Atomics.store(ctrl, HEAD, this.head);
    // Only a consumer that announced it sleeps is woken, and only once per sleep: the CAS
    // hands the wake-up to exactly one publisher.
    if (Atomics.load(ctrl, SLEEPING) !== 0 && Atomics.compareExchange(ctrl, SLEEPING, 1, 0) === 1) {
      ctrl[NOTIFIES]++;
      if (this.shared) Atomics.notify(ctrl, HEAD, 1);
      else this.localWake?.();
    }
  }

  /** Free data bytes (an upper bound for the next record: a wrap may waste the end). */
  get freeBytes(): number {
    const h = this.head;
    const t = (this.tail = Atomics.load(this.ctrl, TAIL));
    return (h >= t ? this.capacity - h + t : t - h) - 8;
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    this.publish();
  };
}

/** The reading end. Exactly one consumer may exist per ring at a time. */
export class RingConsumer extends RingEnd {
  /** After `drain`: the deliverAt of the record it stopped at because it was not due, else 0. */
  nextDueAt = 0;
  /** Records the last `drain` or `discard` took (also when a handler threw). */
  lastCount = 0;
  /** Their payload bytes. */
  lastBytes = 0;

  private tail: number;
  private consumed: number;
  private halted = false;
  private waiting = false;
  private wake: (() => void) | undefined = undefined;
  private localImmediate: NodeJS.Immediate | undefined = undefined;

  constructor(buffer: ArrayBufferLike, byteOffset: number, capacity: number) {
    super(buffer, byteOffset, capacity);
    this.tail = Atomics.load(this.ctrl, TAIL);
    this.consumed = this.ctrl[CONSUMED];
    Atomics.store(this.ctrl, SLEEPING, 0);
  }

  /** True when published records are waiting (due or not). */
  get pending(): boolean {
    return Atomics.load(this.ctrl, HEAD) !== this.tail;
  }

  /**
   * Hands up to `max` due records, in order, to `handler(ring bytes, offset, length)`; the view
   * is valid only during the call. Stops at the first record due after `now` and leaves its
   * time in `nextDueAt`. Returns the number delivered.
   */
  drain(handler: FrameHandler, now: number, max: number): number {
    const u32 = this.u32;
    const f64 = this.f64;
    const data = this.data;
    const cap = this.capacity;
    const h = Atomics.load(this.ctrl, HEAD);
    let t = this.tail;
    let n = 0;
    let bytes = 0;
    this.nextDueAt = 0;
    try {
      while (t !== h && n < max && !this.halted) {
        const length = u32[t >> 2];
        if (length === WRAP) {
          t = 0;
          continue;
        }
        const due = f64[(t >> 3) + 1];
        if (due > now) {
          this.nextDueAt = due;
          break;
        }
        const at = t + RECORD_HEADER_BYTES;
        t += RECORD_HEADER_BYTES + ((length + 7) & ~7);
        if (t === cap) t = 0;
        n++;
        bytes += length;
        // The record stays ours until TAIL moves past it in `finally`, so the view is safe.
        handler(data, at, length);
      }
    } finally {
      this.release(t, n, bytes);
    }
    return n;
  }

  /** Takes up to `max` published records without delivering them (a link that went down). */
  discard(max: number): number {
    const u32 = this.u32;
    const cap = this.capacity;
    const h = Atomics.load(this.ctrl, HEAD);
    let t = this.tail;
    let n = 0;
    let bytes = 0;
    while (t !== h && n < max) {
      const length = u32[t >> 2];
      if (length === WRAP) {
        t = 0;
        continue;
      }
      t += RECORD_HEADER_BYTES + ((length + 7) & ~7);
      if (t === cap) t = 0;
      n++;
      bytes += length;
    }
    this.release(t, n, bytes);
    return n;
  }

  /**
   * Goes to sleep until the producer publishes: `wake` will be called once, asynchronously.
   * Returns false instead, without sleeping, when records are already published (drain them).
   */
  sleep(wake: () => void): boolean {
    if (this.halted) return true;
    const ctrl = this.ctrl;
    Atomics.store(ctrl, SLEEPING, 1);
    const h = Atomics.load(ctrl, HEAD);
    if (h !== this.tail) {
      Atomics.store(ctrl, SLEEPING, 0);
      return false;
    }
    ctrl[SLEEPS]++;
    this.wake = wake;
    if (!this.shared) return true; // the producer calls wakeLocal
    const r = waitAsync(ctrl, HEAD, h);
    if (!r.async) {
      // HEAD moved between the check and the wait.
      Atomics.store(ctrl, SLEEPING, 0);
      this.wake = undefined;
      return false;
    }
    this.waiting = true;
    r.value.then(this.onWaitDone);
    return true;
  }

  /** For a plain-buffer ring: the same-thread producer calls this after publishing to a sleeper. */
  readonly wakeLocal = (): void => {
    if (this.wake !== undefined && this.localImmediate === undefined) this.localImmediate = setImmediate(this.onLocalWake);
  };

  /** Stops for good: a running drain ends after the current record, a pending wait is released. */
  halt(): void {
    this.halted = true;
    this.wake = undefined;
    if (this.localImmediate !== undefined) clearImmediate(this.localImmediate);
    this.localImmediate = undefined;
    // Our own waiter is the only one on HEAD: notifying releases it (its callback sees `halted`).
    if (this.waiting) Atomics.notify(this.ctrl, HEAD);
    Atomics.store(this.ctrl, SLEEPING, 0);
  }

  private release(t: number, n: number, bytes: number): void {
    this.tail = t;
    this.consumed = (this.consumed + n) | 0;
    this.ctrl[CONSUMED] = this.consumed;
    Atomics.store(this.ctrl, TAIL, t);
    this.lastCount = n;
    this.lastBytes = bytes;
  }

  private readonly onWaitDone = (): void => {
    this.waiting = false;
    this.fireWake();
  };

  private readonly onLocalWake = (): void => {
    this.localImmediate = undefined;
    this.fireWake();
  };

  private fireWake(): void {
    if (this.halted) return;
    Atomics.store(this.ctrl, SLEEPING, 0);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
