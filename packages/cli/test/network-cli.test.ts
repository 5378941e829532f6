import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const entry = new URL('../src/cli.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'vnet-cli-net-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The vnet executable from source, as a user runs it, with stdin for the prompt. */
function vnet(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string; exitedAt: number }> } {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', entry, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; out: string; err: string; exitedAt: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, out, err, exitedAt: performance.now() })),
  );
  return { child, done };
}

/** Writes a line and waits until the output shows `until`. */
async function say(child: ChildProcess, line: string, output: () => string, until: RegExp): Promise<string> {
  const before = output().length;
  child.stdin!.write(`${line}\n`);
  for (let i = 0; i < 400; i++) {
    const fresh = output().slice(before);
    if (until.test(fresh)) return fresh;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no ${until} after "${line}"; output so far:\n${output()}`);
}

describe('vnet (the network CLI)', () => {
  it('--test pingall on tree,depth=2,fanout=3 prints 0% dropped and exits 0', async () => {
    const { done } = vnet(['--topo', 'tree,depth=2,fanout=3', '--test', 'pingall']);
    const r = await done;
    expect(r.err).toBe('');
    expect(r.out).toContain('*** Results: 0% dropped (72/72 received)');
    expect(r.out).toContain('h9 -> h1 h2 h3 h4 h5 h6 h7 h8');
    expect(r.code).toBe(0);
  }, 60_000);

  it('--test iperf finishes and prints both rates', async () => {
    const { done } = vnet(['--test', 'iperf']);
    const r = await done;
    expect(r.out).toContain('*** Iperf: testing TCP bandwidth between h1 and h2');
    expect(r.out).toMatch(/\*\*\* Results: \['[\d.]+ [KMG]?bits\/sec', '[\d.]+ [KMG]?bits\/sec'\]/);
    expect(r.code).toBe(0);
  }, 60_000);

  it('--test pingall --json reports the verdict as JSON', async () => {
    const r = await vnet(['--topo', 'single,3', '--test', 'pingall', '--json']).done;
    expect(JSON.parse(r.out.trim())).toMatchObject({ test: 'pingall', ok: true, sent: 6, received: 6, dropped: 0 });
    expect(r.code).toBe(0);
  }, 60_000);

  it('runs an interactive session as a user would, and exits by itself', async () => {
    const { child, done } = vnet(['--mac']);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const output = () => out;
    await say(child, '', output, /vnet> /);
    expect(await say(child, 'nodes', output, /vnet> /)).toContain('available nodes are: \ns1 h1 h2');
    expect(await say(child, 'net', output, /vnet> /)).toContain('h1 h1-eth0:s1-eth1');
    const ping = await say(child, 'h1 ping -c 2 -i 0.1 h2', output, /rtt min/);
    expect(ping).toContain('64 bytes from 10.0.0.2: icmp_seq=2');
    await say(child, 'link s1 h1 down', output, /vnet> /);
    expect(await say(child, 'h1 ping -c 1 -W 0.3 h2', output, /packet loss/)).toContain('1 packets transmitted, 0 received');
    await say(child, 'link s1 h1 up', output, /vnet> /);
    expect(await say(child, 'h1 ping -c 1 h2', output, /packet loss/)).toContain('1 received, 0% packet loss');
    expect(await say(child, 'h7 ping h1', output, /vnet> /)).toContain('unknown command or node: h7');
    expect(await say(child, 'h1 frobnicate', output, /vnet> /)).toContain('frobnicate: command not found');
    expect(await say(child, 'pingall', output, /Results/)).toContain('Results: 0% dropped (2/2 received)');
    expect(await say(child, 'js h1.ip', output, /vnet> /)).toContain('10.0.0.1');
    // Mininet's dpctl: the same flow-table command on every switch.
    expect(await say(child, 'dpctl del-flows', output, /vnet> /)).toContain(`*** s1 ${'-'.repeat(72)}\n`);
    expect(await say(child, 'pingall 0.2', output, /Results/)).toContain('Results: 100% dropped (0/2 received)');
    await say(child, 'dpctl add-flow "priority=0,actions=NORMAL"', output, /vnet> /);
    expect(await say(child, 's1 dump-flows', output, /vnet> /)).toMatch(
      /^ cookie=0x0, duration=[\d.]+s, table=0, n_packets=0, n_bytes=0, priority=0 actions=NORMAL\n/m,
    );
    expect(await say(child, 'pingall', output, /Results/)).toContain('Results: 0% dropped (2/2 received)');
    const exitAt = performance.now();
    child.stdin!.write('exit\n');
    const r = await done;
    expect(r.code).toBe(0);
    expect(r.out).toContain('*** Done');
    expect(r.exitedAt - exitAt).toBeLessThan(1000);
  }, 60_000);

  it('rejects bad input with a message and exit code 2', async () => {
    const topo = await vnet(['--topo', 'ring,3', '--test', 'none']).done;
    expect(topo.code).toBe(2);
    expect(topo.err).toContain('unknown topology "ring"; choose one of: minimal');
    const opt = await vnet(['--frobnicate']).done;
    expect(opt.code).toBe(2);
    const link = await vnet(['--link', 'tc,bw=fast', '--test', 'none']).done;
    expect(link.code).toBe(2);
    expect(link.err).toContain('bw=fast is not a number');
    const sw = await vnet(['--switch', 'ovsk,stp=maybe', '--test', 'none']).done;
    expect(sw.code).toBe(2);
    expect(sw.err).toContain('stp is 1 or 0');
  }, 60_000);

  it('refuses a loop without spanning tree, and runs it with RSTP', async () => {
    const custom = join(dir, 'triangle.ts');
    writeFileSync(
      custom,
      `import { Topo } from '@vnet/topology';
export const topos = {
  triangle: () => {
    const t = new Topo();
    for (const i of [1, 2, 3]) t.addLink(t.addHost('h' + i), t.addSwitch('s' + i));
    t.addLink('s1', 's2');
    t.addLink('s2', 's3');
    t.addLink('s3', 's1');
    return t;
  },
};
`,
    );
    const loop = await vnet(['--custom', custom, '--topo', 'triangle', '--test', 'pingall']).done;
    expect(loop.code).toBe(2);
    expect(loop.err).toContain('the topology has a loop');
    const rstp = await vnet(['--custom', custom, '--topo', 'triangle', '--switch', 'learning,rstp=1', '--test', 'pingall']).done;
    expect(rstp.out).toContain('Results: 0% dropped (6/6 received)');
    expect(rstp.code).toBe(0);
    // The torus's switches run RSTP of their own accord.
    const torus = await vnet(['--topo', 'torus,3,3', '--test', 'pingall']).done;
    expect(torus.out).toContain('Results: 0% dropped (72/72 received)');
    expect(torus.code).toBe(0);
  }, 60_000);

  it('loads custom topologies and runs scripts through esbuild', async () => {
    const custom = join(dir, 'custom.ts');
    writeFileSync(
      custom,
      `import { Topo } from '@vnet/topology';
class Pair extends Topo {
  override build(n = 2) {
    const s = this.addSwitch('sw1');
    for (let i = 1; i <= n; i++) this.addLink(this.addHost('srv' + i), s);
  }
}
export const topos = { pair: Pair };
`,
    );
    const r = await vnet(['--custom', custom, '--topo', 'pair,3', '--test', 'pingall']).done;
    expect(r.out).toContain('srv3 -> srv1 srv2');
    expect(r.code).toBe(0);
    const script = join(dir, 'script.ts');
    writeFileSync(
      script,
      `import { Network } from '@vnet/topology';
const net = new Network({ topo: process.argv[2] });
await net.start();
const r = await net.pingAll();
console.log('script saw', r.received, 'of', r.sent);
await net.stop();
`,
    );
    const run = await vnet(['run', script, 'single,2']).done;
    expect(run.out).toContain('script saw 2 of 2');
    expect(run.code).toBe(0);
  }, 60_000);
});
