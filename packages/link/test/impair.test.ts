import { describe, expect, it } from 'vitest';
import { Counter, LinkError, Rng } from '../src/index.js';
import { dropped, emulated, frame } from './helpers/recorder.js';

/** Offers `n` frames of random Ethernet sizes at `offeredBps`, on the emulated clock. */
function offerAtRate(bw: number, offeredBps: number, n: number) {
  const { imp, rec, clock } = emulated({ bw, seed: 3 });
  const rng = new Rng(bw % 1000);
  const buf = frame(0, 1518);
  for (let i = 0; i < n; i++) {
    const length = 64 + rng.below(1518 - 64 + 1);
    imp.offer(buf, 0, length);
    clock.now += (length * 8 * 1000) / offeredBps;
  }
  return { imp, rec };
}

describe('bandwidth', () => {
  for (const bw of [1e6, 100e6, 1e9, 10e9]) {
    it(`delivers at ${bw / 1e6} Mbit/s within 2 % when offered 30 % more`, () => {
      const { imp, rec } = offerAtRate(bw, bw * 1.3, 20_000);
      // Measured on the delivery stamps: bits of the frames after the first over the time they took.
      let bits = 0;
      for (let i = 1; i < rec.frames.length; i++) bits += rec.frames[i].length * 8;
      const seconds = (rec.stamps[rec.stamps.length - 1] - rec.stamps[0]) / 1000;
      const rate = bits / seconds;
      expect(Math.abs(rate / bw - 1)).toBeLessThan(0.02);
      // The excess was tail-dropped at the queue limit (1000 frames), and every frame is counted.
      const c = imp.counters;
      expect(c[Counter.QueueFull]).toBeGreaterThan(0);
      expect(rec.frames.length + dropped(c)).toBe(20_000);
    });
  }

  it('passes traffic below the rate unchanged, one serialisation time late', () => {
    const { rec } = offerAtRate(100e6, 50e6, 5000);
    let bits = 0;
    for (let i = 1; i < rec.frames.length; i++) bits += rec.frames[i].length * 8;
    const rate = bits / ((rec.stamps[rec.stamps.length - 1] - rec.stamps[0]) / 1000);
    expect(rec.frames.length).toBe(5000);
    expect(Math.abs(rate / 50e6 - 1)).toBeLessThan(0.02);
  });
});

describe('token bucket (vSphere shaping: average, burst size, peak)', () => {
  it('lets a burst through at once, then holds the average rate', () => {
    const { imp, rec } = emulated({ bw: 1e6, burst: 15_000 });
    const f = frame(1, 1500);
    for (let i = 0; i < 20; i++) imp.offer(f, 0, f.length);
    // The bucket holds ten 1500-byte frames: they leave at once (stamp 0: due now).
    expect(rec.stamps.slice(0, 10).every((s) => s === 0)).toBe(true);
    // Then one every 12 ms, the average rate of 1 Mbit/s.
    for (let i = 11; i < 20; i++) expect(rec.stamps[i] - rec.stamps[i - 1]).toBeCloseTo(12, 6);
  });

  it('paces the burst at the peak rate', () => {
    const { imp, rec } = emulated({ bw: 1e6, burst: 15_000, peak: 10e6 });
    const f = frame(1, 1500);
    for (let i = 0; i < 10; i++) imp.offer(f, 0, f.length);
    // 1500 bytes at 10 Mbit/s: 1.2 ms apart, though the bucket could pay for all at once.
    for (let i = 1; i < 10; i++) expect(rec.stamps[i] - rec.stamps[i - 1]).toBeCloseTo(1.2, 6);
  });

  it('refuses a bucket without an average rate', () => {
    expect(() => emulated({ burst: 1000 })).toThrow(LinkError);
  });
});

describe('queue limit', () => {
  it('tail-drops beyond limitFrames frames waiting for departure', () => {
    const { imp, rec, clock } = emulated({ bw: 1e6, limitFrames: 10 });
    const f = frame(1, 1500);
    for (let i = 0; i < 100; i++) imp.offer(f, 0, f.length);
    expect(rec.frames.length).toBe(10);
    expect(imp.counters[Counter.QueueFull]).toBe(90);
    // Once the queue has drained (10 × 12 ms), frames are accepted again.
    clock.now += 121;
    expect(imp.offer(f, 0, f.length)).toBe(true);
  });

  it('tail-drops beyond limitBytes bytes waiting for departure', () => {
    const { imp, rec } = emulated({ bw: 1e6, limitFrames: Number.POSITIVE_INFINITY, limitBytes: 15_000 });
    const f = frame(1, 1500);
    for (let i = 0; i < 100; i++) imp.offer(f, 0, f.length);
    expect(rec.frames.length).toBe(10);
    expect(imp.counters[Counter.QueueFull]).toBe(90);
  });
});

describe('delay and jitter', () => {
  it('stamps each frame with now + delay', () => {
    const { imp, rec, clock } = emulated({ delay: 5 });
    const t0 = clock.now;
    imp.offer(frame(1), 0, 100);
    clock.now += 1;
    imp.offer(frame(2), 0, 100);
    expect(rec.stamps).toEqual([t0 + 5, t0 + 6]);
  });

  for (const jitterDistribution of ['uniform', 'normal'] as const) {
    it(`spreads delays by ${jitterDistribution} jitter and never reorders`, () => {
      const { imp, rec, clock } = emulated({ delay: 20, jitter: 2, jitterDistribution, seed: 9 });
      const sent: number[] = [];
      for (let i = 0; i < 10_000; i++) {
        sent.push(clock.now);
        imp.offer(frame(i), 0, 100);
        clock.now += 10; // far apart: the in-order clamp never bites
      }
      const delays = rec.stamps.map((s, i) => s - sent[i]);
      const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
      const sd = Math.sqrt(delays.reduce((a, d) => a + (d - mean) ** 2, 0) / delays.length);
      expect(Math.abs(mean - 20)).toBeLessThan(0.1);
      // Uniform on ±2 has a standard deviation of 2/√3; normal has 2.
      expect(sd).toBeCloseTo(jitterDistribution === 'uniform' ? 2 / Math.sqrt(3) : 2, 1);
      if (jitterDistribution === 'uniform') expect(Math.max(...delays) - Math.min(...delays)).toBeLessThanOrEqual(4);
      expect(rec.ids()).toEqual(sent.map((_, i) => i));
    });
  }

  it('keeps frames in order when jitter exceeds their spacing (stamps never go backwards)', () => {
    const { imp, rec, clock } = emulated({ delay: 10, jitter: 5, seed: 4 });
    for (let i = 0; i < 5000; i++) {
      imp.offer(frame(i), 0, 100);
      clock.now += 0.5;
    }
    for (let i = 1; i < rec.stamps.length; i++) expect(rec.stamps[i]).toBeGreaterThanOrEqual(rec.stamps[i - 1]);
    expect(rec.ids()).toEqual([...Array(5000).keys()]);
  });
});

describe('loss', () => {
  it('loses 10 % of 10,000 frames, within one point', () => {
    const { imp, rec } = emulated({ loss: 10, seed: 77 });
    const f = frame(1);
    for (let i = 0; i < 10_000; i++) imp.offer(f, 0, f.length);
    const lost = imp.counters[Counter.Loss];
    expect(Math.abs(lost / 10_000 - 0.1)).toBeLessThan(0.01);
    expect(rec.frames.length + lost).toBe(10_000);
  });

  it('makes longer bursts with correlation, at the same rate', () => {
    const bursts = (lossCorrelation: number) => {
      const { imp } = emulated({ loss: 20, lossCorrelation, seed: 5 });
      const f = frame(1);
      let runs = 0;
      let lostInRuns = 0;
      let previous = false;
      for (let i = 0; i < 50_000; i++) {
        const lost = !imp.offer(f, 0, f.length);
        if (lost && !previous) runs++;
        if (lost) lostInRuns++;
        previous = lost;
      }
      return { rate: lostInRuns / 50_000, meanBurst: lostInRuns / runs };
    };
    const plain = bursts(0);
    const correlated = bursts(75);
    expect(Math.abs(plain.rate - 0.2)).toBeLessThan(0.01);
    expect(Math.abs(correlated.rate - 0.2)).toBeLessThan(0.02);
    // Expected mean burst: 1 / (1 − p) = 1.25 without correlation, 1 / ((1 − c)(1 − p)) = 5 with c = 75 %.
    expect(plain.meanBurst).toBeCloseTo(1.25, 1);
    expect(correlated.meanBurst).toBeGreaterThan(4.5);
    expect(correlated.meanBurst).toBeLessThan(5.5);
  });
});

describe('duplicate, corrupt, reorder', () => {
  it('duplicates about 5 % of frames and counts the copies', () => {
    const { imp, rec } = emulated({ duplicate: 5, seed: 11 });
    for (let i = 0; i < 20_000; i++) imp.offer(frame(i), 0, 100);
    const dups = imp.counters[Counter.Duplicates];
    expect(Math.abs(dups / 20_000 - 0.05)).toBeLessThan(0.01);
    expect(rec.frames.length).toBe(20_000 + dups);
    // A duplicate follows its original.
    const ids = rec.ids();
    let adjacent = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i] === ids[i - 1]) adjacent++;
    expect(adjacent).toBe(dups);
  });

  it('flips exactly one bit in about 5 % of the copies, never in the sender’s bytes', () => {
    const { imp, rec } = emulated({ corrupt: 5, seed: 12 });
    const originals: Uint8Array[] = [];
    for (let i = 0; i < 20_000; i++) {
      const f = frame(i, 64 + (i % 200));
      originals.push(f);
      imp.offer(f, 0, f.length);
    }
    let corrupted = 0;
    let moreThanOneBit = 0;
    rec.frames.forEach((copy, i) => {
      const bits = diffBits(copy, originals[i]);
      if (bits > 1) moreThanOneBit++;
      corrupted += bits;
    });
    expect(moreThanOneBit).toBe(0);
    expect(corrupted).toBe(imp.counters[Counter.Corrupted]);
    expect(Math.abs(corrupted / 20_000 - 0.05)).toBeLessThan(0.01);
    const untouched = originals.every((f, i) => diffBits(f, frame(i, 64 + (i % 200))) === 0);
    expect(untouched).toBe(true);
  });

  it('sends about 10 % of frames after the next one', () => {
    const { imp, rec, clock } = emulated({ reorder: 10, delay: 5, seed: 13 });
    for (let i = 0; i < 20_000; i++) {
      imp.offer(frame(i), 0, 100);
      clock.now += 0.1;
    }
    imp.flush();
    const ids = rec.ids();
    expect([...ids].sort((x, y) => x - y)).toEqual([...Array(20_000).keys()]);
    let swaps = 0;
    for (let i = 1; i < ids.length; i++) if (ids[i] < ids[i - 1]) swaps++;
    expect(swaps).toBe(imp.counters[Counter.Reordered]);
    // A held frame makes the next one ineligible, so the share is p / (1 + p) … p.
    expect(swaps / 20_000).toBeGreaterThan(0.1 / 1.1 - 0.01);
    expect(swaps / 20_000).toBeLessThan(0.1 + 0.01);
    for (let i = 1; i < rec.stamps.length; i++) expect(rec.stamps[i]).toBeGreaterThanOrEqual(rec.stamps[i - 1]);
    imp.close();
  });

  it('sends a held frame alone when no next frame comes', async () => {
    const { imp, rec } = emulated({ reorder: 100, delay: 1 });
    imp.offer(frame(1), 0, 100);
    expect(rec.frames.length).toBe(0);
    expect(imp.counters[Counter.Held]).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(rec.ids()).toEqual([1]);
    expect(imp.counters[Counter.Held]).toBe(0);
    imp.close();
  });
});

describe('accounting, seeds and run-time changes', () => {
  it('accounts for every frame under all impairments at once', () => {
    const { imp, rec, clock } = emulated({
      bw: 10e6,
      delay: 3,
      jitter: 1,
      loss: 5,
      duplicate: 5,
      corrupt: 5,
      reorder: 5,
      limitFrames: 50,
      seed: 21,
    });
    rec.full = false;
    for (let i = 0; i < 20_000; i++) {
      if (i % 1000 === 500) rec.full = true; // a full ring now and then
      if (i % 1000 === 550) rec.full = false;
      imp.offer(frame(i, 64 + (i % 1400)), 0, 64 + (i % 1400));
      clock.now += 0.5;
    }
    const c = imp.counters;
    expect(c[Counter.Offered] + c[Counter.Duplicates]).toBe(rec.frames.length + dropped(c) + c[Counter.Held]);
    for (const k of [Counter.Loss, Counter.QueueFull, Counter.RingFull, Counter.Duplicates, Counter.Reordered])
      expect(c[k]).toBeGreaterThan(0);
    imp.close();
  });

  it('repeats the same decisions for the same seed, and different ones for another', () => {
    const run = (seed: number) => {
      const { imp, rec, clock } = emulated({ delay: 2, jitter: 1, loss: 10, duplicate: 5, corrupt: 5, reorder: 5, seed });
      for (let i = 0; i < 2000; i++) {
        imp.offer(frame(i), 0, 100);
        clock.now += 0.3;
      }
      imp.close();
      return { stamps: rec.stamps, frames: rec.frames };
    };
    const first = run(42);
    expect(run(42)).toEqual(first);
    expect(run(43).stamps).not.toEqual(first.stamps);
  });

  it('applies changes at run time and rejects bad values with a LinkError', () => {
    const { imp, rec } = emulated({});
    const f = frame(1);
    imp.offer(f, 0, f.length);
    imp.set({ loss: 100 });
    imp.offer(f, 0, f.length);
    imp.set({ loss: 0 });
    imp.offer(f, 0, f.length);
    expect(rec.frames.length).toBe(2);
    expect(imp.counters[Counter.Loss]).toBe(1);
    expect(() => imp.set({ loss: 150 })).toThrow(LinkError);
    expect(() => imp.set({ bw: 10 })).toThrow(/1 kbit\/s/);
    expect(() => imp.set({ delay: -1 })).toThrow(expect.objectContaining({ code: 'bad-option' }));
    expect(() => imp.set({ latency: 5 } as never)).toThrow(/unknown impairment 'latency'/);
    expect(imp.impairments.loss).toBe(0);
  });

  it('drops frames above the largest frame as too-big', () => {
    const { imp, rec } = emulated({});
    const big = new Uint8Array(imp.maxFrame + 1);
    expect(imp.offer(big, 0, big.length)).toBe(false);
    expect(imp.counters[Counter.TooBig]).toBe(1);
    expect(rec.frames.length).toBe(0);
  });
});

function diffBits(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i] ^ b[i];
    while (x) {
      n += x & 1;
      x >>= 1;
    }
  }
  return n;
}
