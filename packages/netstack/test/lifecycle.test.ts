import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NetstackError } from '../src/index.js';
import { Lab, TestPort } from './lab.js';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

describe('lifecycle', () => {
  it('runs the README example in a fresh process, which prints what the README says and exits by itself', () => {
    const readme = readFileSync(`${PACKAGE}/README.md`, 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const printed = /It prints:\n\n```text\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code && printed).toBeTruthy();
    // No explicit exit in the example: the child ends only if the stacks left nothing running.
    const r = spawnSync(TSX, ['--conditions=development', '-e', code!], { cwd: PACKAGE, encoding: 'utf8', timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(printed);
  }, 90_000);

  it('releases its ports on close and refuses further use', () => {
    const lab = new Lab();
    const h1 = lab.stack();
    const h2 = lab.stack();
    const w = lab.link(h1, 'a', '10.0.0.1/8', h2, 'b', '10.0.0.2/8');
    h1.ping('10.0.0.2', { id: 1, seq: 1 });
    expect(h1.pollAt()).toBeDefined();
    h1.close();
    h1.close(); // idempotent
    expect(w.a.onCarrier).toBeUndefined();
    const received = h1.stats.frames.received;
    lab.pump();
    w.a.inject(new Uint8Array(60));
    expect(h1.stats.frames.received).toBe(received);
    expect(h1.pollAt()).toBeUndefined();
    h1.poll(10_000); // harmless
    for (const use of [
      () => h1.ping('10.0.0.2', { id: 1, seq: 2 }),
      () => h1.addAddress('a', '10.0.0.3/8'),
      () => h1.routes.add({ dst: 'default', via: '10.0.0.2' }) as unknown,
      () => h1.arp.add('10.0.0.2', '02:00:00:00:00:02'),
      () => h1.onEcho(1, () => {}),
    ]) {
      expect(use).toThrow(NetstackError);
    }
    expect(() => h1.ping('10.0.0.2', { id: 1, seq: 2 })).toThrow(/closed/);
    lab.close();
  });
});

describe('interfaces', () => {
  it('reads out like ip addr', () => {
    const lab = new Lab();
    const s = lab.stack({ hostname: 'h1' });
    const w = lab.link(s, 'h1-eth0', '10.0.0.1/8', lab.stack(), 'x', undefined);
    s.addAddress('h1-eth0', '10.9.9.9/32');
    expect(s.hostname).toBe('h1');
    expect(s.interfaces()).toEqual([
      {
        index: 1,
        name: 'lo',
        mac: '00:00:00:00:00:00',
        mtu: 65536,
        up: true,
        carrier: true,
        running: true,
        loopback: true,
        flags: ['LOOPBACK', 'UP', 'LOWER_UP'],
        state: 'UNKNOWN',
        addresses: [{ address: '127.0.0.1', prefixLength: 8, cidr: '127.0.0.1/8', scope: 'host' }],
        stats: { rxPackets: 0, rxBytes: 0, rxErrors: 0, rxDropped: 0, rxMulticast: 0, txPackets: 0, txBytes: 0, txErrors: 0, txDropped: 0 },
        rxDrops: {},
        txDrops: {},
      },
      {
        index: 2,
        name: 'h1-eth0',
        mac: '02:00:00:00:00:01',
        mtu: 1500,
        up: true,
        carrier: true,
        running: true,
        loopback: false,
        flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        state: 'UP',
        addresses: [
          { address: '10.0.0.1', prefixLength: 8, cidr: '10.0.0.1/8', broadcast: '10.255.255.255', scope: 'global' },
          { address: '10.9.9.9', prefixLength: 32, cidr: '10.9.9.9/32', scope: 'global' },
        ],
        stats: {
          rxPackets: 0,
          rxBytes: 0,
          rxErrors: 0,
          rxDropped: 0,
          rxMulticast: 0,
          txPackets: 2,
          txBytes: 120,
          txErrors: 0,
          txDropped: 0,
        },
        rxDrops: {},
        txDrops: {},
      },
    ]);
    w.setCarrier(false);
    expect(s.interface('h1-eth0')).toMatchObject({ flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'], state: 'DOWN', running: false });
    s.setInterfaceUp('h1-eth0', false);
    expect(s.interface('h1-eth0')).toMatchObject({ flags: ['BROADCAST', 'MULTICAST'], state: 'DOWN', up: false });
    s.setMtu('h1-eth0', 9000);
    expect(s.interface('h1-eth0').mtu).toBe(9000);
    lab.close();
  });

  it('rejects bad configuration with typed errors', () => {
    const lab = new Lab();
    const s = lab.stack();
    const w = lab.link(s, 'eth0', '10.0.0.1/8', lab.stack(), 'x', undefined);
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e instanceof NetstackError ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => s.addInterface({ name: 'eth0', port: w.b, mac: 1 }))).toBe('interface-exists');
    expect(code(() => s.addInterface({ name: 'eth1', port: w.a, mac: 1 }))).toBe('interface-exists');
    expect(code(() => s.addInterface({ name: 'eth1', port: new TestPort('p'), mac: 'zz' }))).toBe('bad-address');
    expect(code(() => s.addInterface({ name: 'eth1', port: w.b, mac: 1, mtu: 20 }))).toBe('bad-value');
    expect(code(() => s.addInterface({ name: 'bad name', port: w.b, mac: 1 }))).toBe('bad-value');
    expect(code(() => s.addAddress('eth9', '10.0.0.1/8'))).toBe('no-such-interface');
    expect(code(() => s.addAddress('eth0', '10.0.0.1/8'))).toBe('address-exists');
    expect(code(() => s.addAddress('eth0', '10.0.0.1/40'))).toBe('bad-address');
    expect(code(() => s.addAddress('eth0', '224.0.0.1/4'))).toBe('bad-address');
    expect(code(() => s.removeAddress('eth0', '10.0.0.1/16'))).toBe('no-such-address');
    expect(code(() => s.removeInterface('lo'))).toBe('bad-value');
    expect(code(() => s.poll(Number.NaN))).toBe('bad-value');
    s.removeAddress('eth0', '10.0.0.1');
    expect(s.interface('eth0').addresses).toEqual([]);
    s.removeInterface('eth0');
    expect(s.interfaces().map((i) => i.name)).toEqual(['lo']);
    expect(w.a.onCarrier).toBeUndefined();
    s.addInterface({ name: 'eth0', port: w.a, mac: '02:00:00:00:00:99' }); // the port is free again
    lab.close();
  });
});
