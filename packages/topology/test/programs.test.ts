/** Ordinary Node.js programs on virtual hosts: their net and http go through the hosts' stacks. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network } from '../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const until = async (cond: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 300 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('Node.js programs on hosts', () => {
  const net = new Network({ topo: 'minimal' });
  beforeAll(() => net.start(), 30_000);
  afterAll(() => net.stop());

  it('runs an unmodified node:http server on h2 and a TypeScript client on h1', async () => {
    let serverOut = '';
    const server = net.get('h2').spawn(fixture('http-server.mjs'), ['8080'], { onOutput: (t) => (serverOut += t) });
    await until(() => serverOut.includes('listening'));
    // curl in h1's shell reaches it too.
    expect(JSON.parse(await net.cmd('h1', 'curl -s http://10.0.0.2:8080/from-curl'))).toEqual({
      method: 'GET',
      url: '/from-curl',
      body: '',
      from: '10.0.0.1',
    });
    const client = await net.get('h1').spawn(fixture('http-client.ts'), ['h2']);
    expect(client).toBe(
      '200 {"method":"GET","url":"/hello","body":"","from":"10.0.0.1"}\n200 {"method":"POST","url":"/quit","body":"bye","from":"10.0.0.1"}\n',
    );
    // The POST to /quit closed the server: nothing keeps its program alive, so it exits.
    expect(await server).toBe('listening on 8080\n');
    expect(await net.cmd('h2', 'ss -l')).not.toContain(':8080');
  }, 30_000);

  it('ends a program whose handler throws, printing the error, and the host goes on', async () => {
    let out = '';
    const crashed = net.get('h2').spawn(fixture('crash-on-connect.mjs'), [], { onOutput: (t) => (out += t) });
    await until(() => out.includes('ready'));
    await net.cmd('h1', 'nc -z 10.0.0.2 9000');
    const printed = await crashed;
    expect(printed).toMatch(/^ready\nError: boom in the handler\n {4}at .*crash-on-connect\.mjs/);
    // Its listener is gone with it; the host still answers.
    expect(await net.cmd('h1', 'nc -z 10.0.0.2 9000')).toContain('Connection refused');
    expect((await net.pingAll()).dropped).toBe(0);
  }, 30_000);

  it('stops a program on Ctrl-C', async () => {
    const abort = new AbortController();
    let out = '';
    const running = net.get('h1').spawn(fixture('ticker.mjs'), [], { onOutput: (t) => (out += t), signal: abort.signal });
    await until(() => out.includes('ticking'));
    abort.abort();
    expect(await running).toBe('ticking\n');
  }, 30_000);

  it('refuses a program that does not build, naming the place', async () => {
    await expect(net.cmd('h1', 'node ./no-such-file.mjs')).rejects.toThrow(/node: cannot load \.\/no-such-file\.mjs/);
  });
});
