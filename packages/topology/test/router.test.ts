/**
 * Two subnets joined by a router built with the DSL, as Mininet's LinuxRouter example does it:
 * per-interface addresses on the links (`ipA`), hosts with default routes, `router: true`
 * for forwarding. Then nft on the router.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Network, planNetwork, Topo, TopologyError, topoFromString } from '../src/index.js';

/** r1 between s1 (10.0.1.0/24: h1, h2) and s2 (10.0.2.0/24: h3). */
class TwoSubnets extends Topo {
  override build(): void {
    const r1 = this.addHost('r1', { router: true });
    const s1 = this.addSwitch('s1');
    const s2 = this.addSwitch('s2');
    this.addLink(r1, s1, { ipA: '10.0.1.1/24' });
    this.addLink(r1, s2, { ipA: '10.0.2.1/24' });
    this.addLink(this.addHost('h1', { ip: '10.0.1.10/24', defaultRoute: 'via 10.0.1.1' }), s1);
    this.addLink(this.addHost('h2', { ip: '10.0.1.11/24', defaultRoute: '10.0.1.1' }), s1);
    this.addLink(s2, this.addHost('h3', { ip: '10.0.2.10/24', defaultRoute: 'via 10.0.2.1' }), { ipB: '10.0.2.10/24' });
  }
}

function error(f: () => unknown): TopologyError {
  try {
    f();
  } catch (e) {
    if (e instanceof TopologyError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('router topologies: planning', () => {
  it('gives each router interface the address of its link, and the router forwarding', () => {
    const plan = planNetwork(new TwoSubnets().toSpec());
    const r1 = plan.nodes.find((n) => n.name === 'r1')!;
    expect(r1).toMatchObject({ kind: 'host', ip: '10.0.1.1/24', router: true });
    expect(r1.intfs.map((i) => [i.name, i.ip])).toEqual([
      ['r1-eth0', '10.0.1.1/24'],
      ['r1-eth1', '10.0.2.1/24'],
    ]);
    const h3 = plan.nodes.find((n) => n.name === 'h3')!;
    expect(h3.intfs.map((i) => i.ip)).toEqual(['10.0.2.10/24']);
    // Switch ports have no addresses.
    expect(plan.nodes.find((n) => n.name === 's1')!.intfs.every((i) => i.ip === undefined)).toBe(true);
  });

  it('refuses addresses that cannot be, saying why', () => {
    const t = new Topo();
    const [h1, s1] = [t.addHost('h1', { ip: '10.0.0.1/24' }), t.addSwitch('s1')];
    expect(error(() => t.addLink(s1, h1, { ipA: '10.0.0.9/24' })).message).toMatch(
      /s1 is a switch: only host ends of a link have addresses/,
    );
    expect(error(() => t.addLink(h1, s1, { ipA: '10.0.0.300/24' })).message).toMatch(
      /ipA of the link h1-s1: "10\.0\.0\.300\/24" is not an IPv4 address/,
    );
    expect(error(() => t.addHost('h2', { ip: 'ten' })).code).toBe('bad-option');
    expect(error(() => t.addHost('h3', { router: 'yes' as unknown as boolean })).message).toMatch(/router is true or false/);
    t.addLink(h1, s1, { ipA: '10.0.0.2/24' });
    expect(error(() => planNetwork(t.toSpec())).message).toMatch(
      /h1 has ip 10\.0\.0\.1\/24 and its first link gives h1-eth0 10\.0\.0\.2\/24/,
    );
  });
});

describe('the built-in router topology', () => {
  it("joins K subnets of N hosts, as Mininet's LinuxRouter example", async () => {
    const plan = planNetwork(topoFromString('router,3,2').toSpec());
    const r1 = plan.nodes.find((n) => n.name === 'r1')!;
    expect(r1.intfs.map((i) => i.ip)).toEqual(['10.0.1.1/24', '10.0.2.1/24', '10.0.3.1/24']);
    expect(plan.nodes.find((n) => n.name === 'h2s3')).toMatchObject({ ip: '10.0.3.101/24', defaultRoute: 'via 10.0.3.1' });
    const net = new Network({ topo: 'router,3' });
    try {
      await net.start();
      expect(await net.pingAll()).toMatchObject({ sent: 12, received: 12 });
      expect(net.audit().ok).toBe(true);
    } finally {
      await net.stop();
    }
  }, 30_000);
});

describe('a router between two subnets', () => {
  const net = new Network({ topo: new TwoSubnets() });
  beforeAll(() => net.start(), 30_000);
  afterAll(async () => {
    expect(net.audit().ok).toBe(true);
    await net.stop();
  });

  it('forwards: pingall passes and the TTL goes down by one', async () => {
    expect(await net.cmd('r1', 'sysctl net.ipv4.ip_forward')).toBe('net.ipv4.ip_forward = 1\n');
    // Linux's defaults: a router sends redirects and does not follow them; a host follows them.
    expect(await net.cmd('r1', 'sysctl net.ipv4.conf.all.accept_redirects net.ipv4.conf.all.send_redirects')).toBe(
      'net.ipv4.conf.all.accept_redirects = 0\nnet.ipv4.conf.all.send_redirects = 1\n',
    );
    expect(await net.cmd('h1', 'sysctl net.ipv4.conf.all.accept_redirects')).toBe('net.ipv4.conf.all.accept_redirects = 1\n');
    const addrs = await net.cmd('r1', 'ip addr');
    expect(addrs).toMatch(/inet 10\.0\.1\.1\/24 brd 10\.0\.1\.255 scope global r1-eth0/);
    expect(addrs).toMatch(/inet 10\.0\.2\.1\/24 brd 10\.0\.2\.255 scope global r1-eth1/);
    expect(await net.cmd('h1', 'ip route')).toMatch(/^default via 10\.0\.1\.1 dev h1-eth0/m);
    const all = await net.pingAll();
    expect(all).toMatchObject({ sent: 12, received: 12, dropped: 0 });
    expect(await net.cmd('h1', 'ping -c 1 -W 1 10.0.2.10')).toMatch(/64 bytes from 10\.0\.2\.10: icmp_seq=1 ttl=63 /);
    expect(await net.cmd('h3', 'ping -c 1 -W 1 10.0.1.11')).toMatch(/ttl=63 /);
    // The router's far address answers with its own TTL.
    expect(await net.cmd('h1', 'ping -c 1 -W 1 10.0.2.1')).toMatch(/ttl=64 /);
  }, 30_000);

  it('filters with nft: a rule drops ICMP from h1 and its counter shows it', async () => {
    expect(await net.cmd('r1', 'nft add rule inet filter forward ip saddr 10.0.1.10 icmp type echo-request drop')).toBe('');
    expect(await net.cmd('h1', 'ping -c 2 -i 0.05 -W 0.3 10.0.2.10')).toMatch(/2 packets transmitted, 0 received, 100% packet loss/);
    expect(await net.cmd('h2', 'ping -c 1 -W 1 10.0.2.10')).toMatch(/1 received/);
    expect(await net.cmd('r1', 'nft list ruleset')).toBe(
      [
        'table inet filter {',
        '\tchain input {',
        '\t\ttype filter hook input priority filter; policy accept;',
        '\t}',
        '',
        '\tchain forward {',
        '\t\ttype filter hook forward priority filter; policy accept;',
        '\t\tip saddr 10.0.1.10 icmp type echo-request counter packets 2 bytes 168 drop',
        '\t}',
        '',
        '\tchain output {',
        '\t\ttype filter hook output priority filter; policy accept;',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
    expect(await net.cmd('r1', 'nft -a list chain inet filter forward')).toMatch(/drop # handle 4\n/);
    await net.cmd('r1', 'nft delete rule inet filter forward handle 4');
    expect(await net.cmd('h1', 'ping -c 1 -W 1 10.0.2.10')).toMatch(/1 received/);
  }, 30_000);

  it('takes policies and reject, and says what it cannot do', async () => {
    await net.cmd('r1', "nft add chain inet filter input '{ type filter hook input priority 0; policy drop; }'");
    expect(await net.cmd('h1', 'ping -c 1 -W 0.3 10.0.1.1')).toMatch(/0 received/);
    await net.cmd('r1', 'nft insert rule inet filter input iifname r1-eth0 icmp type echo-request reject with icmp type admin-prohibited');
    expect(await net.cmd('h1', 'ping -c 1 -W 1 10.0.1.1')).toMatch(/From 10\.0\.1\.1 icmp_seq=1 Packet filtered/);
    expect(await net.cmd('r1', 'nft list ruleset')).toContain(
      'policy drop;\n\t\tiifname "r1-eth0" icmp type echo-request counter packets 1 bytes 84 reject with icmp type admin-prohibited\n',
    );
    expect(await net.cmd('r1', 'nft add rule inet filter input tcp dport 22 frobnicate')).toMatch(
      /^nft: syntax error, unexpected frobnicate/,
    );
    expect(await net.cmd('r1', 'nft add rule inet filter input oifname r1-eth0 drop')).toMatch(
      /^nft: filter rule in chain input: oifname never matches in the input chain/,
    );
    expect(await net.cmd('r1', 'nft add rule inet filter prerouting drop')).toMatch(/No such chain: prerouting/);
    expect(await net.cmd('r1', 'nft add rule inet filter input ct state established accept')).toMatch(/stateless/);
    expect(await net.cmd('r1', 'help')).toMatch(/nft/);
    await net.cmd('r1', 'nft flush ruleset');
    expect(await net.cmd('h1', 'ping -c 1 -W 1 10.0.1.1')).toMatch(/1 received/);
    expect(await net.cmd('r1', 'nft list ruleset')).toMatch(
      /chain input \{\n\t\ttype filter hook input priority filter; policy accept;\n\t\}/,
    );
  }, 30_000);
});
