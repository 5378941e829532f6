/**
 * npm run bench:mininet — Mininet's figures for the topologies vnet's benchmarks use, measured
 * on this machine beside vnet's, with the ratio. Mininet runs with Linux bridges and no
 * controller (`--switch lxbr --controller none`), as root; where `mn` is not installed
 * (`apt-get install mininet bridge-utils iputils-ping`) the script says so and stops.
 *
 * Reads vnet's figures from bench-report.json (run `npm run bench` first), writes
 * bench-mininet.json: `{ name, vnet, mininet, unit, ratio }` rows, ratio = Mininet ÷ vnet.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

interface Row {
  name: string;
  value: number;
  unit: string;
}

function hasMininet(): boolean {
  return spawnSync('mn', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Seconds `mn` takes for one run, after cleaning up any leftover of a previous one. */
function timeMn(args: string[]): { seconds: number; output: string } {
  spawnSync('mn', ['-c'], { stdio: 'ignore' });
  const t0 = performance.now();
  // Mininet logs to stderr.
  const r = spawnSync('mn', ['--switch', 'lxbr', '--controller', 'none', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mn ${args.join(' ')} failed:\n${r.stderr}`);
  return { seconds: (performance.now() - t0) / 1000, output: r.stdout + r.stderr };
}

/** Mininet prints "*** Results: 0% dropped (240/240 received)" after its pingall, and how long the test took. */
function pingallSeconds(topo: string): number {
  // Starting and stopping is measured alone; the pingall's share is the difference.
  const build = timeMn(['--topo', topo, '--test', 'none']).seconds;
  const withPing = timeMn(['--topo', topo, '--test', 'pingall']);
  if (!/Results: 0% dropped/.test(withPing.output)) throw new Error(`mininet pingall on ${topo} lost pings:\n${withPing.output}`);
  return Math.max(0, withPing.seconds - build);
}

if (!hasMininet()) {
  console.log('Mininet is not installed: apt-get install mininet bridge-utils iputils-ping (as root), then run this again.');
  process.exit(0);
}
if (!existsSync('bench-report.json')) {
  console.log("No bench-report.json: run `npm run bench` first, so vnet's figures are there to compare.");
  process.exit(1);
}
const vnet = (JSON.parse(readFileSync('bench-report.json', 'utf8')) as { rows: Row[] }).rows;
const figure = (name: string) => vnet.find((r) => r.name === name)?.value;

const measures: Array<{ name: string; mininet: () => number }> = [
  { name: 'start+stop linear,100', mininet: () => timeMn(['--topo', 'linear,100', '--test', 'none']).seconds },
  { name: 'start+stop linear,50', mininet: () => timeMn(['--topo', 'linear,50', '--test', 'none']).seconds },
  { name: 'start+stop tree,depth=2,fanout=8', mininet: () => timeMn(['--topo', 'tree,depth=2,fanout=8', '--test', 'none']).seconds },
  { name: 'pingall tree,depth=2,fanout=4 (240 pings)', mininet: () => pingallSeconds('tree,depth=2,fanout=4') },
  { name: 'pingall linear,32', mininet: () => pingallSeconds('linear,32') },
];

const rows = measures.map((m) => {
  const mininet = m.mininet();
  const v = figure(m.name);
  const ratio = v === undefined || v === 0 ? undefined : mininet / v;
  console.log(
    `${m.name.padEnd(44)} mininet ${mininet.toFixed(3)} s   vnet ${v?.toFixed(3) ?? '—'} s   ${ratio ? `vnet ${ratio.toFixed(1)}× faster` : ''}`,
  );
  return { name: m.name, vnet: v, mininet, unit: 's', ratio };
});
spawnSync('mn', ['-c'], { stdio: 'ignore' });
writeFileSync('bench-mininet.json', `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
console.log('written to bench-mininet.json');
