import { build, ethernet, ipv4, type LayerSpec, payload, udp, vlan } from '@vnet/frame';
import { createLocalLink } from '@vnet/link';
import { afterEach, describe, expect, it } from 'vitest';
import { LearningSwitch, type PortOptions, portGroupVlan, SecurityDrop, SwitchError, VlanDrop } from '../src/index.js';
import { lab, settle } from './switch-lab.js';

const mac = (n: number) => `00:00:00:00:00:0${n}`;
const frame = (from: number, to: number | 'all', ...rest: LayerSpec[]) => [
  ethernet({ src: mac(from), dst: to === 'all' ? 'ff:ff:ff:ff:ff:ff' : mac(to) }),
  ...(rest.length ? rest : [ipv4({ src: from, dst: 1 }), udp({ srcPort: 1, dstPort: 2 }), payload('x')]),
];

let close: () => void = () => {};
afterEach(() => close());

describe('learning and flooding', () => {
  it('floods the unknown, then forwards to where a MAC was learned', async () => {
    const l = lab([{}, {}, {}]);
    close = l.close;
    l.send(1, ...frame(1, 2));
    await settle();
    expect(l.got.map((g) => g.length)).toEqual([0, 1, 1]);
    l.send(2, ...frame(2, 1));
    await settle();
    expect(l.got.map((g) => g.length)).toEqual([1, 1, 1]);
    l.send(1, ...frame(1, 2));
    await settle();
    expect(l.got.map((g) => g.length)).toEqual([1, 2, 1]);
    expect(l.sw.fdb().map((e) => [e.port, e.mac])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(l.sw.portCounters(3)!.flooded).toBe(1);
  });

  it('keeps the table bounded under a flood of 1,000,000 random source MACs, and legitimate traffic flowing', async () => {
    const sw = new LearningSwitch({ name: 's1' });
    const links = [1, 2, 3].map((n) => createLocalLink({ a: `h${n}-eth0`, b: `s1-eth${n}` }));
    close = () => {
      for (const l of links) for (const e of [l.a, l.b]) e.close();
    };
    const arrived = [0, 0, 0];
    links.forEach((l, i) => {
      sw.addPort(l.b, i + 1);
      l.a.onFrame = () => arrived[i]++;
    });
    // h1 floods: unknown unicast from a fresh random MAC each time (seeded, unicast, locally administered).
    const flood = new Uint8Array(60);
    flood.set([0x02, 0xee, 0, 0, 0, 1], 0);
    flood.set([0x88, 0xb5], 12);
    let seed = 12345;
    const legit = (from: number, to: number) => build(ethernet({ src: mac(from), dst: mac(to), ethertype: 0x88b5 }), payload('real'));
    const h2toh3 = legit(2, 3);
    const h3toh2 = legit(3, 2);
    let sent = 0;
    let exchanges = 0;
    while (sent < 1_000_000) {
      for (let k = 0; k < 256 && sent < 1_000_000 && links[0].a.hasRoom(60); k++, sent++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        flood[6] = 0x02;
        flood[7] = seed >>> 24;
        flood[8] = seed >>> 16;
        flood[9] = seed >>> 8;
        flood[10] = seed;
        flood[11] = sent;
        links[0].a.send(flood);
      }
      if (sent % 50_000 < 256) {
        links[1].a.send(h2toh3);
        links[2].a.send(h3toh2);
        exchanges++;
      }
      sw.poll(sent / 1000);
      await new Promise((r) => setImmediate(r));
    }
    for (let i = 0; i < 200 && sw.portCounters(1)!.rxFrames < 1_000_000; i++) await settle();
    expect(sw.fdb().length).toBeLessThanOrEqual(8192);
    expect(sw.fdbEvictions).toBeGreaterThan(1_000_000 - 8192 - 10);
    // Every flood frame reached both real hosts; every real frame reached its host (flooded or not: h1 may see some).
    expect(arrived[1] - exchanges).toBe(1_000_000);
    expect(arrived[2] - exchanges).toBe(1_000_000);
    expect(sw.portCounters(1)!.drops).toEqual({});
  }, 60_000);

  it('ages MACs out', async () => {
    const l = lab([{}, {}]);
    close = l.close;
    l.sw.poll(0);
    l.send(1, ...frame(1, 2));
    await settle();
    expect(l.sw.fdb()).toHaveLength(1);
    l.sw.poll(299_000);
    expect(l.sw.fdb()).toHaveLength(1);
    l.sw.poll(301_000);
    expect(l.sw.fdb()).toHaveLength(0);
  });
});

describe('security policy', () => {
  const nic = (n: number, security?: PortOptions['security']): PortOptions => ({ mac: n, ...(security ? { security } : {}) });

  it('rejects promiscuous mode by default: a port sees only its own unicast, broadcast and multicast', async () => {
    const l = lab([nic(1), nic(2), nic(3), nic(4, { promiscuous: true })]);
    close = l.close;
    // Unknown unicast to h2 is not flooded to h3, whose NIC has another MAC.
    l.send(1, ...frame(1, 2));
    await settle();
    expect(l.got.map((g) => g.length)).toEqual([0, 1, 0, 1]);
    l.send(2, ...frame(2, 1));
    l.send(3, ...frame(3, 'all'));
    await settle();
    // h3's broadcast reaches all; h2's unicast to h1 reaches h1 and the promiscuous h4.
    expect(l.got.map((g) => g.length)).toEqual([2, 2, 0, 3]);
  });

  it('drops forged transmits when rejected, and counts them', async () => {
    const l = lab([nic(1, { forgedTransmits: false }), nic(2)]);
    close = l.close;
    l.send(1, ...frame(9, 'all'));
    l.send(1, ...frame(1, 'all'));
    await settle();
    expect(l.got[1]).toHaveLength(1);
    expect(l.sw.portCounters(1)!.drops).toEqual({ [SecurityDrop.ForgedTransmit]: 1 });
  });

  it('cuts a port off while its guest uses another MAC, when MAC changes are rejected', async () => {
    const l = lab([nic(1, { macChanges: false }), nic(2)]);
    close = l.close;
    l.sw.setEffectiveMac(1, 7);
    l.send(2, ...frame(2, 'all'));
    await settle();
    expect(l.got[0]).toHaveLength(0);
    l.sw.setEffectiveMac(1, 1);
    l.send(2, ...frame(2, 'all'));
    await settle();
    expect(l.got[0]).toHaveLength(1);
    expect(() => l.sw.setPortSecurity(9, {})).toThrow(SwitchError);
  });
});

describe('mirroring', () => {
  it('copies every frame a port receives and sends to the SPAN port, and nothing else', async () => {
    // The analyser's NIC has its own MAC, so without the mirror it would see no unicast of others.
    const l = lab([{}, {}, {}, { mac: 4 }]);
    close = l.close;
    l.sw.addMirror({ name: 'm1', srcPorts: [1], dstPorts: [1], output: { port: 4 } });
    for (let i = 0; i < 50; i++) {
      l.send(1, ...frame(1, 2));
      l.send(2, ...frame(2, 1));
      l.send(3, ...frame(3, 2));
    }
    await settle();
    // The 50 frames h1 sent and the 50 it received, and nothing of h3's.
    // Each frame: Ethernet 14 + IPv4 20 + UDP 8 + 1 byte of payload.
    expect(l.sw.mirrorStats()).toEqual([{ name: 'm1', frames: 100, bytes: 100 * 43 }]);
    const fromH1 = l.got[3].filter((f) => f['eth.src'] === mac(1)).length;
    const toH1 = l.got[3].filter((f) => f['eth.dst'] === mac(1)).length;
    expect([fromH1, toH1]).toEqual([50, 50]);
    expect(l.got[3].filter((f) => f['eth.src'] === mac(3) && f['eth.dst'] === mac(2))).toHaveLength(0);
  });

  it('sends RSPAN copies into a VLAN, tagged on the trunk that carries it', async () => {
    const l = lab([{}, {}, { vlan: { mode: 'trunk', allowed: [99] } }]);
    close = l.close;
    l.sw.addMirror({ name: 'r', srcPorts: [1], output: { vlan: 99 } });
    l.send(1, ...frame(1, 'all'));
    await settle();
    expect(l.got[2]).toHaveLength(1);
    expect(l.got[2][0]).toMatchObject({ 'vlan.id': 99, 'eth.src': mac(1) });
    expect(() => l.sw.addMirror({ name: 'r', output: { port: 2 } })).toThrow(SwitchError);
  });
});

describe('VLANs', () => {
  it("keeps access VLANs apart: no port sees another VLAN's frames", async () => {
    const l = lab([{ vlan: portGroupVlan(10) }, { vlan: portGroupVlan(10) }, { vlan: portGroupVlan(20) }]);
    close = l.close;
    l.send(1, ...frame(1, 'all'));
    l.send(3, ...frame(3, 'all'));
    await settle();
    expect(l.got.map((g) => g.length)).toEqual([0, 1, 0]);
    expect(l.got[1][0]['vlan.id']).toBeUndefined();
  });

  it('tags on trunks and untags on access ports, dropping what a trunk does not carry', async () => {
    const l = lab([{ vlan: portGroupVlan(10) }, { vlan: { mode: 'trunk', allowed: [10, 20] } }, { vlan: portGroupVlan(20) }]);
    close = l.close;
    l.send(1, ...frame(1, 'all'));
    await settle();
    expect(l.got[1][0]).toMatchObject({ 'vlan.id': 10, 'ip.src': '0.0.0.1' });
    l.send(2, ...frame(2, 'all', vlan({ vid: 20 }), ipv4({ src: 2, dst: 3 }), udp(), payload('x')));
    await settle();
    expect(l.got[2]).toHaveLength(1);
    expect(l.got[2][0]['vlan.id']).toBeUndefined();
    expect(l.got[0]).toHaveLength(0);
    l.send(2, ...frame(2, 'all', vlan({ vid: 30 }), ipv4(), udp(), payload('x')));
    l.send(2, ...frame(2, 'all'));
    await settle();
    expect(l.sw.portCounters(2)!.drops).toEqual({ [VlanDrop.NotAllowed]: 1, [VlanDrop.UntaggedOnTrunk]: 1 });
  });

  it("carries untagged frames in a trunk's native VLAN and every VLAN on a 4095 port group", async () => {
    const l = lab([{ vlan: portGroupVlan(1) }, { vlan: { mode: 'trunk', allowed: 'all', native: 1 } }, { vlan: portGroupVlan(4095) }]);
    close = l.close;
    l.send(2, ...frame(2, 'all'));
    await settle();
    expect(l.got[0]).toHaveLength(1);
    expect(l.got[2][0]['vlan.id']).toBe(1);
    l.send(3, ...frame(3, 'all', vlan({ vid: 3000 }), ipv4(), udp(), payload('x')));
    await settle();
    expect(l.got[1].at(-1)!['vlan.id']).toBe(3000);
  });

  it('drops double-tagged frames on an access port: no VLAN hopping', async () => {
    const l = lab([{ vlan: portGroupVlan(10) }, { vlan: { mode: 'trunk', allowed: 'all' } }, { vlan: portGroupVlan(20) }]);
    close = l.close;
    l.send(1, ...frame(1, 'all', vlan({ vid: 10 }), vlan({ vid: 20 }), ipv4(), udp(), payload('x')));
    await settle();
    expect(l.got.map((g) => g.length)).toEqual([0, 0, 0]);
    expect(l.sw.portCounters(1)!.drops).toEqual({ [VlanDrop.TaggedOnAccess]: 1 });
  });

  it('refuses impossible settings with a typed error', () => {
    expect(() => portGroupVlan(4096)).toThrow(SwitchError);
    expect(() => new LearningSwitch({ name: 's' }).addPort(createLocalLink().a, 1, { vlan: { mode: 'trunk', allowed: [0] } })).toThrow(
      /outside 1-4094/,
    );
    // A bare VLAN number (easy to pass from JavaScript) is refused with the shape it needs.
    expect(() => new LearningSwitch({ name: 's' }).addPort(createLocalLink().a, 1, { vlan: 10 as never })).toThrow(/portGroupVlan\(N\)/);
  });
});
