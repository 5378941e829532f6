/** The TCP tools of a host's shell, across the emulated network: iperf, nc, ss. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network } from '../src/index.js';

describe('TCP tools on hosts', () => {
  const net = new Network({ topo: 'single,3' });
  beforeAll(() => net.start(), 30_000);
  afterAll(() => net.stop());

  it('iperf: a server and a client print iperf3 reports that agree', async () => {
    const server = net.cmd('h2', 'iperf -s -1');
    for (let i = 0; i < 100 && !(await net.cmd('h2', 'ss -l')).includes(':5201'); i++) await new Promise((r) => setTimeout(r, 10));
    const client = await net.cmd('h1', 'iperf -c 10.0.0.2 -t 1 -i 0.5');
    expect(client).toMatch(
      /^Connecting to host 10\.0\.0\.2, port 5201\n\[ {2}5\] local 10\.0\.0\.1 port \d+ connected to 10\.0\.0\.2 port 5201\n/,
    );
    expect(client.match(/^\[ {2}5\] +\d\.\d\d-\d\.\d\d +sec .*bits\/sec +\d+ +[\d.]+ \w+Bytes$/gm)?.length).toBeGreaterThanOrEqual(2);
    const sender = /([\d.]+) (\w)Bytes +([\d.]+) (\w)bits\/sec +\d+ +sender/.exec(client);
    expect(sender).not.toBeNull();
    expect(client).toContain('iperf Done.');
    const served = await server;
    expect(served).toMatch(/Accepted connection from 10\.0\.0\.1, port \d+/);
    // Both ends counted the same bytes: TCP delivered all it acknowledged.
    const receiver = /([\d.]+ \w?Bytes) +[\d.]+ \w?bits\/sec +receiver/.exec(served);
    expect(receiver?.[1]).toBe(`${sender![1]} ${sender![2]}Bytes`);
  }, 30_000);

  it('iperf -J prints iperf3 JSON, and net.iperf returns both rates as Mininet does', async () => {
    const server = net.cmd('h3', 'iperf -s -1 -p 5202');
    for (let i = 0; i < 100 && !(await net.cmd('h3', 'ss -l')).includes(':5202'); i++) await new Promise((r) => setTimeout(r, 10));
    const json = JSON.parse(await net.cmd('h1', 'iperf -c 10.0.0.3 -p 5202 -t 0.5 -J -C newreno'));
    await server;
    expect(json.end.sum_sent.bytes).toBeGreaterThan(1_000_000);
    expect(json.end.sum_sent.bits_per_second).toBeGreaterThan(1e8);
    expect(json.start.test_start).toMatchObject({ protocol: 'TCP', num_streams: 1 });
    const [serverRate, clientRate] = await net.iperf(['h1', 'h2'], { seconds: 0.5 });
    expect(serverRate).toMatch(/^[\d.]+ [KMG]?bits\/sec$/);
    expect(clientRate).toMatch(/^[\d.]+ [KMG]?bits\/sec$/);
  }, 30_000);

  it('nc: sends standard input, prints what arrives, and reports a refused port', async () => {
    const listener = net.cmd('h2', 'nc -l 7000');
    for (let i = 0; i < 100 && !(await net.cmd('h2', 'ss -l')).includes(':7000'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(await net.cmd('h1', 'echo "hello, h2" | nc 10.0.0.2 7000')).toBe('');
    expect(await listener).toBe('hello, h2\n');
    expect(await net.cmd('h1', 'nc -z 10.0.0.2 7000')).toBe('nc: connect to 10.0.0.2 port 7000 (tcp) failed: Connection refused\n');
    const ss = await net.cmd('h1', 'ss -tan');
    expect(ss).toMatch(/^State +Recv-Q +Send-Q +Local Address:Port +Peer Address:Port\n/);
    expect(ss).toMatch(/TIME-WAIT +0 +0 +10\.0\.0\.1:\d+ +10\.0\.0\.2:7000/);
  }, 30_000);
});
