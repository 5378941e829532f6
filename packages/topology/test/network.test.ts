import { afterEach, describe, expect, it } from 'vitest';
import { Network, Topo, TopologyError } from '../src/index.js';

const nets: Network[] = [];

/** Three switches in a loop, a host on each. */
function triangle(): Topo {
  const t = new Topo();
  for (const i of [1, 2, 3]) t.addLink(t.addHost(`h${i}`), t.addSwitch(`s${i}`));
  t.addLink('s1', 's2');
  t.addLink('s2', 's3');
  t.addLink('s3', 's1');
  return t;
}
function network(...args: ConstructorParameters<typeof Network>): Network {
  const net = new Network(...args);
  nets.push(net);
  return net;
}

afterEach(async () => {
  // Every integration test ends with the frame audit: nothing vanished.
  for (const net of nets.splice(0)) {
    if (net.running) expect(net.audit().links.filter((l) => !l.audit.balanced)).toEqual([]);
    await net.stop();
  }
});

describe('Network', () => {
  it('starts minimal, pings, runs commands, and stops idempotently', async () => {
    const net = network({ topo: 'minimal', autoSetMacs: true });
    await net.start();
    await net.start();
    const r = await net.pingAll();
    expect(r).toMatchObject({ sent: 2, received: 2, dropped: 0 });
    const out = await net.get('h1').cmd('ping -c 2 -i 0.05 10.0.0.2');
    expect(out).toMatch(
      /^PING 10\.0\.0\.2 \(10\.0\.0\.2\) 56\(84\) bytes of data\.\n64 bytes from 10\.0\.0\.2: icmp_seq=1 ttl=64 time=\d+\.\d+ ms\n/,
    );
    expect(out).toMatch(/2 packets transmitted, 2 received, 0% packet loss, time \d+ms\nrtt min\/avg\/max\/mdev = /);
    expect(await net.get('h1').cmd('ip addr show h1-eth0')).toMatch(/inet 10\.0\.0\.1\/8 brd 10\.255\.255\.255 scope global h1-eth0/);
    expect(await net.get('h1').cmd('arp -n')).toMatch(/10\.0\.0\.2\s+ether\s+00:00:00:00:00:02\s+C\s+h1-eth0/);
    expect(await net.get('h2').cmd('frobnicate')).toMatch(/frobnicate: command not found/);
    // As in Mininet, hosts have no default route unless given one.
    expect(await net.get('h1').cmd('ping -c 1 192.168.1.1')).toBe('ping: connect: Network is unreachable\n');
    expect(net.audit().ok).toBe(true);
    await net.stop();
    await net.stop();
    await expect(net.start()).rejects.toThrow(TopologyError);
  }, 30_000);

  it("streams a command's output and interrupts it, as Ctrl-C does", async () => {
    const net = network({ topo: 'minimal' });
    await net.start();
    const abort = new AbortController();
    const seen: string[] = [];
    const done = net.get('h1').cmd('ping -i 0.05 10.0.0.2', {
      signal: abort.signal,
      onOutput: (t) => {
        seen.push(t);
        // Stop after the third reply.
        if (seen.join('').includes('icmp_seq=3 ')) abort.abort();
      },
    });
    const out = await done;
    expect(seen.length).toBeGreaterThan(3);
    expect(out).toBe(seen.join(''));
    expect(out).toMatch(/\n--- 10\.0\.0\.2 ping statistics ---\n(3|4) packets transmitted, (3|4) received, 0% packet loss/);
  }, 30_000);

  it('pings across a tree and takes links down and up', async () => {
    const net = network({ topo: 'tree,depth=2,fanout=2' });
    await net.start();
    expect((await net.pingAll()).dropped).toBe(0);
    net.configLinkStatus('s1', 's2', 'down');
    const down = await net.pingAll(0.3);
    // h1, h2 hang below s2: cut off from h3 and h4, still reaching each other.
    expect(
      down.results
        .filter((x) => x.received)
        .map((x) => `${x.source}>${x.target}`)
        .sort(),
    ).toEqual(['h1>h2', 'h2>h1', 'h3>h4', 'h4>h3']);
    net.configLinkStatus('s1', 's2', 'up');
    expect((await net.pingAll()).dropped).toBe(0);
    expect(() => net.configLinkStatus('h1', 'h4', 'down')).toThrow(/no link between h1 and h4/);
  }, 30_000);

  it('delays frames as configured: RTT is twice the one-way delay', async () => {
    const net = network({ topo: 'minimal', link: { delay: '5ms' } });
    await net.start();
    await net.pingAll();
    const out = await net.get('h1').cmd('ping -c 5 -i 0.05 10.0.0.2');
    const rtts = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
    // Two links each way: h1→s1→h2 and back is 4 × 5 ms, plus the time the nodes take. Never
    // less; the upper bound leaves room for a machine busy with other tests (the link
    // package's own tests hold one-way delay to ±0.2 ms).
    expect(rtts).toHaveLength(5);
    expect(rtts[0]).toBeGreaterThanOrEqual(20);
    expect(rtts[2]).toBeLessThan(30);
    net.links()[0].configure({ delay: '0ms' });
    net.links()[1].configure({ delay: '0ms' });
    const fast = await net.get('h1').cmd('ping -c 3 -i 0.05 10.0.0.2');
    expect(Number(/rtt min\/avg\/max\/mdev = [\d.]+\/([\d.]+)\//.exec(fast)?.[1])).toBeLessThan(15);
  }, 30_000);

  it('impairs each direction on its own', async () => {
    const net = network({ topo: 'minimal' });
    await net.start();
    await net.pingAll();
    // Only what h1 sends to s1 is delayed: the round trip grows by that one way.
    net.linksBetween('h1', 's1')[0].configure({ ab: { delay: '10ms' } });
    const out = await net.get('h1').cmd('ping -c 3 -i 0.05 10.0.0.2');
    const rtts = [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
    expect(Math.min(...rtts)).toBeGreaterThanOrEqual(10);
    expect(Math.min(...rtts)).toBeLessThan(20);
    expect(net.links()[0].stats().ab.deliveredFrames).toBeGreaterThan(0);
  }, 30_000);

  it('puts switch ports in VLANs: hosts reach only their own VLAN, across a trunk too', async () => {
    const t = new Topo();
    const [s1, s2] = [t.addSwitch('s1'), t.addSwitch('s2')];
    t.addLink(t.addHost('h1'), s1, { vlan: 10 });
    t.addLink(t.addHost('h2'), s1, { vlan: 20 });
    t.addLink(t.addHost('h3'), s2, { vlan: 10 });
    t.addLink(t.addHost('h4'), s2, { vlan: 20 });
    t.addLink(s1, s2, { vlan: { mode: 'trunk', allowed: [10, 20] } });
    const net = network({ topo: t });
    await net.start();
    const r = await net.pingAll(0.3);
    expect(
      r.results
        .filter((x) => x.received)
        .map((x) => `${x.source}>${x.target}`)
        .sort(),
    ).toEqual(['h1>h3', 'h2>h4', 'h3>h1', 'h4>h2']);
    expect(await net.cmd('s1', 'show')).toContain('port 3: s1-eth3, trunk 10,20');
    expect(() => t.addLink('h1', 's2', { vlan: 5000 })).toThrow(TopologyError);
  }, 30_000);

  it("applies vSphere's security policy to host ports: no unicast of others unless promiscuous", async () => {
    const t = new Topo();
    const s1 = t.addSwitch('s1');
    for (const h of ['h1', 'h2', 'h3']) t.addLink(t.addHost(h), s1);
    t.addLink(t.addHost('h4'), s1, { security: { promiscuous: true } });
    const net = network({ topo: t });
    await net.start();
    const show = await net.cmd('s1', 'show');
    expect(show).toMatch(
      /port 3: s1-eth3, untagged, nic ([0-9a-f]{2}:){5}[0-9a-f]{2}, promiscuous reject, mac changes accept, forged transmits accept\n/,
    );
    expect(show).toMatch(/port 4: s1-eth4, untagged, nic \S+, promiscuous accept,/);
    await net.pingAll(1, ['h1', 'h2']);
    expect(await net.settle()).toBe(true);
    const rx = async (h: string) => Number(/RX packets (\d+)/.exec(await net.get(h).cmd(`ifconfig ${h}-eth0`))?.[1]);
    // h3 saw the broadcasts (gratuitous ARPs, ARP requests); the promiscuous h4 saw those and
    // the six unicast frames between h1 and h2 (two ARP replies, two requests, two replies).
    expect((await rx('h4')) - (await rx('h3'))).toBe(6);
  }, 30_000);

  it("shapes a host's traffic as vSphere does: a burst at once, then the average rate", async () => {
    const t = new Topo();
    const s1 = t.addSwitch('s1');
    // What h1 sends: 1 Mbit/s average, bursts of 16 KB.
    t.addLink(t.addHost('h1'), s1, { ab: { bw: 1, burst: 16 } });
    t.addLink(t.addHost('h2'), s1);
    const net = network({ topo: t });
    await net.start();
    await net.pingAll();
    // Ten 1000-byte pings (8 ms each at 1 Mbit/s) fit the 16 KB bucket: none waits.
    const ping = 'ping -c 10 -i 0.001 -s 972 -W 2 10.0.0.2';
    const maxRtt = (out: string) => Math.max(...[...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1])));
    const burst = await net.get('h1').cmd(ping);
    expect(burst).toContain('10 packets transmitted, 10 received');
    expect(maxRtt(burst)).toBeLessThan(8);
    // Without the bucket they leave one every 8 ms: the last waits for the nine before it.
    await new Promise((r) => setTimeout(r, 200));
    net.linksBetween('h1', 's1')[0].configure({ ab: { bw: 1, burst: 0 } });
    expect(maxRtt(await net.get('h1').cmd(ping))).toBeGreaterThan(60);
  }, 30_000);

  it('refuses a topology with loops until switches run spanning tree', async () => {
    const net = network({ topo: triangle() });
    await expect(net.start()).rejects.toMatchObject({ code: 'loop' });
    expect(net.running).toBe(false);
  });

  it('runs a loop with RSTP, and fails over to the blocked link when a link is cut', async () => {
    const net = network({ topo: triangle(), switch: { stp: 'rstp' } });
    await net.start();
    const stp = async () => Promise.all(net.switches.map(async (s) => (await net.info(s)).stp!));
    const before = await stp();
    expect(before.map((s) => s.root)).toEqual(Array(3).fill('8000.020000000001'));
    expect(before.every((s) => s.converged)).toBe(true);
    // s3's root port is the direct link to s1; its port towards s2 is the blocked alternate.
    expect(await net.cmd('s3', 'stp')).toMatch(/s3-eth2\s+alternate\s+discarding/);
    expect((await net.pingAll()).dropped).toBe(0);
    net.configLinkStatus('s1', 's3', 'down');
    await net.waitForSpanningTree();
    expect(await net.cmd('s3', 'stp')).toMatch(/s3-eth2\s+root\s+forwarding/);
    expect((await net.pingAll()).dropped).toBe(0);
  }, 30_000);

  it('runs flow tables in its switches as ovs-ofctl does: del-flows cuts, add-flow restores', async () => {
    const net = network({ topo: 'single,3' });
    await net.start();
    expect((await net.pingAll()).dropped).toBe(0);
    // A bridge starts with one flow handing everything to the learning switch, and counts it.
    const normal = /n_packets=(\d+), n_bytes=\d+, priority=0 actions=NORMAL\n$/;
    expect(Number(normal.exec(await net.cmd('s1', 'dump-flows'))?.[1])).toBeGreaterThanOrEqual(12);
    await net.cmd('s1', 'del-flows');
    expect(await net.cmd('s1', 'dump-flows')).toBe('');
    expect((await net.pingAll(0.2)).received).toBe(0);
    expect(await net.cmd('s1', 'stats')).toMatch(/drops no-match=\d+/);
    // h1 and h2 only, by port: h3 stays cut off.
    await net.cmd('s1', 'add-flow "in_port=1,actions=output:2"');
    await net.cmd('s1', 'add-flow in_port=2,actions=output:1');
    const r = await net.pingAll(0.2);
    expect(r.results.filter((p) => p.received).map((p) => `${p.source}>${p.target}`)).toEqual(['h1>h2', 'h2>h1']);
    expect(await net.cmd('s1', 'dump-flows in_port=1')).toMatch(/n_packets=[1-9]\d*, n_bytes=\d+, in_port=1 actions=output:2\n$/);
    expect(await net.cmd('s1', 'dump-megaflows')).toMatch(/^in_port\(1\), packets:\d+, bytes:\d+, used:[\d.]+s, actions:2$/m);
    await net.cmd('s1', 'del-flows --strict in_port=2');
    expect((await net.cmd('s1', 'dump-flows')).trim().split('\n')).toHaveLength(1);
    await expect(net.cmd('s1', 'add-flow nw_dsst=1,actions=drop')).rejects.toThrow(/unknown field "nw_dsst"/);
    // The remaining in_port=1 flow outranks NORMAL at priority 0: h1 still reaches only h2.
    await net.cmd('s1', 'add-flow priority=0,actions=NORMAL');
    expect((await net.pingAll(0.2)).received).toBe(4);
    await net.cmd('s1', 'del-flows in_port=1');
    expect((await net.pingAll()).dropped).toBe(0);
  }, 30_000);

  it('survives a crashed node: reported, its links down, the rest running', async () => {
    const crashes: string[][] = [];
    const net = network({ topo: 'single,3', placement: 'thread', onCrash: (nodes) => crashes.push(nodes) });
    await net.start();
    expect((await net.pingAll()).dropped).toBe(0);
    await net.crash('h3');
    expect(crashes).toEqual([['h3']]);
    expect(net.crashedNodes).toEqual(['h3']);
    const r = await net.pingAll(0.3, ['h1', 'h2']);
    expect(r.dropped).toBe(0);
    await expect(net.get('h3').cmd('ip addr')).rejects.toMatchObject({ code: 'node-crashed' });
    expect(net.links()[2].stats().up).toBe(false);
  }, 30_000);

  it('runs the same nodes in a pool of workers', async () => {
    const net = network({ topo: 'linear,4,2', placement: 'pool', autoStaticArp: true });
    await net.start();
    expect((await net.pingAll()).dropped).toBe(0);
  }, 30_000);
});
