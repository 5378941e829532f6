import { build, dissect, EtherType, ethernet, fieldMap, ipv4, payload, u16, udp } from '@vnet/frame';
import { createLocalLink, type LinkEnd } from '@vnet/link';
import { afterEach, describe, expect, it } from 'vitest';
import { LearningSwitch, portGroupVlan, type TeamingPolicy } from '../src/index.js';

/**
 * A server's vSwitch s1 with VMs h1 and h2, teamed uplinks (ports 3 and 4) to a physical
 * switch s2, and h3 behind s2. The uplinks form a loop a plain switch would flood around
 * forever; a team never floods back into itself.
 */
function server(policy: TeamingPolicy, standby: number[] = []) {
  const s1 = new LearningSwitch({ name: 's1' });
  const s2 = new LearningSwitch({ name: 's2' });
  const ends: LinkEnd[] = [];
  const inbox = new Map<string, Array<Record<string, unknown>>>();
  const host = (name: string, sw: LearningSwitch, port: number, mac?: number) => {
    const l = createLocalLink({ a: `${name}-eth0`, b: `${sw.name}-eth${port}` });
    sw.addPort(l.b, port, mac === undefined ? {} : { mac });
    const got: Array<Record<string, unknown>> = [];
    l.a.onFrame = (bytes, offset, length) => got.push(fieldMap(dissect(bytes.slice(offset, offset + length))));
    inbox.set(name, got);
    ends.push(l.a, l.b);
    return l.a;
  };
  const h1 = host('h1', s1, 1, 1);
  const h2 = host('h2', s1, 2, 2);
  const h3 = host('h3', s2, 3);
  const uplinks = [3, 4].map((n, i) => {
    const l = createLocalLink({ a: `s1-eth${n}`, b: `s2-eth${i + 1}` });
    s1.addPort(l.a, n);
    s2.addPort(l.b, i + 1);
    ends.push(l.a, l.b);
    return l.a;
  });
  const active = standby.length ? [3, 4].filter((n) => !standby.includes(n)) : [3, 4];
  s1.addTeam({ name: 'uplinks', active, standby, policy });
  const frame = (src: number, dst: number | 'all') =>
    build(
      ethernet({ src, dst: dst === 'all' ? 'ff:ff:ff:ff:ff:ff' : dst }),
      ipv4({ src, dst: 9 }),
      udp({ srcPort: 1, dstPort: 2 }),
      payload('x'),
    );
  return { s1, s2, h1, h2, h3, uplinks, inbox, frame, close: () => ends.forEach((e) => void e.close()) };
}

const settle = () => new Promise((r) => setTimeout(r, 10));
let close: () => void = () => {};
afterEach(() => close());

describe('NIC teaming', () => {
  it('fails over to the standby uplink, tells the physical switch with RARPs, and fails back', async () => {
    const n = server('failover', [4]);
    close = n.close;
    n.h1.send(n.frame(1, 'all'));
    n.h3.send(n.frame(3, 'all'));
    await settle();
    // One copy of each broadcast crossed, by the active uplink; no loop.
    expect(n.inbox.get('h3')).toHaveLength(1);
    expect(n.inbox.get('h1')).toHaveLength(1);
    expect(n.s2.fdb().find((e) => e.mac === 1)?.port).toBe(1);

    n.uplinks[0].setUp(false);
    await settle();
    expect(n.s1.teamStats()).toEqual([{ name: 'uplinks', inUse: [4], failovers: 1, notifications: 2 }]);
    // The RARPs moved h1 and h2 to s2's second port before any of their traffic did.
    expect(n.s2.fdb().find((e) => e.mac === 1)?.port).toBe(2);
    n.h3.send(n.frame(3, 1));
    await settle();
    expect(n.inbox.get('h1')!.at(-1)).toMatchObject({ 'eth.dst': '00:00:00:00:00:01', 'ip.src': '0.0.0.3' });

    n.uplinks[0].setUp(true);
    await settle();
    expect(n.s1.teamStats()[0]).toMatchObject({ inUse: [3], failovers: 2 });
  });

  it('balances VMs over the uplinks by originating port', async () => {
    const n = server('port-id');
    close = n.close;
    n.h1.send(n.frame(1, 'all'));
    n.h2.send(n.frame(2, 'all'));
    await settle();
    // Port 1 and port 2 hash to different members: s2 learns the VMs on different ports.
    const port = (mac: number) => n.s2.fdb().find((e) => e.mac === mac)?.port;
    expect(new Set([port(1), port(2)])).toEqual(new Set([1, 2]));
    expect(n.inbox.get('h3')).toHaveLength(2);
  });

  it('keeps the MAC table still while frames arrive on different members', async () => {
    const n = server('port-id');
    close = n.close;
    n.h1.send(n.frame(1, 'all'));
    await settle();
    // s2 floods h3's broadcast into both uplinks; the team delivers it once and learns h3 on the team.
    n.h3.send(n.frame(3, 'all'));
    await settle();
    expect(n.inbox.get('h1')).toHaveLength(1);
    expect(
      n.s1
        .fdb()
        .filter((e) => e.mac === 3)
        .map((e) => e.port),
    ).toEqual([3]);
  });
});

describe('beacon probing', () => {
  /** s1 with h1 and uplinks 3, 4, 5 to the physical switch s2, behind which is h3; `teamed` of them in the team. */
  function probed(teamed: number[]) {
    const s1 = new LearningSwitch({ name: 's1' });
    const s2 = new LearningSwitch({ name: 's2' });
    const ends: LinkEnd[] = [];
    const link = (a: string, b: string) => {
      const l = createLocalLink({ a, b });
      ends.push(l.a, l.b);
      return l;
    };
    const h1 = link('h1-eth0', 's1-eth1');
    s1.addPort(h1.b, 1, { mac: 1 });
    const h3 = link('h3-eth0', 's2-eth9');
    s2.addPort(h3.b, 9);
    let toH3 = 0;
    h3.a.onFrame = (b, o) => void (u16(b, o + 12) === EtherType.IPv4 && toH3++);
    for (const n of teamed) {
      const l = link(`s1-eth${n}`, `s2-eth${n}`);
      s1.addPort(l.a, n);
      s2.addPort(l.b, n);
    }
    s1.addTeam({ name: 'uplinks', active: teamed, policy: 'failover', failureDetection: 'beacon' });
    close = () => ends.forEach((e) => void e.close());
    let now = 0;
    /** One beacon interval: s1 sends its beacons, and they cross. */
    const tick = async () => {
      s1.poll(now);
      s2.poll(now);
      now += 1000;
      await settle();
    };
    const ping = async () => {
      const before = toH3;
      h1.a.send(build(ethernet({ src: 1, dst: 3 }), ipv4({ src: 1, dst: 3 }), udp({ srcPort: 1, dstPort: 2 }), payload('x')));
      await settle();
      return toH3 - before;
    };
    return { s1, s2, tick, ping };
  }

  it('takes out a member whose link is up but which hears no beacon (an upstream failure), and fails back', async () => {
    const n = probed([3, 4, 5]);
    await n.tick();
    expect(await n.ping()).toBe(1);
    // Upstream of uplink 3 the network is cut off (here: its physical port moved to a VLAN of its own); the link stays up.
    n.s2.setPortVlan(3, portGroupVlan(99));
    await n.tick();
    await n.tick();
    expect(n.s1.teamStats()[0]).toMatchObject({ inUse: [3], beaconFailed: [] });
    expect(await n.ping()).toBe(0);
    await n.tick();
    // Three intervals without a beacon: uplink 3 is out, traffic moves to uplink 4.
    expect(n.s1.teamStats()[0]).toMatchObject({ inUse: [4], failovers: 1, beaconFailed: [3] });
    expect(await n.ping()).toBe(1);
    n.s2.setPortVlan(3, portGroupVlan(0));
    await n.tick();
    await n.tick();
    expect(n.s1.teamStats()[0]).toMatchObject({ inUse: [3], failovers: 2, beaconFailed: [] });
    expect(await n.ping()).toBe(1);
    // The beacons were taken by s1, never switched: h1 saw none.
    expect(n.s1.portCounters(1)!.txFrames).toBe(0);
  });

  it('takes no member out when none hears a beacon: with two members, which one failed cannot be told', async () => {
    const n = probed([3, 4]);
    await n.tick();
    n.s2.setPortVlan(3, portGroupVlan(99));
    for (let i = 0; i < 5; i++) await n.tick();
    expect(n.s1.teamStats()[0]).toMatchObject({ inUse: [3], failovers: 0, beaconFailed: [] });
  });
});
