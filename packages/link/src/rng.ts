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
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare = 0;
  private hasSpare = false;

  constructor(seed = 1) {
    this.seed(seed);
  }

  /** Restarts the stream: the same seed gives the same draws. */
  seed(seed: number): void {
    let x = seed >>> 0;
    x = (x + 0x9e3779b9) | 0;
    this.s0 = mix32(x);
    x = (x + 0x9e3779b9) | 0;
    this.s1 = mix32(x);
    x = (x + 0x9e3779b9) | 0;
    this.s2 = mix32(x);
    x = (x + 0x9e3779b9) | 0;
    this.s3 = mix32(x);
    // An all-zero state would stay zero forever; splitmix32 never yields four zeros, but be sure.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.hasSpare = false;
  }

  /** A uniform uint32. */
  next(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  uniform(): number {
    return this.next() / TWO_32;
  }

  /** An integer uniform in [0, n), for n ≤ 2^32. */
  below(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (mean 0, standard deviation 1), by Box–Muller. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u = 1 - this.uniform(); // (0, 1]: log stays finite
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * v;
    this.spare = r * Math.sin(a);
    this.hasSpare = true;
    return r * Math.cos(a);
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

  constructor(
    private readonly rng: Rng,
    /** Probability in [0, 1]. */
    public p = 0,
    /** Correlation in [0, 1]. */
    public corr = 0,
  ) {}

  next(): boolean {
    if (this.corr > 0 && this.rng.uniform() < this.corr) return this.last;
    this.last = this.rng.uniform() < this.p;
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
