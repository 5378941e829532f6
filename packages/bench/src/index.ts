/**
 * @vnet/bench — the benchmark harness of vnet. A package's `bench/*.bench.ts` default-exports a
 * list of `Bench`es; `vnet-bench` (the root's `npm run bench`) runs each file in a fresh
 * process, prints a table against the targets and writes a JSON report of
 * `{ name, value, unit, target }` rows. Figures are reported, never asserted in tests.
 */

export interface Bench {
  name: string;
  unit: string;
  /** The goal, e.g. `>= 30` (in `unit`). */
  target?: `${'>=' | '<='} ${number}`;
  /** Measures once and returns the figure in `unit`. */
  run(): number | Promise<number>;
  /**
   * Run once first to warm the JIT up, and count garbage collections only in the second run
   * (default). Off for long one-shot measurements (network start-ups) that warm up inside.
   */
  warmup?: boolean;
}

export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  target?: string;
  /** Whether `value` meets `target`; absent without a target. */
  pass?: boolean;
  /** Garbage collections during the measurement: 0 on a path that allocates nothing per item. */
  gcs: number;
  file: string;
}

export function meets(value: number, target: string | undefined): boolean | undefined {
  if (!target) return undefined;
  const [op, goal] = target.split(' ');
  return op === '>=' ? value >= Number(goal) : value <= Number(goal);
}

export interface RateOptions {
  /** Minimum duration of one timed round, in ms. */
  minMs?: number;
  /** Timed rounds; the best one is reported (the least disturbed by the rest of the machine). */
  rounds?: number;
}

/**
 * Operations per second of `fn(n)`, which must perform `n` operations. The batch size grows
 * until one call lasts `minMs`, so the loop overhead and timer resolution vanish.
 */
export function rate(fn: (n: number) => void, { minMs = 200, rounds = 5 }: RateOptions = {}): number {
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    fn(n);
    const dt = performance.now() - t0;
    if (dt >= minMs / 4) {
      n = Math.max(1, Math.ceil((n * minMs) / Math.max(dt, 0.001)));
      break;
    }
    n *= dt < 1 ? 16 : 4;
  }
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn(n);
    const dt = (performance.now() - t0) / 1000;
    best = Math.max(best, n / dt);
  }
  return best;
}

/** The median of `fn()` over `rounds` calls: for latencies and one-shot timings. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Keeps a value alive so the JIT cannot drop the work that produced it. */
export let sink: unknown;
export function consume(v: unknown): void {
  sink = v;
}

export { formatRows, report } from './report.js';

/** Runs benches in this process, one after the other (as `vnet bench` does), and returns their rows. */
export async function runBenches(benches: Bench[], file: string, filter: string[] = []): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const bench of benches) {
    if (filter.length > 0 && !filter.some((f) => bench.name.includes(f))) continue;
    const value = await bench.run();
    rows.push({ name: bench.name, value, unit: bench.unit, target: bench.target, pass: meets(value, bench.target), gcs: 0, file });
  }
  return rows;
}
