import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url));

function runChild(args: string[], limitMs: number): Promise<{ code: number | null; out: string; ms: number; killed: boolean }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { cwd: fileURLToPath(new URL('..', import.meta.url)) });
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (out += b));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      p.kill();
    }, limitMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, ms: performance.now() - t0, killed });
    });
  });
}

describe('nothing is left running', () => {
  it('a process that closes its links exits by itself', async () => {
    const r = await runChild([], 10_000);
    expect(r.out).toContain('returned');
    expect(r.killed).toBe(false);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(5000); // start-up and 100 ms of work, then straight out
  }, 15_000);

  it('an open shared end keeps its process alive (so the test above would notice a leak)', async () => {
    const r = await runChild(['leave-open'], 3000);
    expect(r.out).toContain('returned');
    expect(r.killed).toBe(true);
  }, 15_000);
});
