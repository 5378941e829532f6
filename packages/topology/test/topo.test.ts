import { describe, expect, it } from 'vitest';
import { findSwitchLoop, LinearTopo, planNetwork, Topo, type TopologyError, TreeTopo, topoFromString } from '../src/index.js';

describe('built-in topologies', () => {
  it("build Mininet's shapes with Mininet's names", () => {
    const minimal = topoFromString('minimal').toSpec();
    expect(minimal.nodes.map((n) => n.name)).toEqual(['s1', 'h1', 'h2']);
    expect(minimal.links).toEqual([
      { a: 'h1', b: 's1' },
      { a: 'h2', b: 's1' },
    ]);
    const tree = new TreeTopo(2, 3);
    expect(tree.switches()).toEqual(['s1', 's2', 's3', 's4']);
    expect(tree.hosts()).toHaveLength(9);
    expect(tree.toSpec().links).toHaveLength(12);
    const linear = new LinearTopo(3, 2);
    expect(linear.hosts()).toEqual(['h1s1', 'h1s2', 'h1s3', 'h2s1', 'h2s2', 'h2s3']);
    expect(topoFromString('tree,depth=2,fanout=8').hosts()).toHaveLength(64);
    expect(topoFromString('linear,4').switches()).toEqual(['s1', 's2', 's3', 's4']);
    expect(topoFromString('torus,3,3').switches()).toHaveLength(9);
  });

  it('refuses what Mininet would not build, saying what is valid', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as TopologyError;
      }
      throw new Error('no error');
    };
    expect(err(() => topoFromString('ring,3')).message).toMatch(/unknown topology "ring"; choose one of: minimal, single,K/);
    expect(err(() => topoFromString('tree,depth=x')).code).toBe('bad-option');
    expect(err(() => topoFromString('tree,size=3')).message).toMatch(/no parameter "size"/);
    expect(err(() => topoFromString('torus,2,2')).message).toMatch(/at least 3x3/);
    const t = new Topo();
    t.addHost('h1');
    expect(err(() => t.addHost('h1')).code).toBe('duplicate-name');
    expect(err(() => t.addLink('h1', 's9')).code).toBe('unknown-node');
    expect(err(() => t.addHost('1h')).code).toBe('bad-option');
  });
});

describe('planning', () => {
  it('numbers ports and addresses as Mininet does', () => {
    const plan = planNetwork(topoFromString('single,3').toSpec(), { autoSetMacs: true });
    const s1 = plan.nodes.find((n) => n.name === 's1')!;
    expect(s1.intfs.map((i) => i.name)).toEqual(['s1-eth1', 's1-eth2', 's1-eth3']);
    const h3 = plan.nodes.find((n) => n.name === 'h3')!;
    expect(h3).toMatchObject({ kind: 'host', ip: '10.0.0.3/8', mac: '00:00:00:00:00:03' });
    expect(h3.intfs.map((i) => i.name)).toEqual(['h3-eth0']);
    expect(plan.links[0]).toMatchObject({ intfA: 'h1-eth0', intfB: 's1-eth1' });
  });

  it('numbers hosts in natural order from the IP base', () => {
    const t = new Topo();
    const s = t.addSwitch('s1');
    for (const h of ['h10', 'h2', 'h1']) t.addLink(t.addHost(h), s);
    const plan = planNetwork(t.toSpec(), { ipBase: '192.168.0.0/24' });
    const ip = (name: string) => (plan.nodes.find((n) => n.name === name) as { ip: string }).ip;
    expect([ip('h1'), ip('h2'), ip('h10')]).toEqual(['192.168.0.1/24', '192.168.0.2/24', '192.168.0.3/24']);
  });

  it('puts h1 on the highest port of reversed,K', () => {
    const plan = planNetwork(topoFromString('reversed,3').toSpec());
    expect(plan.links[0]).toMatchObject({ a: 'h3', intfB: 's1-eth3' });
    expect(plan.links[2]).toMatchObject({ a: 'h1', intfB: 's1-eth1' });
  });

  it('finds the loops that a switch without spanning tree is on', () => {
    const loop = (t: Topo, switchDefaults = {}) => findSwitchLoop(planNetwork(t.toSpec(), { switchDefaults }));
    expect(loop(topoFromString('tree,depth=3,fanout=2'))).toEqual([]);
    // The torus's switches run RSTP.
    expect(loop(topoFromString('torus,3,3'))).toEqual([]);
    const square = (stp: Record<string, 'rstp'>) => {
      const t = new Topo();
      for (const s of ['s1', 's2', 's3', 's4']) t.addSwitch(s, stp[s] ? { stp: stp[s] } : {});
      t.addSwitch('s5');
      for (const link of ['s1-s2', 's2-s3', 's3-s4', 's4-s1', 's4-s5']) t.addLink(link.slice(0, 2), link.slice(3));
      return t;
    };
    expect(loop(square({}))).toEqual(['s1', 's2']);
    expect(loop(square({ s1: 'rstp', s2: 'rstp', s3: 'rstp' }))).toEqual(['s3', 's4']);
    // s5 hangs off the loop without being on it.
    expect(loop(square({ s1: 'rstp', s2: 'rstp', s3: 'rstp', s4: 'rstp' }))).toEqual([]);
    expect(loop(square({}), { stp: true })).toEqual([]);
    const parallel = new Topo();
    parallel.addLink(parallel.addSwitch('s1'), parallel.addSwitch('s2'));
    parallel.addLink('s1', 's2');
    expect(loop(parallel)).toEqual(['s1', 's2']);
  });

  it('rejects spanning-tree options that cannot work', () => {
    expect(() => new Topo().addSwitch('s1', { stp: 'mstp' as 'stp' })).toThrow(/stp is true, false, 'stp' \(802.1D\) or 'rstp'/);
    expect(() => new Topo().addSwitch('s1', { stpPriority: 70000 })).toThrow(/stpPriority is an integer in 0-65535/);
  });
});
