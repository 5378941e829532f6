import { ArpOperation, arp, build, EtherType, ethernet, ipv4, type LayerSpec, payload, tcp, u16, udp } from '@vnet/frame';
import { createLocalLink } from '@vnet/link';
import { afterEach, describe, expect, it } from 'vitest';
import { type Appliance, ApplianceVerdict, type PortOptions, portGroupVlan, SwitchError } from '../src/index.js';
import { lab, settle, waitingLab } from './switch-lab.js';

const mac = (n: number) => `00:00:00:00:00:0${n}`;
const ip = (n: number) => `10.0.0.${n}`;
const tcpTo = (from: number, to: number, port: number): LayerSpec[] => [
  ethernet({ src: mac(from), dst: mac(to) }),
  ipv4({ src: ip(from), dst: ip(to) }),
  tcp({ srcPort: 40000, dstPort: port }),
];
const broadcast = (from: number): LayerSpec[] => [
  ethernet({ src: mac(from), dst: 'ff:ff:ff:ff:ff:ff' }),
  ipv4({ src: ip(from), dst: '10.255.255.255' }),
  udp({ srcPort: 9, dstPort: 9 }),
  payload('hello'),
];

/** A firewall's fast path: drops IPv4 TCP to port 23 (telnet), passes everything else. */
const noTelnet: Appliance = {
  name: 'no-telnet',
  filter: (b, o, length) => {
    if (u16(b, o + 12) !== EtherType.IPv4 || b[o + 23] !== 6) return length;
    const l4 = o + 14 + (b[o + 14] & 0xf) * 4;
    return u16(b, l4 + 2) === 23 ? ApplianceVerdict.Drop : length;
  },
};

let close: () => void = () => {};
afterEach(() => close());

function appLab(ports: PortOptions[]) {
  const l = waitingLab(ports);
  close = l.close;
  return l;
}

describe('the appliance API', () => {
  it("drops on a port group's ports what its fast path refuses, counted on the port and the appliance", async () => {
    const l = appLab([{ vlan: portGroupVlan(10) }, { vlan: portGroupVlan(10) }, { vlan: portGroupVlan(20) }]);
    l.sw.attachAppliance(noTelnet, { portGroupVlan: 10 });
    await l.send(1, ...tcpTo(1, 2, 23));
    await l.send(1, ...tcpTo(1, 2, 22));
    expect(l.counts()).toEqual([0, 1, 0]);
    expect(l.got[1][0]['tcp.dstport']).toBe(22);
    expect(l.sw.portCounters(1)!.drops).toEqual({ appliance: 1 });
    expect(l.sw.applianceStats()).toEqual([{ name: 'no-telnet', ports: [1, 2], passed: 2, dropped: 1, punted: 0, injected: 0, errors: 0 }]);
    // Every port of the group is protected: port 2 refuses its own telnet too.
    await l.send(2, ...tcpTo(2, 1, 23));
    expect(l.counts()).toEqual([0, 1, 0]);
    expect(l.sw.portCounters(2)!.drops).toEqual({ appliance: 1 });
    // Detached, telnet flows again.
    l.sw.detachAppliance('no-telnet');
    await l.send(1, ...tcpTo(1, 2, 23));
    expect(l.counts()).toEqual([0, 2, 0]);
  });

  it('alters a leaving frame for its own port only, even when the frame is flooded', async () => {
    const l = appLab([{}, {}, {}]);
    // Rewrites the IPv4 TTL of frames leaving to port 2 (no checksum fix needed for the test's reading).
    const ttl: Appliance = {
      name: 'ttl',
      filter: (b, o, length, direction) => {
        if (direction === 'out') b[o + 22] = 7;
        return length;
      },
    };
    l.sw.attachAppliance(ttl, { ports: [2] });
    await l.send(1, ...broadcast(1));
    expect(l.counts()).toEqual([0, 1, 1]);
    expect(l.got[1][0]['ip.ttl']).toBe(7);
    expect(l.got[2][0]['ip.ttl']).toBe(64);
  });

  it('punts to a slow path that answers ARP itself and re-injects what it allows', async () => {
    const l = appLab([{}, {}, {}]);
    const arpProxy: Appliance = {
      name: 'arp-proxy',
      filter: (b, o, length, direction) => (direction === 'in' && u16(b, o + 12) === EtherType.ARP ? ApplianceVerdict.Punt : length),
      slowPath: async (frame, _direction, _port, agent) => {
        await new Promise((r) => setTimeout(r, 1));
        if (frame[41] === 2) {
          // Requests for 10.0.0.2 are answered at once; others go on into the switch.
          const reply = build(
            ethernet({ src: mac(2), dst: mac(1) }),
            arp({ operation: ArpOperation.Reply, senderMac: mac(2), senderIp: ip(2), targetMac: mac(1), targetIp: ip(1) }),
          );
          agent.inject('out', reply);
        } else agent.inject('in', frame);
      },
    };
    l.sw.attachAppliance(arpProxy, { ports: [1] });
    const who = (target: number) => [
      ethernet({ src: mac(1), dst: 'ff:ff:ff:ff:ff:ff' }),
      arp({ senderMac: mac(1), senderIp: ip(1), targetIp: ip(target) }),
    ];
    await l.send(1, ...who(2));
    await settle();
    expect(l.counts()).toEqual([1, 0, 0]);
    expect(l.got[0][0]).toMatchObject({ 'arp.opcode': 2, 'arp.src.proto_ipv4': ip(2) });
    await l.send(1, ...who(3));
    await settle();
    expect(l.counts()).toEqual([1, 1, 1]);
    expect(l.sw.applianceStats()[0]).toMatchObject({ punted: 2, injected: 2, dropped: 0 });
    // The injected frame entered the switch from port 1: the switch learned h1 there.
    expect(l.sw.fdb().map((e) => e.port)).toEqual([1]);
  });

  it('counts a slow path that fails, and the switch carries on', async () => {
    const l = appLab([{}, {}]);
    l.sw.attachAppliance(
      {
        name: 'broken',
        filter: (_b, _o, length, direction) => (direction === 'in' ? ApplianceVerdict.Punt : length),
        slowPath: () => {
          throw new Error('bug in the appliance');
        },
      },
      { ports: [1] },
    );
    await l.send(1, ...broadcast(1));
    await l.send(2, ...broadcast(2));
    expect(l.counts()).toEqual([1, 0]);
    expect(l.sw.applianceStats()[0]).toMatchObject({ punted: 1, errors: 1 });
  });

  it('sits on ports that join its port group later', () => {
    const l = lab([{ vlan: portGroupVlan(10) }]);
    close = l.close;
    l.sw.attachAppliance(noTelnet, { portGroupVlan: 20 });
    expect(l.sw.applianceStats()[0].ports).toEqual([]);
    l.sw.setPortVlan(1, portGroupVlan(20));
    expect(l.sw.applianceStats()[0].ports).toEqual([1]);
    const later = createLocalLink();
    l.sw.addPort(later.b, 2, { vlan: portGroupVlan(20) });
    expect(l.sw.applianceStats()[0].ports).toEqual([1, 2]);
    later.a.close();
    later.b.close();
  });

  it('refuses appliances it cannot place, with a typed error', () => {
    const l = lab([{}]);
    close = l.close;
    expect(() => l.sw.attachAppliance({ name: 'x' } as Appliance, { ports: [1] })).toThrow(/needs a filter function/);
    expect(() => l.sw.attachAppliance(noTelnet, {})).toThrow(/say where/);
    expect(() => l.sw.attachAppliance(noTelnet, { ports: [9] })).toThrow(SwitchError);
    expect(() => l.sw.attachAppliance(noTelnet, { portGroupVlan: 5000 })).toThrow(SwitchError);
    l.sw.attachAppliance(noTelnet, { ports: [1] });
    expect(() => l.sw.attachAppliance(noTelnet, { ports: [1] })).toThrow(/already has an appliance no-telnet/);
  });
});
