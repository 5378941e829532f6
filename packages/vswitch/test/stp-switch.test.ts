// Learning switches running spanning tree in a triangle, over real (local) links: the tree
// blocks one port, broadcasts arrive once, and a cut link reroutes traffic.
import { build, dissect, ethernet, fieldMap, ipv4, payload, udp } from '@vnet/frame';
import { createLocalLink, type LinkEnd } from '@vnet/link';
import { afterEach, describe, expect, it } from 'vitest';
import { LearningSwitch, type StpProtocol, SwitchDrop } from '../src/index.js';

const settle = () => new Promise((r) => setTimeout(r, 5));

/** s1, s2, s3 in a triangle: port 1 to the next switch, port 2 to the previous, port 3 to a host. */
function triangle(protocol: StpProtocol) {
  const switches = [1, 2, 3].map((i) => new LearningSwitch({ name: `s${i}`, stp: { protocol, bridgeMac: i } }));
  const ends: LinkEnd[] = [];
  const trunks: Array<{ a: LinkEnd; b: LinkEnd }> = [];
  for (let i = 0; i < 3; i++) {
    const l = createLocalLink({ a: `s${i + 1}-eth1`, b: `s${((i + 1) % 3) + 1}-eth2` });
    switches[i].addPort(l.a, 1);
    switches[(i + 1) % 3].addPort(l.b, 2);
    ends.push(l.a, l.b);
    trunks.push(l);
  }
  const inboxes = switches.map((sw, i) => {
    const l = createLocalLink({ a: `h${i + 1}-eth0`, b: `s${i + 1}-eth3` });
    sw.addPort(l.b, 3, { stp: { edge: true } });
    ends.push(l.a, l.b);
    const inbox: Array<Record<string, unknown>> = [];
    l.a.onFrame = (bytes, offset, length) => inbox.push(fieldMap(dissect(bytes.slice(offset, offset + length))));
    return { host: l.a, inbox };
  });
  let now = 0;
  /** Runs the switches' clocks forward in steps of `step` ms, letting frames travel between steps. */
  const run = async (ms: number, step = 100) => {
    for (const end = now + ms; now < end; ) {
      now += step;
      for (const sw of switches) sw.poll(now);
      await settle();
    }
  };
  const broadcast = (from: number) =>
    inboxes[from - 1].host.send(
      build(
        ethernet({ src: `00:00:00:00:01:0${from}`, dst: 'ff:ff:ff:ff:ff:ff' }),
        ipv4({ src: from, dst: 0xffffffff }),
        udp({ srcPort: 1, dstPort: 2 }),
        payload('x'),
      ),
    );
  const close = () => {
    for (const e of ends) e.close();
  };
  return { switches, trunks, inboxes, run, broadcast, close };
}

const blocked = (sw: LearningSwitch) => sw.portInfo().filter((p) => p.stp?.state !== 'forwarding');

let close: () => void = () => {};
afterEach(() => close());

describe('a learning switch running spanning tree', () => {
  it('RSTP: blocks one port of the triangle; a broadcast reaches every host once', async () => {
    const t = triangle('rstp');
    close = t.close;
    await t.run(1000);
    const [s1, s2, s3] = t.switches;
    expect(s1.stp!.isRoot).toBe(true);
    // The redundant link is s2–s3; s3's end of it (the higher bridge ID) blocks.
    expect([s1, s2].flatMap(blocked)).toEqual([]);
    expect(s3.stp!.rootPort).toBe(1);
    expect(blocked(s3).map((p) => [p.number, p.stp!.role])).toEqual([[2, 'alternate']]);
    t.broadcast(1);
    await t.run(200);
    expect(t.inboxes.map((h) => h.inbox.filter((f) => f['udp.dstport'] === 2).length)).toEqual([0, 1, 1]);
    // s2 floods the broadcast to s3 too, whose blocked port discards it.
    expect(s3.portCounters(2)!.drops[SwitchDrop.StpDiscarding]).toBe(1);
  });

  it('RSTP: a cut link moves traffic to the alternate port at once', async () => {
    const t = triangle('rstp');
    close = t.close;
    await t.run(1000);
    const [, , s3] = t.switches;
    // Cut s3–s1 (s3's root port): the alternate port towards s2 becomes the root port.
    t.trunks[2].a.setUp(false);
    await t.run(300);
    expect(s3.stp!.rootPort).toBe(2);
    expect(blocked(s3).map((p) => [p.number, p.stp!.state])).toEqual([[1, 'disabled']]);
    t.broadcast(1);
    await t.run(200);
    expect(t.inboxes.map((h) => h.inbox.filter((f) => f['udp.dstport'] === 2).length)).toEqual([0, 1, 1]);
  });

  it('STP: ports listen and learn for a forward delay each before they forward', async () => {
    const t = triangle('stp');
    close = t.close;
    const [, s2] = t.switches;
    await t.run(1000, 250);
    expect(s2.portInfo().find((p) => p.number === 2)!.stp!.state).toBe('listening');
    // Learning (after 15 s): frames are not forwarded, but their source MACs are learned.
    await t.run(15_000, 500);
    expect(s2.portInfo().find((p) => p.number === 2)!.stp!.state).toBe('learning');
    t.broadcast(1);
    await t.run(200);
    expect(t.inboxes[1].inbox.filter((f) => f['udp.dstport'] === 2)).toHaveLength(0);
    await t.run(15_000, 500);
    expect(blocked(t.switches[2]).map((p) => p.stp!.state)).toEqual(['blocking']);
    t.broadcast(1);
    await t.run(200);
    expect(t.inboxes.map((h) => h.inbox.filter((f) => f['udp.dstport'] === 2).length)).toEqual([0, 1, 1]);
  });

  it('without spanning tree, frames to the bridge group addresses are not forwarded', async () => {
    const sw = new LearningSwitch({ name: 's1' });
    const a = createLocalLink({ a: 'h1-eth0', b: 's1-eth1' });
    const b = createLocalLink({ a: 'h2-eth0', b: 's1-eth2' });
    close = () => {
      for (const e of [a.a, a.b, b.a, b.b]) e.close();
    };
    sw.addPort(a.b, 1);
    sw.addPort(b.b, 2);
    let got = 0;
    b.a.onFrame = () => got++;
    for (const dst of ['01:80:c2:00:00:00', '01:80:c2:00:00:02', '01:80:c2:00:00:0e'])
      a.a.send(build(ethernet({ src: '00:00:00:00:00:01', dst, ethertype: 0x88cc }), payload('lldp or lacp')));
    // The next group address is ordinary multicast, flooded.
    a.a.send(build(ethernet({ src: '00:00:00:00:00:01', dst: '01:80:c2:00:00:10', ethertype: 0x88b5 }), payload('x')));
    await settle();
    expect(got).toBe(1);
    expect(sw.portCounters(1)!.drops[SwitchDrop.Reserved]).toBe(3);
  });
});
