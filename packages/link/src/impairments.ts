/**
 * impairments — what a link does to the frames one end sends, in `tc netem` + token-bucket
 * terms, with its validation and its home in shared memory.
 *
 * The values of one direction live in 16 Float64 slots of the link's buffer behind a sequence
 * word (a seqlock): any thread may change them (`setLinkImpairments`), the sending end notices
 * the new sequence with one Atomics.load per frame and re-reads them, so impairments change at
 * run time without a message to the worker.
 */

import { LinkError } from './errors.js';

export type JitterDistribution = 'uniform' | 'normal';

/** Impairments of one direction. Every field is optional; absent means "none". */
export interface Impairments {
  /** Bandwidth in bit/s (1 kbit/s … 100 Gbit/s): frames leave one after the other at this rate. 0 = unlimited. */
  bw?: number;
  /**
   * A token bucket of this many bytes on top of `bw`, as vSphere's traffic shaping (average
   * bandwidth `bw`, burst size `burst`, peak bandwidth `peak`): while the bucket holds tokens,
   * frames leave at once (or at `peak`); the bucket refills at `bw`. 0 = no bucket: frames
   * leave strictly at `bw`.
   */
  burst?: number;
  /** With `burst`: the rate in bit/s at which a burst leaves (0 = as fast as offered). */
  peak?: number;
  /** One-way delay in ms. */
  delay?: number;
  /** Delay variation in ms: ±jitter (uniform) or a standard deviation (normal). Frames stay in order. */
  jitter?: number;
  jitterDistribution?: JitterDistribution;
  /** Correlation of consecutive jitter draws, in % (netem's delay correlation). */
  jitterCorrelation?: number;
  /** Frames lost at random, in %. */
  loss?: number;
  /** Correlation of consecutive loss decisions, in %: losses come in bursts, the rate stays `loss`. */
  lossCorrelation?: number;
  /** Frames that get one random bit flipped, in %. */
  corrupt?: number;
  /** Frames sent twice, in %. */
  duplicate?: number;
  /** Frames held back and sent after the next one, in %. */
  reorder?: number;
  /** Most frames waiting for their departure (with `bw`); more are tail-dropped as `queue-full`. Default 1000, as netem. */
  limitFrames?: number;
  /** Most bytes waiting for their departure (with `bw`). Default unlimited. */
  limitBytes?: number;
  /** Seed of the random decisions: the same seed repeats the same run. */
  seed?: number;
}

export type ResolvedImpairments = Required<Impairments>;

export const NO_IMPAIRMENTS: Readonly<ResolvedImpairments> = Object.freeze({
  bw: 0,
  burst: 0,
  peak: 0,
  delay: 0,
  jitter: 0,
  jitterDistribution: 'uniform',
  jitterCorrelation: 0,
  loss: 0,
  lossCorrelation: 0,
  corrupt: 0,
  duplicate: 0,
  reorder: 0,
  limitFrames: 1000,
  limitBytes: Number.POSITIVE_INFINITY,
  seed: 1,
});

const MAX_MS = 3_600_000;

/** Merges `changes` over `base` and checks every value; throws `LinkError('bad-option')`. */
export function resolveImpairments(changes: Impairments, base: Readonly<ResolvedImpairments> = NO_IMPAIRMENTS): ResolvedImpairments {
  const r: ResolvedImpairments = { ...base };
  for (const key of Object.keys(changes) as (keyof Impairments)[]) {
    const v = changes[key];
    if (v === undefined) continue;
    if (!(key in NO_IMPAIRMENTS))
      throw new LinkError('bad-option', `unknown impairment '${key}'; known: ${Object.keys(NO_IMPAIRMENTS).join(', ')}`);
    (r as unknown as Record<string, unknown>)[key] = v;
  }
  if (r.bw !== 0) range('bw', r.bw, 1e3, 100e9, 'bit/s (1 kbit/s … 100 Gbit/s), or 0 for unlimited');
  range('burst', r.burst, 0, 1 << 30, 'bytes');
  if (r.peak !== 0) range('peak', r.peak, 1e3, 100e9, 'bit/s (1 kbit/s … 100 Gbit/s), or 0 for no peak');
  if (r.burst > 0 && r.bw === 0) throw new LinkError('bad-option', 'burst needs bw: the bucket refills at the average rate bw');
  range('delay', r.delay, 0, MAX_MS, 'ms');
  range('jitter', r.jitter, 0, MAX_MS, 'ms');
  if (r.jitterDistribution !== 'uniform' && r.jitterDistribution !== 'normal') {
    throw new LinkError('bad-option', `jitterDistribution must be 'uniform' or 'normal', got ${String(r.jitterDistribution)}`);
  }
  for (const k of ['jitterCorrelation', 'loss', 'lossCorrelation', 'corrupt', 'duplicate', 'reorder'] as const) range(k, r[k], 0, 100, '%');
  if (r.limitFrames !== Number.POSITIVE_INFINITY && (!Number.isInteger(r.limitFrames) || r.limitFrames < 1)) {
    throw new LinkError('bad-option', `limitFrames must be a whole number of frames ≥ 1 (or Infinity), got ${r.limitFrames}`);
  }
  if (!(r.limitBytes >= 1)) throw new LinkError('bad-option', `limitBytes must be ≥ 1 byte (or Infinity), got ${r.limitBytes}`);
  if (!Number.isInteger(r.seed) || r.seed < 0 || r.seed > 0xffffffff) {
    throw new LinkError('bad-option', `seed must be an integer in 0 … 2^32 − 1, got ${r.seed}`);
  }
  return r;
}

function range(name: string, v: number, min: number, max: number, unit: string): void {
  if (typeof v !== 'number' || !(v >= min && v <= max)) {
    throw new LinkError('bad-option', `${name} must be between ${min} and ${max} ${unit}, got ${String(v)}`);
  }
}

// Slots of one direction's block.
const BW = 0;
const DELAY = 1;
const JITTER = 2;
const JITTER_DIST = 3;
const JITTER_CORR = 4;
const LOSS = 5;
const LOSS_CORR = 6;
const CORRUPT = 7;
const DUPLICATE = 8;
const REORDER = 9;
const LIMIT_FRAMES = 10;
const LIMIT_BYTES = 11;
const SEED = 12;
const BURST = 13;
const PEAK = 14;
/** Float64 slots per direction. */
export const IMPAIRMENT_SLOTS = 16;

/**
 * One direction's impairments in (shared) memory: `f64[base…]` holds the values, `i32[seqIndex]`
 * their sequence number, odd while a writer is changing them.
 */
export class ImpairmentStore {
  constructor(
    private readonly f64: Float64Array,
    private readonly base: number,
    private readonly i32: Int32Array,
    private readonly seqIndex: number,
  ) {}

  /** A private store in plain memory, for an impairer used on its own. */
  static standalone(values: Impairments = {}): ImpairmentStore {
    const store = new ImpairmentStore(new Float64Array(IMPAIRMENT_SLOTS), 0, new Int32Array(1), 0);
    store.write(resolveImpairments(values));
    return store;
  }

  /** The current sequence number: it changes whenever the values do. */
  get seq(): number {
    return Atomics.load(this.i32, this.seqIndex);
  }

  read(): ResolvedImpairments {
    for (let spins = 0; ; spins++) {
      const s = Atomics.load(this.i32, this.seqIndex);
      if ((s & 1) !== 0) {
        // A writer is at work: it takes nanoseconds. Still odd after a million tries means
        // its thread died mid-write; release the lock rather than spin forever.
        if (spins > 1_000_000) Atomics.compareExchange(this.i32, this.seqIndex, s, (s + 1) | 0);
        continue;
      }
      const f = this.f64;
      const b = this.base;
      const r: ResolvedImpairments = {
        bw: f[b + BW],
        delay: f[b + DELAY],
        jitter: f[b + JITTER],
        jitterDistribution: f[b + JITTER_DIST] === 1 ? 'normal' : 'uniform',
        jitterCorrelation: f[b + JITTER_CORR],
        loss: f[b + LOSS],
        lossCorrelation: f[b + LOSS_CORR],
        corrupt: f[b + CORRUPT],
        duplicate: f[b + DUPLICATE],
        reorder: f[b + REORDER],
        limitFrames: f[b + LIMIT_FRAMES],
        limitBytes: f[b + LIMIT_BYTES],
        seed: f[b + SEED],
        burst: f[b + BURST],
        peak: f[b + PEAK],
      };
      if (Atomics.load(this.i32, this.seqIndex) === s) return r;
    }
  }

  /** Replaces the values (already resolved). Safe against other writers in any thread. */
  write(v: Readonly<ResolvedImpairments>): void {
    let s: number;
    for (let spins = 0; ; spins++) {
      s = Atomics.load(this.i32, this.seqIndex);
      if ((s & 1) === 0 && Atomics.compareExchange(this.i32, this.seqIndex, s, (s + 1) | 0) === s) break;
      if ((s & 1) !== 0 && spins > 1_000_000) Atomics.compareExchange(this.i32, this.seqIndex, s, (s + 1) | 0); // a dead writer
    }
    const f = this.f64;
    const b = this.base;
    f[b + BW] = v.bw;
    f[b + DELAY] = v.delay;
    f[b + JITTER] = v.jitter;
    f[b + JITTER_DIST] = v.jitterDistribution === 'normal' ? 1 : 0;
    f[b + JITTER_CORR] = v.jitterCorrelation;
    f[b + LOSS] = v.loss;
    f[b + LOSS_CORR] = v.lossCorrelation;
    f[b + CORRUPT] = v.corrupt;
    f[b + DUPLICATE] = v.duplicate;
    f[b + REORDER] = v.reorder;
    f[b + LIMIT_FRAMES] = v.limitFrames;
    f[b + LIMIT_BYTES] = v.limitBytes;
    f[b + SEED] = v.seed;
    f[b + BURST] = v.burst;
    f[b + PEAK] = v.peak;
    Atomics.store(this.i32, this.seqIndex, (s + 2) | 0);
  }

  /** Merges `changes` over the current values, checks them and stores them. */
  update(changes: Impairments): ResolvedImpairments {
    const next = resolveImpairments(changes, this.read());
    this.write(next);
    return next;
  }
}
