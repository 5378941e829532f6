import { describe, expect, it } from 'vitest';
import { CorrelatedChance, CorrelatedUniform, Rng } from '../src/index.js';

const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, sd: Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length) };
};

describe('Rng', () => {
  it('repeats a stream for a seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 100 }, () => r.next());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    const r = new Rng(5);
    const first = r.next();
    r.seed(5);
    expect(r.next()).toBe(first);
  });

  it('draws uint32s, uniforms in [0, 1) and integers below n', () => {
    const r = new Rng(3);
    const u = Array.from({ length: 100_000 }, () => r.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const { mean, sd } = stats(u);
    expect(mean).toBeCloseTo(0.5, 2);
    expect(sd).toBeCloseTo(Math.sqrt(1 / 12), 2);
    for (let i = 0; i < 1000; i++) {
      const n = r.next();
      expect(Number.isInteger(n) && n >= 0 && n < 2 ** 32).toBe(true);
    }
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.below(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it('draws standard normals', () => {
    const r = new Rng(4);
    const { mean, sd } = stats(Array.from({ length: 100_000 }, () => r.normal()));
    expect(mean).toBeCloseTo(0, 1);
    expect(sd).toBeCloseTo(1, 1);
    const out = new Float64Array(2);
    r.normalTo(out, 1);
    r.uniformTo(out, 0);
    expect(out[0]).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(out[1])).toBe(true);
  });
});

describe('correlated draws', () => {
  it('netem’s correlated uniform keeps consecutive values close', () => {
    const lag1 = (corr: number) => {
      const c = new CorrelatedUniform(new Rng(8), corr);
      const xs = Array.from({ length: 50_000 }, () => c.next());
      const { mean } = stats(xs);
      let num = 0;
      let den = 0;
      for (let i = 1; i < xs.length; i++) num += (xs[i] - mean) * (xs[i - 1] - mean);
      for (const x of xs) den += (x - mean) ** 2;
      return num / den;
    };
    expect(Math.abs(lag1(0))).toBeLessThan(0.02);
    expect(lag1(0.75)).toBeCloseTo(0.75, 1);
  });

  it('a correlated chance keeps its rate and lengthens its runs', () => {
    const run = (corr: number) => {
      const c = new CorrelatedChance(new Rng(9), 0.3, corr);
      let yes = 0;
      let runs = 0;
      let prev = false;
      for (let i = 0; i < 100_000; i++) {
        const v = c.next();
        if (v) yes++;
        if (v && !prev) runs++;
        prev = v;
      }
      return { rate: yes / 100_000, meanRun: yes / runs };
    };
    const plain = run(0);
    const sticky = run(0.8);
    expect(plain.rate).toBeCloseTo(0.3, 2);
    expect(sticky.rate).toBeCloseTo(0.3, 1);
    expect(plain.meanRun).toBeCloseTo(1 / 0.7, 1);
    expect(sticky.meanRun).toBeCloseTo(1 / (0.2 * 0.7), 0);
  });
});
