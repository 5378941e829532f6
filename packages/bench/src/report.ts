import { cpus, totalmem } from 'node:os';
import pc from 'picocolors';
import type { BenchRow } from './index.js';

/** The table `vnet-bench` and `vnet bench` print: ✓/✗ against each target, and GCs when any. */
export function formatRows(rows: BenchRow[]): string {
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toPrecision(3));
  const width = Math.max(10, ...rows.map((r) => r.name.length));
  let out = '';
  for (const r of rows) {
    const mark = r.pass === undefined ? ' ' : r.pass ? pc.green('✓') : pc.red('✗');
    const target = r.target ? pc.dim(`target ${r.target}`) : '';
    const gcs = r.gcs > 0 ? pc.dim(` (${r.gcs} GC)`) : '';
    out += `${mark} ${r.name.padEnd(width)}  ${fmt(r.value).padStart(9)} ${r.unit.padEnd(10)} ${target}${gcs}\n`;
  }
  return out;
}

/** The JSON report: the rows and the machine they were measured on. */
export function report(rows: BenchRow[]): string {
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  return `${JSON.stringify({ date: new Date().toISOString(), machine, rows }, null, 2)}\n`;
}
