/**
 * impair — the sending end's impairment stage, like `tc netem` behind a token bucket.
 *
 * What: each offered frame is (in this order) checked for size, lost, duplicated, shaped,
 * delayed, corrupted and possibly held back for reordering, then written to a sink (the
 * direction's ring) stamped with the time it may be delivered. Every frame ends up written,
 * held, or counted under a drop reason in the direction's counters.
 *
 * Design:
 * - Shaping is serialisation at `bw`: departure = max(now, previous departure) + bits / bw.
 *   With a `burst` bucket (vSphere's shaping: average `bw`, burst size, `peak`), a frame leaves
 *   as soon as the bucket holds its bytes (paced at `peak` when set), and the bucket refills at
 *   `bw`. Frames whose departure lies in the future are "in the queue"; the queue limit
 *   tail-drops (`queue-full`) when `limitFrames` or `limitBytes` would be exceeded.
 * - deliverAt = departure + delay + jitter, never earlier than the previous frame's, so the
 *   FIFO ring is the delay line and frames stay in order (jitter cannot reorder, unlike
 *   netem's without a rate). The receiver holds each record until its stamp.
 * - Reorder holds one frame back and writes it right after the next frame; with no next
 *   frame within max(delay, 1) ms it goes alone. Corruption flips one random bit of the copy
 *   in the ring, never the sender's bytes. A duplicate is a second copy shaped like any frame.
 * - Loss (and duplicate/corrupt/reorder) decisions use a seeded Rng, so a seed repeats a run.
 *
 * Why here: impairing at the sender keeps the receiver trivial (deliver what is due) and puts
 * the cost on the worker that generates the traffic.
 *
 * Nothing here allocates per frame: the departure FIFO, the held frame and the random state
 * are preallocated; times travel in a Float64Array rather than as arguments (V8 boxes a double
 * passed to a call it did not inline); and the shared clock, whose reading allocates on
 * Node 20, is read once per 32 frames of a task (see `clockReuse`).
 */

import { copyBytes } from './bytes.js';
import { type Clock, sharedClock } from './clock.js';
import { COUNTER_SLOTS, Counter } from './counters.js';
import { ImpairmentStore, type Impairments, type ResolvedImpairments } from './impairments.js';
import type { FrameSink } from './ring.js';
import { CorrelatedChance, Rng } from './rng.js';

// Slots of Impairer.t.
const NOW = 0;
const LAST_DEPARTURE = 1;
const LAST_DELIVER_AT = 2;
const DELIVER_AT = 3;
const LAST_JITTER = 4;
const HELD_DELIVER_AT = 5;
const DRAW = 6;
/** With a burst bucket: the tokens (bytes) it held at `TOKENS_AT`. */
const TOKENS = 7;
const TOKENS_AT = 8;
const T_SLOTS = 9;

/** The largest frame a link carries by default: 64 KiB of payload plus headers. */
export const DEFAULT_MAX_FRAME = 65_536 + 128;

export interface ImpairerOptions {
  /** Where the values live; default: a private store holding `impairments`. */
  store?: ImpairmentStore;
  impairments?: Impairments;
  /** The direction's counters (`COUNTER_SLOTS` slots from `countersBase`); default: private ones. */
  counters?: Float64Array;
  countersBase?: number;
  /** The clock of departures and delivery stamps; default: the shared clock. */
  clock?: Clock;
  /**
   * Frames sent in one task that may share one clock reading. Reading the clock allocates on
   * Node 20 (performance.now builds an hrtime pair), and a burst sent in one task spans
   * microseconds, so by default the shared clock is read once per 32 frames and at least once
   * per task. Default 32 with the shared clock, 1 (every frame) with a clock you pass.
   */
  clockReuse?: number;
  /** Frames longer than this are dropped as `too-big`. */
  maxFrame?: number;
}

export class Impairer {
  readonly store: ImpairmentStore;
  readonly counters: Float64Array;
  readonly maxFrame: number;

  private readonly sink: FrameSink;
  private readonly c: Float64Array;
  private readonly cb: number;
  private readonly clock: Clock;
  private readonly clockReuse: number;
  private readonly rng = new Rng();
  private readonly lossChance = new CorrelatedChance(this.rng);
  private readonly duplicateChance = new CorrelatedChance(this.rng);
  private readonly corruptChance = new CorrelatedChance(this.rng);
  private readonly reorderChance = new CorrelatedChance(this.rng);
  private seq = -1;
  private seed = -1;
  /** No impairment at all: frames go straight to the sink. */
  private plain = true;
  private msPerByte = 0;
  private delay = 0;
  private jitter = 0;
  private normalJitter = false;
  private jitterCorr = 0;
  private limitFrames = Number.POSITIVE_INFINITY;
  private limitBytes = Number.POSITIVE_INFINITY;
  // Times live in a Float64Array, never in arguments, return values or plain fields of
  // per-frame code: V8 boxes a double crossing a call that is not inlined (and may box one
  // stored in a field), which would allocate per frame.
  private readonly t = new Float64Array(T_SLOTS);
  private clockUses = 0;
  private clockQueued = false;
  // Departure times of the frames still waiting, oldest first (only tracked under limitFrames).
  private departures = new Float64Array(0);
  private burst = 0;
  private msPerPeakByte = 0;
  private depHead = 0;
  private depCount = 0;
  // The frame held back by reorder.
  private held: Uint8Array | undefined;
  private held32: Uint32Array | undefined;
  private heldLength = -1;
  private holdTimer: NodeJS.Timeout | undefined;
  private holdMs = 0;
  private closed = false;

  constructor(sink: FrameSink, options: ImpairerOptions = {}) {
    this.sink = sink;
    this.store = options.store ?? ImpairmentStore.standalone(options.impairments);
    this.counters = options.counters ?? new Float64Array(COUNTER_SLOTS);
    this.c = this.counters;
    this.cb = options.countersBase ?? 0;
    this.clock = options.clock ?? sharedClock;
    this.clockReuse = Math.max(1, Math.floor(options.clockReuse ?? (options.clock ? 1 : 32)));
    this.maxFrame = options.maxFrame ?? DEFAULT_MAX_FRAME;
  }

  /** The values in force, as the store holds them. */
  get impairments(): ResolvedImpairments {
    return this.store.read();
  }

  /** Changes some values (the rest stay); takes effect with the next frame. */
  set(changes: Impairments): void {
    this.store.update(changes);
  }

  /**
   * Offers one frame. Returns false when the frame (the original, not a duplicate) was
   * dropped; the drop is counted under its reason.
   */
  offer(bytes: Uint8Array, offset: number, length: number): boolean {
    const c = this.c;
    const b = this.cb;
    c[b + Counter.Offered] += 1;
    c[b + Counter.OfferedBytes] += length;
    if (length > this.maxFrame) {
      c[b + Counter.TooBig] += 1;
      return false;
    }
    if (this.store.seq !== this.seq) this.reload();
    if (this.plain) {
      if (this.sink.write(bytes, offset, length, 0)) return true;
      c[b + Counter.RingFull] += 1;
      return false;
    }
    if (this.clockUses === 0) this.readClock();
    this.clockUses--;
    if (this.lossChance.p > 0 && this.lossChance.next()) {
      c[b + Counter.Loss] += 1;
      return false;
    }
    const sent = this.transmit(bytes, offset, length);
    if (this.duplicateChance.p > 0 && this.duplicateChance.next()) {
      c[b + Counter.Duplicates] += 1;
      this.transmit(bytes, offset, length);
    }
    return sent;
  }

  /** Writes a held frame now (end of a run, or the link closes). */
  flush(): void {
    if (this.heldLength < 0) return;
    this.readClock();
    this.releaseHeld();
  }

  /** Drops a held frame as `link-down` (the link went down). */
  dropHeld(): void {
    if (this.heldLength < 0) return;
    this.heldLength = -1;
    this.c[this.cb + Counter.Held] = 0;
    this.c[this.cb + Counter.LinkDown] += 1;
  }

  /** Stops the hold timer; a held frame is dropped as `link-down`. */
  close(): void {
    this.closed = true;
    if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.dropHeld();
  }

  private readClock(): void {
    this.t[NOW] = this.clock();
    this.clockUses = this.clockReuse;
    if (this.clockReuse > 1 && !this.clockQueued) {
      this.clockQueued = true;
      queueMicrotask(this.expireClock);
    }
  }

  private readonly expireClock = (): void => {
    this.clockQueued = false;
    this.clockUses = 0;
  };

  /** Shapes, stamps and writes (or holds) one copy, at time `t[NOW]`. */
  private transmit(bytes: Uint8Array, offset: number, length: number): boolean {
    const c = this.c;
    const b = this.cb;
    const t = this.t;
    const now = t[NOW];
    let departure = now;
    if (this.msPerByte > 0) {
      if (this.queueFull(length)) {
        c[b + Counter.QueueFull] += 1;
        return false;
      }
      departure = t[LAST_DEPARTURE] > now ? t[LAST_DEPARTURE] : now;
      if (this.burst > 0) {
        // Tokens refill at bw up to the bucket's size; a frame waits until it has its bytes.
        let tokens = t[TOKENS] + (departure - t[TOKENS_AT]) / this.msPerByte;
        if (tokens > this.burst) tokens = this.burst;
        if (tokens < length) {
          departure += (length - tokens) * this.msPerByte;
          tokens = length;
        }
        t[TOKENS] = tokens - length;
        t[TOKENS_AT] = departure;
        departure += length * this.msPerPeakByte;
      } else {
        departure += length * this.msPerByte;
      }
      t[LAST_DEPARTURE] = departure;
      if (this.limitFrames !== Number.POSITIVE_INFINITY) this.pushDeparture();
    }
    t[DELIVER_AT] = departure + this.delay;
    if (this.jitter > 0) this.addJitter();
    if (t[DELIVER_AT] < departure) t[DELIVER_AT] = departure;

    if (this.heldLength < 0 && this.reorderChance.p > 0 && this.reorderChance.next()) {
      this.hold(bytes, offset, length);
      return true;
    }
    if (t[DELIVER_AT] < t[LAST_DELIVER_AT]) t[DELIVER_AT] = t[LAST_DELIVER_AT];
    t[LAST_DELIVER_AT] = t[DELIVER_AT];
    const ok = this.writeOut(bytes, offset, length, true);
    if (this.heldLength >= 0) {
      c[b + Counter.Reordered] += 1;
      this.releaseHeld();
    }
    return ok;
  }

  /** Writes to the sink stamped with `t[DELIVER_AT]` (0 if due already), counting `ring-full`; may corrupt the copy. */
  private writeOut(bytes: Uint8Array, offset: number, length: number, mayCorrupt: boolean): boolean {
    const t = this.t;
    if (t[DELIVER_AT] <= t[NOW]) t[DELIVER_AT] = 0;
    if (!this.sink.writeStamped(bytes, offset, length, t, DELIVER_AT)) {
      this.c[this.cb + Counter.RingFull] += 1;
      return false;
    }
    if (mayCorrupt && length > 0 && this.corruptChance.p > 0 && this.corruptChance.next()) {
      this.flipBit(this.sink.data, this.sink.lastOffset, length);
    }
    return true;
  }

  private flipBit(data: Uint8Array, at: number, length: number): void {
    const bit = this.rng.below(length * 8);
    data[at + (bit >>> 3)] ^= 1 << (bit & 7);
    this.c[this.cb + Counter.Corrupted] += 1;
  }

  private queueFull(length: number): boolean {
    const now = this.t[NOW];
    if (this.limitBytes !== Number.POSITIVE_INFINITY) {
      const backlog = (this.t[LAST_DEPARTURE] - now) / this.msPerByte;
      if (backlog > 0 && backlog + length > this.limitBytes) return true;
    }
    if (this.limitFrames !== Number.POSITIVE_INFINITY) {
      // Frames whose departure has passed have left the queue.
      const d = this.departures;
      while (this.depCount > 0 && d[this.depHead] <= now) {
        this.depHead = this.depHead + 1 === d.length ? 0 : this.depHead + 1;
        this.depCount--;
      }
      if (this.depCount >= this.limitFrames) return true;
    }
    return false;
  }

  /** Appends `t[LAST_DEPARTURE]` to the FIFO of waiting frames. */
  private pushDeparture(): void {
    if (this.depCount === this.departures.length) this.growDepartures();
    const d = this.departures;
    let i = this.depHead + this.depCount;
    if (i >= d.length) i -= d.length;
    d[i] = this.t[LAST_DEPARTURE];
    this.depCount++;
  }

  /** Doubles the FIFO (only while the queue grows towards its limit: amortised, not per frame). */
  private growDepartures(): void {
    const old = this.departures;
    const next = new Float64Array(Math.max(64, old.length * 2));
    for (let k = 0; k < this.depCount; k++) next[k] = old[(this.depHead + k) % old.length];
    this.departures = next;
    this.depHead = 0;
  }

  /** Adds a jitter draw to `t[DELIVER_AT]`; netem's correlation smooths consecutive draws. */
  private addJitter(): void {
    const t = this.t;
    if (this.normalJitter) this.rng.normalTo(t, DRAW);
    else {
      this.rng.uniformTo(t, DRAW);
      t[DRAW] = 2 * t[DRAW] - 1;
    }
    const j = t[DRAW] * this.jitter;
    t[LAST_JITTER] = this.jitterCorr > 0 ? this.jitterCorr * t[LAST_JITTER] + (1 - this.jitterCorr) * j : j;
    t[DELIVER_AT] += t[LAST_JITTER];
  }

  private hold(bytes: Uint8Array, offset: number, length: number): void {
    if (this.held === undefined) {
      this.held = new Uint8Array(this.maxFrame + 8);
      this.held32 = new Uint32Array(this.held.buffer);
    }
    copyBytes(this.held, this.held32!, 0, bytes, offset, length);
    if (length > 0 && this.corruptChance.p > 0 && this.corruptChance.next()) this.flipBit(this.held, 0, length);
    this.heldLength = length;
    this.t[HELD_DELIVER_AT] = this.t[DELIVER_AT];
    this.c[this.cb + Counter.Held] = 1;
    if (this.closed) return;
    // One timer, re-armed with refresh(): holding a frame allocates nothing.
    if (this.holdTimer === undefined) this.holdTimer = setTimeout(this.onHoldTimeout, this.holdMs);
    else this.holdTimer.refresh();
  }

  /** Writes the held frame, no earlier than the last frame written, at time `t[NOW]`. */
  private releaseHeld(): void {
    const length = this.heldLength;
    this.heldLength = -1;
    this.c[this.cb + Counter.Held] = 0;
    this.t[DELIVER_AT] = this.t[HELD_DELIVER_AT] < this.t[LAST_DELIVER_AT] ? this.t[LAST_DELIVER_AT] : this.t[HELD_DELIVER_AT];
    this.t[LAST_DELIVER_AT] = this.t[DELIVER_AT];
    this.writeOut(this.held!, 0, length, false);
  }

  private readonly onHoldTimeout = (): void => {
    this.flush();
  };

  private reload(): void {
    this.seq = this.store.seq;
    const v = this.store.read();
    if (v.seed !== this.seed) {
      this.seed = v.seed;
      this.rng.seed(v.seed);
    }
    this.msPerByte = v.bw > 0 ? 8000 / v.bw : 0;
    this.msPerPeakByte = v.peak > 0 ? 8000 / v.peak : 0;
    if (v.burst !== this.burst) {
      // A new bucket starts full.
      this.t[TOKENS] = v.burst;
      this.t[TOKENS_AT] = this.t[NOW];
    }
    this.burst = v.burst;
    this.delay = v.delay;
    this.jitter = v.jitter;
    this.normalJitter = v.jitterDistribution === 'normal';
    this.jitterCorr = v.jitterCorrelation / 100;
    this.lossChance.p = v.loss / 100;
    this.lossChance.corr = v.lossCorrelation / 100;
    this.duplicateChance.p = v.duplicate / 100;
    this.corruptChance.p = v.corrupt / 100;
    this.reorderChance.p = v.reorder / 100;
    this.limitFrames = v.limitFrames;
    this.limitBytes = v.limitBytes;
    const holdMs = Math.max(1, v.delay);
    if (holdMs !== this.holdMs) {
      this.holdMs = holdMs;
      if (this.holdTimer !== undefined) clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
      if (this.heldLength >= 0 && !this.closed) this.holdTimer = setTimeout(this.onHoldTimeout, holdMs);
    }
    if (v.reorder === 0) this.flush();
    this.plain = v.bw === 0 && v.delay === 0 && v.jitter === 0 && v.loss === 0 && v.corrupt === 0 && v.duplicate === 0 && v.reorder === 0;
  }
}
