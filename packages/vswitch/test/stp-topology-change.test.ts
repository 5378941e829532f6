// Topology changes: who is told to flush which MACs, STP's TCN/acknowledge/flag cycle, RSTP's
// TC propagation, and the two protocols working together on one network.
import { describe, expect, it } from 'vitest';
import type { StpProtocol } from '../src/index.js';
import { StpNet, triangle } from './stp-net.js';

/** The triangle, settled, with one path cost everywhere so STP's and RSTP's default costs cannot skew the tree. */
function settledTriangle(protocol: StpProtocol, legacy?: string): StpNet {
  const net = triangle(protocol, { legacy, cost: 20_000 });
  net.settle();
  return net;
}

/** Ports each bridge was asked to flush since `since`. */
function flushedSince(net: StpNet, since: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const b of net.bridges.values()) out[b.name] = [...new Set(b.flushes.filter((f) => f.at >= since).map((f) => f.port))].sort();
  return out;
}

const counters = (net: StpNet, bridge: string, port: number) => net.get(bridge).portInfo(port).counters;

describe('STP topology change', () => {
  it('sends TCNs toward the root until acknowledged; the root flags the change for max age + forward delay; every bridge flushes', () => {
    const net = settledTriangle('stp');
    const t0 = net.now;
    const tcnsBefore = counters(net, 'b', 2).txTcn;
    net.cut(net.linkBetween('r', 'b'));
    net.run(10);
    // b lost a forwarding port: a TCN goes out of its new root port, a relays it to r.
    expect(counters(net, 'b', 2).txTcn).toBe(tcnsBefore + 1);
    expect(counters(net, 'a', 2).rxTcn).toBeGreaterThanOrEqual(1);
    expect(counters(net, 'a', 1).txTcn).toBeGreaterThanOrEqual(1);
    expect(counters(net, 'r', 1).rxTcn).toBeGreaterThanOrEqual(1);
    expect(net.get('r').topologyChange).toBe(true);
    // Acknowledged (TCA in a's next configuration): b stops repeating its TCN.
    net.run(10_000);
    expect(counters(net, 'b', 2).txTcn).toBe(tcnsBefore + 1);
    // The root's flag reaches every bridge, and each flushes all its ports, again each hello.
    expect(net.get('a').topologyChange).toBe(true);
    expect(net.get('b').topologyChange).toBe(true);
    expect(flushedSince(net, t0)).toEqual({ r: [1, 2], a: [1, 2], b: [1, 2] });
    // The root clears the flag max age + forward delay after the last notification (a's TCN,
    // 2 ms after the cut); the others a hello later.
    net.run(t0 + 35_000 - net.now);
    expect(net.get('r').topologyChange).toBe(true);
    net.run(2);
    expect(net.get('r').topologyChange).toBe(false);
    net.run(2_000);
    expect([net.get('a').topologyChange, net.get('b').topologyChange]).toEqual([false, false]);
    const quiet = net.now;
    net.run(30_000);
    expect(flushedSince(net, quiet)).toEqual({ r: [], a: [], b: [] });
  });

  it('a port reaching forwarding is a change when its bridge is designated on some link', () => {
    const net = new StpNet('stp');
    net.add('r', 1);
    net.add('x', 2);
    net.link('r', 1, 'x', 1);
    // Past the change of the first convergence (at 30 s, for 35 s).
    net.run(100_000);
    expect(net.get('r').topologyChange).toBe(false);
    // A new port on x with no bridge behind it: designated, it listens, learns, then forwards.
    const t1 = net.now;
    net.get('x').addPort(2);
    net.run(30_000);
    expect(net.get('x').portState(2)).toBe('forwarding');
    expect(net.get('r').topologyChange).toBe(false);
    net.run(1);
    // x's TCN reached r, which raised the flag and flushes.
    expect(counters(net, 'x', 1).txTcn).toBe(1);
    expect(net.get('r').topologyChange).toBe(true);
    expect(flushedSince(net, t1 + 30_000).r).toEqual([1]);
  });
});

describe('RSTP topology change', () => {
  it('flushes the ports the change lies behind, and not the one it came in on', () => {
    const net = settledTriangle('rstp');
    const t0 = net.now;
    net.cut(net.linkBetween('r', 'b'));
    net.run(10);
    // b: its failed port (stopped) is flushed. a: heard the change on port 2 from b, so the
    // MACs behind b, learned through r on port 1, are stale. r: its failed port.
    expect(flushedSince(net, t0)).toEqual({ r: [2], a: [1], b: [1] });
    expect(net.get('b').topologyChange).toBe(true);
    expect(net.get('a').topologyChange).toBe(true);
    // TC flags travel in RST BPDUs for hello time + 1 s.
    net.run(3_000);
    expect([net.get('a').topologyChange, net.get('b').topologyChange]).toEqual([false, false]);
    const quiet = net.now;
    net.run(30_000);
    expect(flushedSince(net, quiet)).toEqual({ r: [], a: [], b: [] });
  });

  it('a removed root port is a failure like a cut link', () => {
    const net = settledTriangle('rstp');
    const b = net.get('b');
    expect(b.forwards(1)).toBe(true);
    b.removePort(1);
    net.run(10);
    expect(b.portNumbers()).toEqual([2]);
    expect(b.forwards(1)).toBe(false);
    expect(b.learns(1)).toBe(false);
    expect(b.rootPort).toBe(2);
    expect(b.portState(2)).toBe('forwarding');
  });
});

describe('STP and RSTP bridges together', () => {
  it.each(['r', 'a', 'b'])('builds one tree with an 802.1D bridge as %s, talking Configuration BPDUs to it', (legacy) => {
    const net = settledTriangle('rstp', legacy);
    expect(net.isSpanningTree()).toBe(true);
    for (const b of net.bridges.values()) expect(b.stp.rootId.mac).toBe(1);
    expect(net.ports().filter((p) => p.role === 'alternate')).toEqual([
      { bridge: 'b', port: 2, role: 'alternate', state: legacy === 'b' ? 'blocking' : 'discarding' },
    ]);
    // On each link to the 802.1D bridge: where its port is designated, it sends Configuration
    // BPDUs each hello and the RSTP port across has fallen back to silence (its root or
    // alternate role sends nothing to an 802.1D bridge). Where the RSTP port is designated,
    // the 802.1D bridge hears it each hello: Configuration BPDUs once the port has heard an
    // 802.1D BPDU (a TCN, say), RST ones until then, which 802.1D bridges read as Configuration.
    const before = net.links.map((l) => [counters(net, l.a.bridge, l.a.port), counters(net, l.b.bridge, l.b.port)]);
    net.run(10_000);
    net.links.forEach((l, i) => {
      const ends = [l.a, l.b];
      const old = ends.findIndex((e) => e.bridge === legacy);
      if (old < 0) return;
      const mine = ends[old];
      const theirs = ends[1 - old];
      const [mineBefore, theirsBefore] = [before[i][old], before[i][1 - old]];
      if (net.get(mine.bridge).portRole(mine.port) === 'designated') {
        expect(counters(net, mine.bridge, mine.port).txConfig).toBeGreaterThan(mineBefore.txConfig);
        expect(counters(net, theirs.bridge, theirs.port).txRst).toBe(theirsBefore.txRst);
      } else {
        expect(net.get(theirs.bridge).portRole(theirs.port)).toBe('designated');
        const now = counters(net, mine.bridge, mine.port);
        expect(now.rxRst + now.rxConfig).toBeGreaterThan(mineBefore.rxRst + mineBefore.rxConfig);
      }
    });
  });

  it('acknowledges an 802.1D bridge’s TCN and spreads the change', () => {
    const net = settledTriangle('rstp', 'b');
    const t0 = net.now;
    net.cut(net.linkBetween('r', 'b'));
    net.run(60_000);
    expect(net.isSpanningTree()).toBe(true);
    expect(counters(net, 'b', 2).txTcn).toBeGreaterThanOrEqual(1);
    expect(counters(net, 'a', 2).rxTcn).toBeGreaterThanOrEqual(1);
    // Acknowledged: b stopped sending TCNs.
    const tcns = counters(net, 'b', 2).txTcn;
    net.run(20_000);
    expect(counters(net, 'b', 2).txTcn).toBe(tcns);
    // a flushed port 1, behind which b's MACs used to be.
    expect(flushedSince(net, t0).a).toContain(1);
  });
});
