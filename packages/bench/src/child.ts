// Runs one bench file in this process and prints one JSON row per bench on stdout.
import { PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { type Bench, type BenchRow, meets } from './index.js';

const file = process.argv[2];
const filter = process.argv.slice(3);
let gcs = 0;
const observer = new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
});
observer.observe({ entryTypes: ['gc'] });

const benches = ((await import(pathToFileURL(file).href)) as { default: Bench[] }).default;
for (const bench of benches) {
  if (filter.length > 0 && !filter.some((f) => bench.name.includes(f) || file.includes(f))) continue;
  // A first run warms the JIT up, so that the garbage collections counted in the second come
  // from the measured code itself, not from compiling it. GC entries arrive asynchronously:
  // let the earlier ones land before counting.
  if (bench.warmup !== false) await bench.run();
  await new Promise((r) => setTimeout(r, 50));
  const before = gcs;
  const value = await bench.run();
  await new Promise((r) => setTimeout(r, 50));
  const row: BenchRow = {
    name: bench.name,
    value,
    unit: bench.unit,
    target: bench.target,
    pass: meets(value, bench.target),
    gcs: gcs - before,
    file,
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}
observer.disconnect();
