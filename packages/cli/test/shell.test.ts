import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Network } from '@vnet/topology';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Shell } from '../src/shell/shell.js';

// The prompt on a terminal: keystrokes in, screen out, Ctrl-C as the byte a terminal sends.
describe('the vnet> prompt on a terminal', () => {
  const net = new Network({ topo: 'minimal' });
  beforeAll(() => net.start(), 30_000);
  afterAll(() => net.stop());

  it('interrupts a running ping with Ctrl-C, which then prints its statistics', async () => {
    const input = new PassThrough();
    let screen = '';
    const output = new PassThrough();
    output.on('data', (d) => (screen += d));
    const shell = new Shell(net, { input, output, terminal: true });
    const done = shell.run();
    input.write('h1 ping -i 0.05 h2\r');
    for (let i = 0; i < 200 && !screen.includes('icmp_seq=3 '); i++) await new Promise((r) => setTimeout(r, 25));
    input.write('\x03');
    for (let i = 0; i < 200 && !screen.includes('packet loss'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(screen).toMatch(/\^C\n\n--- 10\.0\.0\.2 ping statistics ---\n\d+ packets transmitted, \d+ received/);
    // The prompt is back, and the network still answers.
    input.write('h1 ping -c 1 h2\r');
    for (let i = 0; i < 200 && (screen.match(/packet loss/g) ?? []).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(screen).toContain('1 packets transmitted, 1 received');
    input.write('exit\r');
    await done;
  }, 30_000);

  it('keeps its history between sessions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnet-history-'));
    const historyFile = join(dir, 'history');
    writeFileSync(historyFile, 'net\nnodes\n');
    try {
      const input = new PassThrough();
      let screen = '';
      const output = new PassThrough();
      output.on('data', (d) => (screen += d));
      const done = new Shell(net, { input, output, terminal: true, historyFile }).run();
      // Up arrow recalls the last command of the previous session.
      input.write('\x1b[A\r');
      for (let i = 0; i < 100 && !screen.includes('available nodes are'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(screen).toContain('available nodes are');
      input.write('intfs\r');
      input.write('exit\r');
      await done;
      const saved = readFileSync(historyFile, 'utf8').trim().split('\n');
      expect(saved[0]).toBe('net');
      expect(saved.slice(-2)).toEqual(['intfs', 'exit']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
