/**
 * The four ways two VMs on one ESX server can talk (same or different vSwitch, port group and
 * VLAN), and which of them leave the server: read from the uplink counters, as the blog in
 * ../shared/reference argues. Then a virtual firewall with a leg in each VLAN keeps routed
 * traffic inside too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network, Topo } from '../src/index.js';

/**
 * esx1 holds vSwitch0 (s1) and vSwitch1 (s2), each with a trunk uplink to the physical switch
 * p1 (s3), where the router r1 has a port in VLAN 10 and one in VLAN 20. On vSwitch0: vm1 and
 * vm2 in port group "web" (VLAN 10), vm3 in port group "web-b" (also VLAN 10), vm4 in "db"
 * (VLAN 20), and the virtual firewall fw1 with a leg in each VLAN. On vSwitch1: vm5 (VLAN 10).
 */
function esx(): Topo {
  const t = new Topo();
  const [s1, s2, p1] = [t.addSwitch('s1'), t.addSwitch('s2'), t.addSwitch('s3')];
  const vm = (name: string, ip: string) => t.addHost(name, { ip, defaultRoute: ip.startsWith('10.0.10.') ? '10.0.10.1' : '10.0.20.1' });
  t.addLink(vm('vm1', '10.0.10.11/24'), s1, { vlan: 10 });
  t.addLink(vm('vm2', '10.0.10.12/24'), s1, { vlan: 10 });
  t.addLink(vm('vm3', '10.0.10.13/24'), s1, { vlan: 10 });
  t.addLink(vm('vm4', '10.0.20.14/24'), s1, { vlan: 20 });
  const fw1 = t.addHost('fw1', { ip: '10.0.10.254/24' });
  t.addLink(fw1, s1, { vlan: 10 });
  t.addLink(fw1, s1, { vlan: 20 });
  t.addLink(vm('vm5', '10.0.10.15/24'), s2, { vlan: 10 });
  const trunk = { mode: 'trunk', allowed: [10, 20] } as const;
  t.addLink(s1, p1, { vlan: trunk, intfA: 'uplink0', intfB: 'p1-esx0' });
  t.addLink(s2, p1, { vlan: trunk, intfA: 'uplink1', intfB: 'p1-esx1' });
  const r1 = t.addHost('r1', { ip: '10.0.10.1/24' });
  t.addLink(r1, p1, { vlan: 10 });
  t.addLink(r1, p1, { vlan: 20 });
  return t;
}

describe('the four ESX cases', () => {
  const net = new Network({ topo: esx() });
  beforeAll(async () => {
    await net.start();
    await net.cmd('r1', 'ip addr add 10.0.20.1/24 dev r1-eth1');
    expect(await net.cmd('r1', 'sysctl net.ipv4.ip_forward')).toBe('net.ipv4.ip_forward = 0\n');
    expect(await net.cmd('r1', 'sysctl -w net.ipv4.ip_forward=1')).toBe('net.ipv4.ip_forward = 1\n');
    await net.cmd('fw1', 'ip addr add 10.0.20.254/24 dev fw1-eth1');
    await net.cmd('fw1', 'sysctl -w net.ipv4.ip_forward=1');
  }, 30_000);
  afterAll(() => net.stop());

  /** Frames vSwitch0 sent out of and received from its uplink while vm1 pings `target` ten times (after one ping to fill ARP and MAC tables). */
  async function uplinkFrames(target: string): Promise<{ tx: number; rx: number }> {
    const ping = (n: number) => net.cmd('vm1', `ping -c ${n} -i 0.01 -W 1 ${target}`);
    expect(await ping(1)).toContain('1 received');
    const counters = async () => {
      const stats = await net.cmd('s1', 'stats');
      const m = /\(uplink0\): rx pkts=(\d+) bytes=\d+, tx pkts=(\d+)/.exec(stats)!;
      return { rx: Number(m[1]), tx: Number(m[2]) };
    };
    const before = await counters();
    expect(await ping(10)).toContain('10 received');
    const after = await counters();
    return { tx: after.tx - before.tx, rx: after.rx - before.rx };
  }

  it('same vSwitch, same port group and VLAN: stays inside the server', async () => {
    expect(await uplinkFrames('10.0.10.12')).toEqual({ tx: 0, rx: 0 });
  });

  it('same vSwitch, different port group, same VLAN: stays inside too', async () => {
    expect(await uplinkFrames('10.0.10.13')).toEqual({ tx: 0, rx: 0 });
  });

  it('different vSwitches, same VLAN: out through the uplink to the physical switch and back', async () => {
    // Requests out of vSwitch0, replies back in through it.
    expect(await uplinkFrames('10.0.10.15')).toEqual({ tx: 10, rx: 10 });
  });

  it('same vSwitch, different VLAN: out to the router and back, twice per ping', async () => {
    // Each request goes out in VLAN 10 and comes back routed into VLAN 20; each reply the other way.
    expect(await uplinkFrames('10.0.20.14')).toEqual({ tx: 20, rx: 20 });
    expect(await net.cmd('vm1', 'ping -c 1 -W 1 10.0.20.14')).toMatch(/ttl=63/);
  });

  it('different VLAN through a virtual firewall in the server: stays inside', async () => {
    await net.cmd('vm1', 'ip route replace default via 10.0.10.254');
    await net.cmd('vm4', 'ip route replace default via 10.0.20.254');
    expect(await uplinkFrames('10.0.20.14')).toEqual({ tx: 0, rx: 0 });
  });
});
