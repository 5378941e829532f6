import { build, dissect, ethernet, fieldMap, ipv4, payload, udp } from '@vnet/frame';
import { createLocalLink, type LinkEnd } from '@vnet/link';
import { afterEach, describe, expect, it } from 'vitest';
import { LearningSwitch, type TeamingPolicy } from '../src/index.js';

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
