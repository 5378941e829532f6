// npm run fuzz -w @vnet/frame [-- --iterations N --seed S]
// Feeds N random and mutated inputs (default 1,000,000) to every decoder; exits 1 on the first
// exception that is not a FrameError, printing the input as hex so it can become a test.
import { parseArgs } from 'node:util';
import { fuzz } from './engine.js';

const { values } = parseArgs({
  options: { iterations: { type: 'string', default: '1000000' }, seed: { type: 'string', default: String(Date.now() % 2 ** 31) } },
});
const iterations = Number(values.iterations);
const seed = Number(values.seed);
console.log(`fuzzing ${iterations} inputs, seed ${seed}`);
const t0 = performance.now();
const report = fuzz({
  iterations,
  seed,
  onProgress: (done) => process.stderr.write(`\r${done} / ${iterations}`),
});
const seconds = (performance.now() - t0) / 1000;
process.stderr.write('\n');
console.log(`${report.executions} decoder runs in ${seconds.toFixed(1)} s, ${report.failures.length} failures`);
for (const f of report.failures)
  console.log(`\n#${f.iteration} ${f.target}\n  input ${f.input}\n  ${f.error.split('\n').slice(0, 6).join('\n  ')}`);
process.exit(report.failures.length ? 1 : 0);
