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
});
