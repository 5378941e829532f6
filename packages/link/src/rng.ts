/**
 * rng — the seeded random numbers behind every impairment decision.
 *
 * What: xoshiro128** (Blackman and Vigna), a 32-bit generator with a 2^128 − 1 period, seeded
 * through splitmix32 so that nearby seeds give unrelated streams. On top of it: uniform and
 * normal draws, and two kinds of correlated draws.
 *
 * Design: the state is four int32 fields and every draw is a few `Math.imul`s, so a draw
 * allocates nothing (the normal draw keeps Box–Muller's second value for the next call).
 *
 * Why seeded: the same seed replays the same losses, duplicates and jitter, so an experiment
 * (or a failing test) repeats exactly.
 */

const TWO_32 = 4294967296;

export class Rng {
  // State and outputs live in typed arrays: V8 may box a double or a large int32 stored in a
  // plain field, which would allocate per draw.
  private readonly s = new Int32Array(4);
  private readonly f = new Float64Array(2); // [last output, Box–Muller's spare]
  private hasSpare = false;

  constructor(seed = 1) {
    this.seed(seed);
  }

  /** Restarts the stream: the same seed gives the same draws. */
  seed(seed: number): void {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      this.s[i] = mix32(x);
    }
    // An all-zero state would stay zero forever; splitmix32 never yields four zeros, but be sure.
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    this.hasSpare = false;
  }

  /** A uniform uint32. */
  next(): number {
    this.step();
    return this.f[0];
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  uniform(): number {
    this.step();
    return this.f[0] / TWO_32;
  }

  /** An integer uniform in [0, n), for n ≤ 2^32. */
  below(n: number): number {
    this.step();
    return Math.floor((this.f[0] / TWO_32) * n);
  }

  /**
   * `uniform()` written to `out[slot]` instead of returned: V8 boxes a double returned from a
   * call it did not inline, so per-frame code draws this way to allocate nothing.
   */
  uniformTo(out: Float64Array, slot: number): void {
    this.step();
    out[slot] = this.f[0] / TWO_32;
  }

  /** `normal()` written to `out[slot]`, for the same reason. */
  normalTo(out: Float64Array, slot: number): void {
    if (this.hasSpare) {
      this.hasSpare = false;
      out[slot] = this.f[1];
      return;
    }
    this.step();
    const u = 1 - this.f[0] / TWO_32;
    this.step();
    const v = this.f[0] / TWO_32;
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * v;
    this.f[1] = r * Math.sin(a);
    this.hasSpare = true;
    out[slot] = r * Math.cos(a);
  }

  /** Standard normal (mean 0, standard deviation 1), by Box–Muller (u in (0, 1] keeps the log finite). */
  normal(): number {
    this.normalTo(this.f, 0); // f[0] is scratch: the next step rewrites it anyway
    return this.f[0];
  }

  /**
   * One xoshiro128** step, its output left in `f[0]`. A uint32 is not a small integer for V8,
   * so returning it from a call that is not inlined would box it: `step` returns nothing.
   */
  private step(): void {
    const s = this.s;
    const s1 = s[1];
    this.f[0] = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s[2] ^= s[0];
    s[3] ^= s1;
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
  }
}

/**
 * netem's correlated uniform: `next = corr × last + (1 − corr) × uniform`. Consecutive values
 * stay close when `corr` is high. As in netem, the mixing narrows the distribution around 0.5,
 * so it suits jitter; thresholding it for loss would lower the loss rate (see `CorrelatedChance`).
 */
export class CorrelatedUniform {
  private last: number;

  constructor(
    private readonly rng: Rng,
    /** Correlation in [0, 1]. */
    public corr = 0,
  ) {
    this.last = rng.uniform();
  }

  next(): number {
    const u = this.rng.uniform();
    if (this.corr === 0) return u;
    this.last = this.corr * this.last + (1 - this.corr) * u;
    return this.last;
  }
}

/**
 * A yes/no draw with probability `p` whose outcomes come in runs: with probability `corr` the
 * previous outcome repeats, otherwise a fresh one is drawn. Unlike thresholding netem's
 * correlated uniform, this keeps the long-run rate at exactly `p` while the mean run of "yes"
 * grows to 1 / ((1 − corr)(1 − p)); with `corr` 0 it is a plain Bernoulli draw.
 */
export class CorrelatedChance {
  private last = false;
  private readonly u = new Float64Array(1);

  constructor(
    private readonly rng: Rng,
    /** Probability in [0, 1]. */
    public p = 0,
    /** Correlation in [0, 1]. */
    public corr = 0,
  ) {}

  next(): boolean {
    const u = this.u;
    if (this.corr > 0) {
      this.rng.uniformTo(u, 0);
      if (u[0] < this.corr) return this.last;
    }
    this.rng.uniformTo(u, 0);
    this.last = u[0] < this.p;
    return this.last;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32's output function: spreads one 32-bit counter value over all bits. */
function mix32(x: number): number {
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return z ^ (z >>> 16);
}
