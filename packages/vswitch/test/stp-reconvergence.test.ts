// Reconvergence after failures, in emulated time: a root port whose link fails, a link that
// breaks without either end noticing, a failure behind a neighbour, cuts in the 3x3 torus, and
// a failed root bridge. STP must be back to one spanning tree within max age + 2 × forward
// delay (50 s at the defaults); RSTP within a few hello times when an alternate port exists.
// The measured times are printed at the end.
import { afterAll, describe, expect, it } from 'vitest';
import type { StpProtocol } from '../src/index.js';
import { StpNet, torus, triangle } from './stp-net.js';

const HELLO = 2_000;
const STP_BOUND = 20_000 + 2 * 15_000;
const measured: Array<{ protocol: StpProtocol; scenario: string; ms: number }> = [];

afterAll(() => {
  const rows = measured.map((m) => `  ${m.protocol.padEnd(5)} ${m.scenario.padEnd(58)} ${(m.ms / 1000).toFixed(3).padStart(8)} s`);
  console.info(`spanning tree reconvergence (emulated time, 1 ms links):\n${rows.join('\n')}`);
});

function settledTriangle(protocol: StpProtocol): StpNet {
  const net = triangle(protocol);
  net.settle();
  return net;
}

/** Applies a failure, runs until quiet, and returns how long the ports kept changing. */
function reconverge(net: StpNet, protocol: StpProtocol, scenario: string, fail: () => void): number {
  const start = net.now;
  fail();
  const ms = Math.max(net.settle() - start, 0);
  measured.push({ protocol, scenario, ms });
  return ms;
}

function blockedCount(net: StpNet, names?: string[]): number {
  return net.ports(names).filter((p) => p.role === 'alternate' || p.role === 'backup').length;
}

describe.each(['stp', 'rstp'] as const)('%s reconvergence', (protocol) => {
  it('replaces a root port whose link failed with the alternate port', () => {
    const net = settledTriangle(protocol);
    expect(net.get('b').portRole(2)).toBe('alternate');
    const ms = reconverge(net, protocol, 'triangle: root port link down', () => net.cut(net.linkBetween('r', 'b')));
    expect(net.get('b').rootPort).toBe(2);
    expect(net.get('b').portState(2)).toBe('forwarding');
    expect(net.get('b').rootPathCost).toBe(net.get('a').rootPathCost * 2);
    expect(net.isSpanningTree()).toBe(true);
    expect(blockedCount(net)).toBe(0);
    if (protocol === 'stp') {
      // Detected at once; the alternate then listens and learns.
      expect(ms).toBeGreaterThanOrEqual(30_000);
      expect(ms).toBeLessThanOrEqual(STP_BOUND);
    } else {
      expect(ms).toBeLessThan(HELLO);
    }
  });

  it('notices a link that stopped carrying frames without losing carrier, once its information ages', () => {
    const net = settledTriangle(protocol);
    const ms = reconverge(net, protocol, 'triangle: root port link silent (no carrier loss)', () => net.break(net.linkBetween('r', 'b')));
    expect(net.get('b').rootPort).toBe(2);
    expect(net.get('b').portState(2)).toBe('forwarding');
    expect(net.isSpanningTree()).toBe(true);
    // STP: max age, then listening and learning. RSTP: three missed hellos.
    if (protocol === 'stp') expect(ms).toBeLessThanOrEqual(STP_BOUND);
    else expect(ms).toBeLessThanOrEqual(4 * HELLO + 10);
  });

  it('reconverges after a failure behind a neighbour (b hears of it only through a)', () => {
    const net = settledTriangle(protocol);
    // a loses its root port; b, blocked on the a-b link, must open it for a.
    const ms = reconverge(net, protocol, 'triangle: neighbour loses its root port', () => net.cut(net.linkBetween('r', 'a')));
    expect(net.get('a').rootPort).toBe(2);
    expect(net.get('b').portRole(2)).toBe('designated');
    expect(net.get('b').portState(2)).toBe('forwarding');
    expect(net.isSpanningTree()).toBe(true);
    if (protocol === 'stp') expect(ms).toBeLessThanOrEqual(STP_BOUND);
    else expect(ms).toBeLessThan(HELLO);
  });

  it('keeps the 3x3 torus a spanning tree through successive link cuts', () => {
    const net = new StpNet(protocol);
    torus(net);
    net.settle();
    for (const [x, y] of [
      ['s11', 's12'],
      ['s22', 's23'],
      ['s11', 's21'],
      ['s33', 's31'],
    ]) {
      const ms = reconverge(net, protocol, `torus: cut ${x}-${y}`, () => net.cut(net.linkBetween(x, y)));
      const up = net.links.filter((l) => l.up).length;
      expect(net.isSpanningTree()).toBe(true);
      expect(blockedCount(net)).toBe(up - 8);
      for (const b of net.bridges.values()) expect(b.stp.rootId.mac).toBe(0x101);
      expect(ms).toBeLessThanOrEqual(STP_BOUND);
    }
  });

  it('restores the original tree when a cut link comes back', () => {
    const net = settledTriangle(protocol);
    const before = net.ports();
    const l = net.linkBetween('r', 'b');
    net.cut(l);
    net.settle();
    const ms = reconverge(net, protocol, 'triangle: root port link restored', () => net.restore(l));
    expect(net.ports()).toEqual(before);
    if (protocol === 'stp') expect(ms).toBeLessThanOrEqual(STP_BOUND);
    else expect(ms).toBeLessThan(HELLO);
  });

  it('elects a new root when the root bridge fails', () => {
    const net = new StpNet(protocol);
    torus(net);
    net.settle();
    const ms = reconverge(net, protocol, 'torus: root bridge s11 fails (all 4 links down)', () => net.fail('s11'));
    const rest = [...net.bridges.keys()].filter((n) => n !== 's11');
    // s12 has the next lowest bridge ID.
    for (const n of rest) expect(net.get(n).rootId).toEqual({ priority: 32768, mac: 0x102 });
    expect(net.get('s12').isRoot).toBe(true);
    expect(net.isSpanningTree(rest)).toBe(true);
    // 14 links remain among 8 bridges.
    expect(blockedCount(net, rest)).toBe(14 - 7);
    // Both within STP's bound; RSTP's stale information about the old root must count up to
    // max age first (the count to infinity 802.1D-2004 bounds by message age).
    expect(ms).toBeLessThanOrEqual(STP_BOUND);
  });
});
