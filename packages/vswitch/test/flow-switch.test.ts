import { arp, build, ethernet, ipv4, payload, udp } from '@vnet/frame';
import { createLocalLink } from '@vnet/link';
import { afterEach, describe, expect, it } from 'vitest';
import { LearningSwitch, type PortOptions, portGroupVlan } from '../src/index.js';
import { settle, waitingLab } from './switch-lab.js';

let close: () => void = () => {};
afterEach(() => close());

function flowLab(ports: PortOptions[]) {
  const l = waitingLab(ports);
  close = l.close;
  return l;
}

const mac = (n: number) => `00:00:00:00:00:0${n}`;
const udpFrame = (from: number, to: number) => [
  ethernet({ src: mac(from), dst: mac(to) }),
  ipv4({ src: `10.0.0.${from}`, dst: `10.0.0.${to}` }),
  udp({ srcPort: 1000, dstPort: 2000 }),
  payload('flow'),
];
const arpFrame = (from: number) => [
  ethernet({ src: mac(from), dst: 'ff:ff:ff:ff:ff:ff' }),
  arp({ senderMac: mac(from), senderIp: `10.0.0.${from}`, targetIp: '10.0.0.9' }),
];

describe('the flow tables of a learning switch', () => {
  it('start as one NORMAL flow that counts every frame the switch decides', async () => {
    const l = flowLab([{}, {}, {}]);
    await l.send(1, ...udpFrame(1, 2));
    await l.send(2, ...udpFrame(2, 1));
    expect(l.counts()).toEqual([1, 1, 1]);
    const [flow] = l.sw.flows.flows();
    expect(flow).toMatchObject({ priority: 0, actions: 'NORMAL', packets: 2 });
    expect(l.sw.flows.stats).toMatchObject({ frames: 2, delivered: 2 });
  });

  it('send nothing once the flows are deleted, and count the frames they drop', async () => {
    const l = flowLab([{}, {}]);
    expect(l.sw.flows.deleteFlows()).toBe(1);
    await l.send(1, ...udpFrame(1, 2));
    expect(l.counts()).toEqual([0, 0]);
    expect(l.sw.flows.stats.drops).toEqual({ 'no-match': 1 });
    expect(l.sw.portCounters(1)!.rxFrames).toBe(1);
  });

  it('output to a port as a flow says, without learning or flooding', async () => {
    const l = flowLab([{}, {}, {}]);
    l.sw.flows.deleteFlows();
    l.sw.flows.addFlow('in_port=1,actions=output:3');
    await l.send(1, ...udpFrame(1, 2));
    expect(l.counts()).toEqual([0, 0, 1]);
    expect(l.sw.fdb()).toEqual([]);
    expect(l.sw.portCounters(3)!.txFrames).toBe(1);
  });

  it('hand chosen frames to NORMAL: ARP dropped, IP learned and forwarded in its VLAN', async () => {
    const l = flowLab([{ vlan: portGroupVlan(10) }, { vlan: portGroupVlan(10) }, { vlan: portGroupVlan(20) }]);
    l.sw.flows.addFlow('priority=10,arp,actions=drop');
    l.sw.flows.addFlow('priority=5,ip,actions=NORMAL');
    await l.send(1, ...arpFrame(1));
    expect(l.counts()).toEqual([0, 0, 0]);
    await l.send(1, ...udpFrame(1, 2));
    await l.send(2, ...udpFrame(2, 1));
    await l.send(1, ...udpFrame(1, 2));
    // Flooded within VLAN 10 only, then unicast once learned; access ports untag.
    expect(l.counts()).toEqual([1, 2, 0]);
    expect(l.got[1][0]['vlan.id']).toBeUndefined();
    expect(l.sw.fdb().map((e) => [e.vlan, e.port])).toEqual([
      [10, 1],
      [10, 2],
    ]);
    const counts = Object.fromEntries(l.sw.flows.flows().map((f) => [f.match, f.packets]));
    expect(counts).toEqual({ 'priority=10,arp': 1, 'priority=5,ip': 3, 'priority=0': 0 });
    expect(l.sw.flows.dumpMegaflows()).toMatch(/^in_port\(1\),eth_type\(0x0800\), packets:2, .*actions:userspace\(normal\)$/m);
  });

  it('refuses a flow output through a port spanning tree blocks', async () => {
    // Not yet forwarding: STP ports listen and learn for two forward delays first.
    const sw = new LearningSwitch({ name: 's2', stp: { protocol: 'stp', bridgeMac: 2 } });
    const a = createLocalLink({ a: 'x', b: 's2-eth1' });
    const b = createLocalLink({ a: 'y', b: 's2-eth2' });
    sw.addPort(a.b, 1);
    sw.addPort(b.b, 2);
    let got = 0;
    b.a.onFrame = () => got++;
    sw.flows.addFlow('in_port=1,actions=output:2');
    a.a.send(build(...udpFrame(1, 2)));
    await settle();
    expect(got).toBe(0);
    expect(sw.portCounters(1)!.drops['stp-discarding']).toBe(1);
    close = () => {
      for (const e of [a.a, a.b, b.a, b.b]) e.close();
    };
  });
});
