// Convergence of STP and RSTP bridges wired into triangles, redundant uplinks and Mininet's
// torus,3,3, on an emulated clock: one root, one spanning tree of forwarding links, and
// exactly as many blocked ports as there are redundant links.
import { describe, expect, it } from 'vitest';
import { StpNet, torus, triangle } from './stp-net.js';

const BLOCKED = new Set(['alternate', 'backup']);

/** Blocked ports: STP ones in blocking state, RSTP ones with an alternate or backup role. */
function blocked(net: StpNet, names?: string[]) {
  return net.ports(names).filter((p) => BLOCKED.has(p.role));
}

describe.each(['stp', 'rstp'] as const)('%s convergence', (protocol) => {
  const discarding = protocol === 'stp' ? 'blocking' : 'discarding';

  it('turns a triangle into a tree: the lowest bridge ID is root, the worst bridge blocks the redundant link', () => {
    const net = triangle(protocol);
    net.settle();
    for (const name of ['r', 'a', 'b']) expect(net.get(name).rootId).toEqual({ priority: 32768, mac: 1 });
    expect(net.get('r').isRoot).toBe(true);
    expect(net.get('r').rootPort).toBe(0);
    expect([net.get('a').rootPort, net.get('b').rootPort]).toEqual([1, 1]);
    const cost = protocol === 'stp' ? 4 : 20_000;
    expect([net.get('a').rootPathCost, net.get('b').rootPathCost]).toEqual([cost, cost]);
    // On the a-b link both offer the same cost; a has the lower bridge ID, so b's end blocks.
    expect(blocked(net)).toEqual([{ bridge: 'b', port: 2, role: 'alternate', state: discarding }]);
    expect(net.get('a').portRole(2)).toBe('designated');
    expect(net.isSpanningTree()).toBe(true);
    expect(net.activeLinks()).toHaveLength(2);
    // The switch's per-frame questions agree with the states.
    for (const p of net.ports()) {
      const s = net.get(p.bridge);
      expect(s.forwards(p.port)).toBe(p.state === 'forwarding');
      expect(s.learns(p.port)).toBe(p.state === 'forwarding' || p.state === 'learning');
    }
  });

  it('turns the 3x3 torus into a tree with exactly 10 blocked ports (18 links, 9 bridges)', () => {
    const net = new StpNet(protocol);
    torus(net);
    const converged = net.settle();
    expect(net.links).toHaveLength(18);
    for (const b of net.bridges.values()) expect(b.stp.rootId.mac).toBe(0x101);
    expect(blocked(net)).toHaveLength(18 - (9 - 1));
    expect(net.isSpanningTree()).toBe(true);
    // Every link not in the tree is blocked at exactly one end; its other end is designated.
    for (const l of net.links.filter((x) => !net.activeLinks().includes(x))) {
      const roles = [net.get(l.a.bridge).portRole(l.a.port), net.get(l.b.bridge).portRole(l.b.port)].sort();
      expect(roles).toEqual(['alternate', 'designated']);
    }
    // STP waits out listening and learning; RSTP's proposals and agreements take milliseconds.
    if (protocol === 'stp') expect(converged).toBe(30_000);
    else expect(converged).toBeLessThan(100);
  });

  it('makes the bridge with the lowest priority root, whatever its MAC', () => {
    const net = new StpNet(protocol);
    net.add('s1', 1);
    net.add('s2', 2);
    net.add('s3', 3, { priority: 4096 });
    net.link('s1', 1, 's2', 1);
    net.link('s2', 2, 's3', 1);
    net.link('s3', 2, 's1', 2);
    net.settle();
    for (const n of ['s1', 's2', 's3']) expect(net.get(n).rootId).toEqual({ priority: 4096, mac: 3 });
    // s1 and s2 both reach s3 directly; on their own link, s1 (lower MAC) is designated.
    expect(blocked(net)).toEqual([{ bridge: 's2', port: 1, role: 'alternate', state: discarding }]);

    // In the torus too: the centre switch s22 (priority 0) becomes root.
    const centre = new StpNet(protocol);
    torus(centre, 3, 3, (name) => (name === 's22' ? { priority: 0 } : {}));
    centre.settle();
    for (const b of centre.bridges.values()) expect(b.stp.rootId).toEqual({ priority: 0, mac: 0x105 });
    expect(blocked(centre)).toHaveLength(10);
    expect(centre.isSpanningTree()).toBe(true);
  });

  it('chooses the root port by path cost first', () => {
    // x reaches r directly at cost 100, or through y at 4 + 4.
    const net = new StpNet(protocol);
    net.add('r', 1);
    net.add('y', 2);
    net.add('x', 3);
    net.link('r', 1, 'x', 1, { a: 4, b: 100 });
    net.link('r', 2, 'y', 1, { a: 4, b: 4 });
    net.link('y', 2, 'x', 2, { a: 4, b: 4 });
    net.settle();
    expect(net.get('x').rootPort).toBe(2);
    expect(net.get('x').rootPathCost).toBe(8);
    expect(net.get('x').portRole(1)).toBe('alternate');
    // r is designated on its direct link: its offer (cost 0) beats x's.
    expect(net.get('r').portRole(1)).toBe('designated');
  });

  it('breaks a cost tie by the sender bridge ID', () => {
    // x reaches r at equal cost through a and through b; b has the lower bridge ID.
    const net = new StpNet(protocol);
    net.add('r', 1, { priority: 0 });
    net.add('a', 2);
    net.add('b', 3, { priority: 4096 });
    net.add('x', 4);
    net.link('r', 1, 'a', 1);
    net.link('r', 2, 'b', 1);
    net.link('a', 2, 'x', 1);
    net.link('b', 2, 'x', 2);
    net.settle();
    expect(net.get('x').rootPort).toBe(2);
    expect(net.get('x').portRole(1)).toBe('alternate');
    expect(net.get('x').portInfo(2).designatedBridge).toEqual({ priority: 4096, mac: 3 });
  });

  it('breaks a tie between redundant uplinks by the sender port ID, not its own', () => {
    // Two cables between x and r, crossed: x's port 1 goes to r's port 2, x's port 2 to r's port 1.
    const net = new StpNet(protocol);
    net.add('r', 1);
    net.add('x', 2);
    net.link('r', 2, 'x', 1);
    net.link('r', 1, 'x', 2);
    net.settle();
    expect(net.get('x').rootPort).toBe(2);
    expect(blocked(net)).toEqual([{ bridge: 'x', port: 1, role: 'alternate', state: discarding }]);
    expect(net.activeLinks()).toHaveLength(1);

    // A port priority on r reverses the choice: r's port 2 now has the better port ID.
    const again = new StpNet(protocol);
    again.add('r', 1);
    again.add('x', 2);
    again.link('r', 2, 'x', 1, { a: { priority: 16 } });
    again.link('r', 1, 'x', 2);
    again.settle();
    expect(again.get('x').rootPort).toBe(1);
    expect(again.get('x').portInfo(1).designatedPort).toBe((16 << 8) | 2);
  });

  it('calls a port that hears its own bridge through another port a backup', () => {
    // A cable from s1's port 2 to its own port 3, beside the uplink to the root.
    const net = new StpNet(protocol);
    net.add('r', 1);
    net.add('s1', 2);
    net.link('r', 1, 's1', 1);
    net.link('s1', 2, 's1', 3);
    net.settle();
    expect(net.get('s1').portRole(2)).toBe('designated');
    expect(net.get('s1').portRole(3)).toBe('backup');
    expect(net.get('s1').forwards(3)).toBe(false);
  });
});

describe('port states over time', () => {
  it('STP: a port listens for a forward delay, learns for another, then forwards', () => {
    const net = new StpNet('stp');
    net.add('r', 1);
    net.add('a', 2);
    net.link('r', 1, 'a', 1);
    const seen: Array<[number, string]> = [];
    for (let t = 0; t <= 31_000; t += 500) {
      const state = net.get('a').portState(1);
      if (seen.at(-1)?.[1] !== state) seen.push([net.now, state]);
      net.run(500);
    }
    expect(seen).toEqual([
      [0, 'listening'],
      [15_000, 'learning'],
      [30_000, 'forwarding'],
    ]);
  });

  it('STP: a PortFast (edge) port forwards at once, and becomes an ordinary port when a BPDU arrives', () => {
    const net = new StpNet('stp');
    const r = net.add('r', 1);
    r.addPort(7, { edge: true });
    expect(r.portState(7)).toBe('forwarding');
    expect(r.portInfo(7).edge).toBe(true);
    net.add('x', 2);
    net.link('r', 1, 'x', 1);
    net.settle();
    // A BPDU from x on port 7 (a cable plugged in where a host was expected).
    const bpdu = net.bridge('x').sent.find((s) => s.frame[17 + 3] === 0)!.frame;
    net.inject('r', 7, bpdu);
    expect(r.portInfo(7).edge).toBe(false);
  });

  it('RSTP: a designated port forwards once the bridge across agrees, without waiting for timers', () => {
    const net = new StpNet('rstp');
    net.add('r', 1);
    net.add('a', 2);
    net.link('r', 1, 'a', 1);
    net.run(10);
    expect([net.get('r').portState(1), net.get('a').portState(1)]).toEqual(['forwarding', 'forwarding']);
    const info = net.get('r').portInfo(1);
    expect(info.counters.txRst).toBeGreaterThan(0);
    expect(info.counters.rxRst).toBeGreaterThan(0);
  });

  it('RSTP: an edge port forwards at once; a port with nobody behind it becomes edge after the migrate time', () => {
    const net = new StpNet('rstp');
    const r = net.add('r', 1);
    r.addPort(1, { edge: true });
    r.addPort(2);
    expect(r.portState(1)).toBe('forwarding');
    expect(r.portState(2)).toBe('discarding');
    net.run(2999);
    expect(r.portState(2)).toBe('discarding');
    net.run(1);
    expect(r.portState(2)).toBe('forwarding');
    expect(r.portInfo(2).edge).toBe(true);
    // Edge ports coming and going are no topology change.
    expect(net.bridge('r').flushes).toEqual([]);
  });

  it('does with one late poll what timely polls would have done', () => {
    for (const protocol of ['stp', 'rstp'] as const) {
      const late = new StpNet(protocol);
      late.add('r', 1);
      late.get('r').addPort(1);
      late.get('r').poll(100_000);
      expect(late.get('r').portState(1)).toBe('forwarding');
      expect(late.get('r').pollAt()).toBeGreaterThan(100_000);
    }
  });
});
