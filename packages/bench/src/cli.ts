// vnet-bench [filter…] [--json FILE]: runs every packages/*/bench/*.bench.ts under the current
// directory, each in its own process, prints a table and writes a JSON report.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pc from 'picocolors';
import type { BenchRow } from './index.js';
import { formatRows, report } from './report.js';

const args = process.argv.slice(2);
const jsonAt = args.indexOf('--json');
const reportPath = jsonAt >= 0 ? args[jsonAt + 1] : 'bench-report.json';
const filter = args.filter((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1));

const root = process.cwd();
const files: string[] = [];
for (const dir of ['packages', 'tests'].map((d) => join(root, d)).filter(existsSync)) {
  for (const pkg of readdirSync(dir)) {
    const benchDir = join(dir, pkg, 'bench');
    if (!existsSync(benchDir)) continue;
    for (const f of readdirSync(benchDir)) if (f.endsWith('.bench.ts')) files.push(join(benchDir, f));
  }
}

const child = fileURLToPath(new URL('./child.ts', import.meta.url));
const rows: BenchRow[] = [];
let failed = false;
for (const file of files) {
  const rel = relative(root, file);
  process.stderr.write(pc.dim(`running ${rel}\n`));
  // Packages resolve to their built JavaScript (the root script builds first): benchmarks
  // measure what users run, and worker threads start from compiled code.
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, file, ...filter], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) {
    failed = true;
    process.stderr.write(pc.red(`${rel} failed (exit ${r.status})\n`));
  }
  for (const line of r.stdout.split('\n')) if (line.startsWith('{')) rows.push({ ...(JSON.parse(line) as BenchRow), file: rel });
}

process.stdout.write(formatRows(rows));
writeFileSync(reportPath, report(rows));
process.stderr.write(pc.dim(`report written to ${reportPath}\n`));
process.exit(failed ? 1 : 0);
