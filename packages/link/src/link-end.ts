/**
 * link-end — one end of a link, as the `Port` a device speaks.
 *
 * What: transmit side = impairer → this end's transmit ring; receive side = the peer's ring →
 * `onFrame`; plus carrier and counters, all kept in the link's buffer.
 *
 * Design of the receive side:
 * - Due frames are delivered in bursts of up to 32; after a full burst the end yields with
 *   setImmediate, so one busy link cannot starve the other links and timers of its worker.
 *   The receive counters are added once per burst, after it (during `onFrame` they do not yet
 *   include the current burst). Allocation is per burst (an Immediate, a clock reading), never per frame.
 * - When the ring is empty the end sleeps: Atomics.waitAsync on the ring's head (shared
 *   buffer), or a same-thread wake-up from the producer (plain buffer). The producer wakes it
 *   only when it sleeps, once per sleep.
 * - When the next frame is not due yet, a timer fires `spinMs` (default 2 ms) before its due
 *   time and setImmediate polls from there until it is due. Timers alone are only good to
 *   about a millisecond; the polling buys ~0.1 ms precision at the price of up to `spinMs` of
 *   busy event-loop turns per delayed wake-up (a link with a steady stream of delayed frames
 *   keeps its worker busy). `spinMs: 0` trades the precision back for idle CPU.
 * - Carrier follows the link's STATE word: a pending Atomics.waitAsync on it (shared buffer)
 *   or a same-thread call (plain buffer) reports changes; a down link drops what is offered
 *   (`link-down`) and discards what its rings still hold, counted as `link-down` too.
 *
 * `close()` releases every wait, timer and immediate, drops a held frame, discards what is
 * left in the receive ring, and marks the end gone, so the peer sees carrier down. Frames the
 * peer still published after that stay in flight until the end is opened again, which
 * discards them.
 */

import { type Clock, sharedClock } from './clock.js';
import { Counter } from './counters.js';
import { checkDescriptor, type LinkEndDescriptor, sideIndex } from './descriptor.js';
import { LinkError } from './errors.js';
import { Impairer } from './impair.js';
import type { Impairments, ResolvedImpairments } from './impairments.js';
import { holdThread, releaseThread } from './keep-alive.js';
import { type Direction, LinkMemory, type LocalEnd, type Side, State, W_STATE } from './link-memory.js';
import type { FrameHandler, Port, PortStats } from './port.js';
import { linkPortStats } from './port-stats.js';
import { RingConsumer, RingProducer } from './ring.js';

export interface LinkEndOptions {
  /** The clock of delivery stamps; default the shared clock (tests may pass an emulated one). */
  clock?: Clock;
  /** How long before a delayed frame is due the end stops sleeping on a timer and polls, in ms. Default 2; 0 = timers only. */
  spinMs?: number;
  /** Frames delivered per turn before yielding to the event loop. Default 32. */
  burst?: number;
}

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): WaitAsyncResult }).waitAsync;

const ignoreFrame: FrameHandler = () => {};

export class LinkEnd implements Port {
  readonly name: string;
  readonly peer: string;
  readonly side: Side;
  readonly descriptor: LinkEndDescriptor;
  readonly stats: PortStats;
  /** Where delivered frames go. Until a device sets it, frames are delivered to no one (and counted). */
  onFrame: FrameHandler = ignoreFrame;
  onCarrier: ((up: boolean) => void) | undefined = undefined;

  private readonly mem: LinkMemory;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly s: Direction;
  private readonly txBase: number;
  private readonly rxBase: number;
  private readonly tx: RingProducer;
  private readonly rx: RingConsumer;
  private readonly impairer: Impairer;
  private readonly clock: Clock;
  private readonly spinMs: number;
  private readonly burst: number;
  private readonly local: LocalEnd | undefined;
  private carrier: boolean;
  private closed = false;
  private holdsThread = false;
  private inDrain = false;
  private rxTimer: NodeJS.Timeout | undefined = undefined;
  private rxImmediate: NodeJS.Immediate | undefined = undefined;

  /** Opens an end in this thread; prefer `openLinkEnd(descriptor)`. */
  constructor(descriptor: LinkEndDescriptor, options: LinkEndOptions = {}) {
    checkDescriptor(descriptor);
    const spinMs = options.spinMs ?? 2;
    const burst = options.burst ?? 32;
    if (!(spinMs >= 0 && spinMs <= 1000)) throw new LinkError('bad-option', `spinMs must be between 0 and 1000 ms, got ${spinMs}`);
    if (!Number.isInteger(burst) || burst < 1) throw new LinkError('bad-option', `burst must be a whole number ≥ 1, got ${burst}`);
    const mem = LinkMemory.of(descriptor.buffer);
    const s = sideIndex(descriptor.side);
    const reopened = (mem.state & State.gone(s)) !== 0;
    if (!mem.updateState(State.gone(s), State.open(s), State.open(s))) {
      throw new LinkError(
        'already-open',
        `link end ${descriptor.name} is already open (in this or another worker); close it there first — each end may be open once`,
      );
    }
    this.descriptor = descriptor;
    this.name = descriptor.name;
    this.peer = descriptor.peer;
    this.side = descriptor.side;
    this.mem = mem;
    this.i32 = mem.i32;
    this.f64 = mem.f64;
    this.s = s;
    this.txBase = mem.countersBase(s);
    this.rxBase = mem.countersBase(s === 0 ? 1 : 0);
    this.clock = options.clock ?? sharedClock;
    this.spinMs = spinMs;
    this.burst = burst;
    this.tx = new RingProducer(descriptor.buffer, mem.ringOffset(s), mem.ringBytes(s));
    this.rx = new RingConsumer(descriptor.buffer, mem.ringOffset(s === 0 ? 1 : 0), mem.ringBytes(s === 0 ? 1 : 0));
    this.impairer = new Impairer(this.tx, {
      store: mem.impairments(s),
      counters: mem.f64,
      countersBase: this.txBase,
      clock: options.clock, // unset: the impairer may reuse shared-clock readings within a burst
      maxFrame: mem.maxFrame,
    });
    this.stats = linkPortStats(mem.f64, this.txBase, this.rxBase);
    this.carrier = (mem.state & State.DOWN_MASK) === 0;
    // Frames that reached a gone end are stale: a reopened end starts empty (they count as
    // link-down). On a first open, frames sent before it are delivered.
    if (reopened) this.purge();
    if (mem.shared) {
      this.local = undefined;
      this.ref();
      this.watchState();
    } else {
      this.local = { side: s, tx: this.tx, rx: this.rx, stateChanged: () => queueMicrotask(this.checkState) };
      mem.attachLocal(this.local);
    }
    // Frames may already wait in the ring (sent before this end opened).
    this.rxImmediate = setImmediate(this.rxTurn);
  }

  /** Carrier: false while either end is set down or gone, or this end is closed. */
  get up(): boolean {
    return !this.closed && (Atomics.load(this.i32, W_STATE) & State.DOWN_MASK) === 0;
  }

  /** Whether this end was set up by its user (`ip link set … up`); carrier also needs the peer. */
  get adminUp(): boolean {
    return (Atomics.load(this.i32, W_STATE) & State.adminDown(this.s)) === 0;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
    if (this.closed) throw new LinkError('closed', `link end ${this.name} is closed; open its descriptor again with openLinkEnd()`);
    if (!(offset >= 0 && length >= 0 && offset + length <= bytes.length)) {
      throw new LinkError('bad-range', `send(bytes, ${offset}, ${length}): the range must lie inside the ${bytes.length} bytes given`);
    }
    if ((Atomics.load(this.i32, W_STATE) & State.DOWN_MASK) !== 0) {
      const f = this.f64;
      const b = this.txBase;
      f[b + Counter.Offered] += 1;
      f[b + Counter.OfferedBytes] += length;
      f[b + Counter.LinkDown] += 1;
      return false;
    }
    return this.impairer.offer(bytes, offset, length);
  }

  /**
   * Whether a frame of `length` bytes would find room in the ring now. A traffic source can wait
   * for room (back-pressure) rather than offer frames that are dropped as `ring-full`.
   */
  hasRoom(length: number): boolean {
    return this.tx.fits(length);
  }

  /** Sets this end administratively up or down (`ip link set dev … up|down`); the peer loses carrier too. */
  setUp(up: boolean): void {
    const bit = State.adminDown(this.s);
    this.mem.updateState(up ? bit : 0, up ? 0 : bit);
  }

  /** The impairments of the direction this end sends on. */
  get impairments(): ResolvedImpairments {
    return this.impairer.impairments;
  }

  /** Changes impairments of the direction this end sends on; the others stay. */
  setImpairments(changes: Impairments): void {
    this.impairer.set(changes);
  }

  /** Publishes the frames written so far now, instead of at the end of the current task. */
  flush(): void {
    this.tx.publish();
  }

  /** Keeps the thread alive while this end is open (the default for shared links), as `socket.ref()`. */
  ref(): this {
    if (this.mem.shared && !this.holdsThread && !this.closed) {
      this.holdsThread = true;
      holdThread();
    }
    return this;
  }

  /** Lets the thread exit even though this end is open, as `socket.unref()`. */
  unref(): this {
    if (this.holdsThread) {
      this.holdsThread = false;
      releaseThread();
    }
    return this;
  }

  /**
   * Closes this end: publishes what it wrote, drops a frame held for reordering, discards what
   * its receive ring still holds (both counted as `link-down`), releases every wait and timer,
   * and marks the end gone so the peer sees carrier down. The descriptor may be opened again.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.impairer.close();
    this.tx.publish();
    if (this.rxTimer !== undefined) clearTimeout(this.rxTimer);
    if (this.rxImmediate !== undefined) clearImmediate(this.rxImmediate);
    this.rxTimer = undefined;
    this.rxImmediate = undefined;
    this.rx.halt();
    if (!this.inDrain) this.purge(); // else the running turn purges when its drain returns
    if (this.local) this.mem.detachLocal(this.local);
    this.unref();
    this.mem.updateState(State.open(this.s), State.gone(this.s));
  }

  private purge(): void {
    this.f64[this.rxBase + Counter.Purged] += this.rx.discard(Number.POSITIVE_INFINITY);
  }

  // ---- receive side ----

  private readonly rxTurn = (): void => {
    this.rxTimer = undefined;
    this.rxImmediate = undefined;
    if (this.closed) return;
    const rx = this.rx;
    if ((Atomics.load(this.i32, W_STATE) & State.DOWN_MASK) !== 0) {
      this.purge();
      this.sleep();
      return;
    }
    let threw = true;
    this.inDrain = true;
    try {
      rx.drain(this.onFrame, this.clock(), this.burst);
      threw = false;
    } finally {
      this.inDrain = false;
      this.f64[this.rxBase + Counter.Delivered] += rx.lastCount;
      this.f64[this.rxBase + Counter.DeliveredBytes] += rx.lastBytes;
      if (this.closed) this.purge();
      // A handler that threw loses nothing: the next turn goes on after the frame it failed on.
      else if (threw || rx.lastCount === this.burst) this.rxImmediate = setImmediate(this.rxTurn);
      else if (rx.nextDueAt > 0) this.wakeAt(rx.nextDueAt);
      else this.sleep();
    }
  };

  private wakeAt(due: number): void {
    const wait = due - this.clock();
    if (wait > this.spinMs) this.rxTimer = setTimeout(this.rxTurn, wait - this.spinMs);
    else this.rxImmediate = setImmediate(this.rxTurn);
  }

  private sleep(): void {
    if (!this.rx.sleep(this.onRxWake)) this.rxImmediate = setImmediate(this.rxTurn);
  }

  private readonly onRxWake = (): void => {
    if (!this.closed) this.rxTurn();
  };

  /** A link that went down must discard its ring now, not when a delayed frame's timer fires. */
  private kickRx(): void {
    if (this.rxTimer === undefined) return;
    clearTimeout(this.rxTimer);
    this.rxTimer = undefined;
    this.rxImmediate = setImmediate(this.rxTurn);
  }

  // ---- carrier ----

  private watchState(): void {
    for (;;) {
      if (this.closed) return;
      const state = Atomics.load(this.i32, W_STATE);
      this.applyState(state);
      if (this.closed) return;
      const r = waitAsync(this.i32, W_STATE, state);
      if (r.async) {
        r.value.then(this.onStateWake);
        return;
      }
    }
  }

  private readonly onStateWake = (): void => {
    this.watchState();
  };

  private readonly checkState = (): void => {
    if (!this.closed) this.applyState(Atomics.load(this.i32, W_STATE));
  };

  private applyState(state: number): void {
    const up = (state & State.DOWN_MASK) === 0;
    if (!up) {
      this.impairer.dropHeld();
      this.kickRx();
    }
    if (up !== this.carrier) {
      this.carrier = up;
      this.onCarrier?.(up);
    }
  }
}
