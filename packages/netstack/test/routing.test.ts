import { formatIpv4, IpProtocol } from '@vnet/frame';
import { afterEach, describe, expect, it } from 'vitest';
import { type EchoEvent, NetstackError, type Stack } from '../src/index.js';
import { conserved, ipv4Frames, Lab } from './lab.js';

let lab: Lab;
afterEach(() => lab?.close());

function listen(s: Stack, id: number): EchoEvent[] {
  const events: EchoEvent[] = [];
  s.onEcho(id, (e) => events.push({ ...e }));
  return events;
}

/** A host with three interfaces whose wires lead nowhere: enough to watch route choices. */
function multihomed() {
  lab = new Lab();
  const s = lab.stack();
  lab.link(s, 'eth0', '10.0.0.1/8', lab.stack(), 'x0', undefined);
  lab.link(s, 'eth1', '10.1.0.1/16', lab.stack(), 'x1', undefined);
  lab.link(s, 'eth2', '192.168.1.1/24', lab.stack(), 'x2', undefined);
  return s;
}

const dev = (s: Stack, a: string) => s.routes.lookup(a)?.dev;

/** The obviously correct longest-prefix match the table is checked against. */
function naive(routes: { net: number; len: number; metric: number; dev: string }[], a: number): string | undefined {
  let best: (typeof routes)[number] | undefined;
  for (const r of routes) {
    const mask = r.len === 0 ? 0 : (0xffff_ffff << (32 - r.len)) >>> 0;
    if ((a & mask) >>> 0 !== r.net) continue;
    if (!best || r.len > best.len || (r.len === best.len && r.metric < best.metric)) best = r;
  }
  return best?.dev;
}

describe('routing table', () => {
  it('adds connected routes with addresses and lists them like ip route', () => {
    const s = multihomed();
    s.routes.add({ dst: 'default', via: '192.168.1.254' });
    expect(s.routes.list()).toEqual([
      { dst: '192.168.1.0/24', dev: 'eth2', metric: 0, proto: 'kernel', scope: 'link', src: '192.168.1.1', linkdown: false },
      { dst: '10.1.0.0/16', dev: 'eth1', metric: 0, proto: 'kernel', scope: 'link', src: '10.1.0.1', linkdown: false },
      { dst: '10.0.0.0/8', dev: 'eth0', metric: 0, proto: 'kernel', scope: 'link', src: '10.0.0.1', linkdown: false },
      { dst: 'default', via: '192.168.1.254', dev: 'eth2', metric: 0, proto: 'static', scope: 'global', linkdown: false },
    ]);
    s.removeAddress('eth1', '10.1.0.1/16');
    expect(s.routes.list().map((r) => r.dst)).toEqual(['192.168.1.0/24', '10.0.0.0/8', 'default']);
  });

  it('picks the longest prefix, then the lowest metric, and falls back to the default route', () => {
    const s = multihomed();
    expect(dev(s, '10.1.2.3')).toBe('eth1'); // /16 beats /8
    expect(dev(s, '10.2.0.1')).toBe('eth0');
    expect(s.routes.lookup('8.8.8.8')).toBeUndefined();
    s.routes.add({ dst: '0.0.0.0/0', via: '10.0.0.254', metric: 100 });
    s.routes.add({ dst: 'default', via: '192.168.1.254', metric: 50 });
    expect(s.routes.lookup('8.8.8.8')).toMatchObject({ type: 'unicast', dev: 'eth2', via: '192.168.1.254', src: '192.168.1.1' });
    s.routes.add({ dst: '8.8.0.0/16', dev: 'eth1' });
    s.routes.add({ dst: '8.8.8.8/32', via: '10.0.0.254', metric: 5 });
    s.routes.add({ dst: '8.8.8.8', via: '10.1.0.254', metric: 1 });
    expect(s.routes.lookup('8.8.8.8')).toMatchObject({ dev: 'eth1', via: '10.1.0.254' });
    expect(dev(s, '8.8.4.4')).toBe('eth1');
    s.routes.delete({ dst: '8.8.8.8/32', metric: 1 });
    expect(s.routes.lookup('8.8.8.8')).toMatchObject({ dev: 'eth0', via: '10.0.0.254' });
    s.routes.delete({ dst: 'default', via: '192.168.1.254' });
    expect(dev(s, '1.1.1.1')).toBe('eth0');
    expect(s.routes.lookup('10.0.0.1')).toEqual({ type: 'local', dst: '10.0.0.1', dev: 'lo', src: '10.0.0.1' });
    expect(s.routes.lookup('127.9.9.9')?.type).toBe('local');
    expect(s.routes.lookup('10.255.255.255')?.type).toBe('broadcast');
  });

  it('skips routes through interfaces that are down, and marks those without carrier', () => {
    const s = multihomed();
    s.routes.add({ dst: 'default', via: '10.0.0.254', metric: 10 });
    s.routes.add({ dst: 'default', via: '192.168.1.254', metric: 20 });
    expect(dev(s, '1.1.1.1')).toBe('eth0');
    s.setInterfaceUp('eth0', false);
    expect(dev(s, '1.1.1.1')).toBe('eth2');
    expect(dev(s, '10.0.0.5')).toBe('eth2'); // the connected /8 is gone with its interface
    s.setInterfaceUp('eth0', true);
    lab.wires[0].setCarrier(false);
    expect(s.routes.list().find((r) => r.dev === 'eth0' && r.proto === 'kernel')?.linkdown).toBe(true);
  });

  it('agrees with a naive longest-prefix match on random tables', () => {
    const rnd = (() => {
      let x = 12345;
      return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
    })();
    for (let round = 0; round < 20; round++) {
      const s = multihomed();
      const devs = ['eth0', 'eth1', 'eth2'];
      const added: { net: number; len: number; metric: number; dev: string }[] = [
        { net: 0x0a000000, len: 8, metric: 0, dev: 'eth0' },
        { net: 0x0a010000, len: 16, metric: 0, dev: 'eth1' },
        { net: 0xc0a80100, len: 24, metric: 0, dev: 'eth2' },
      ];
      for (let i = 0; i < 40; i++) {
        const len = Math.floor(rnd() * 33);
        const mask = len === 0 ? 0 : (0xffff_ffff << (32 - len)) >>> 0;
        const net = (Math.floor(rnd() * 2 ** 32) & mask) >>> 0;
        const metric = Math.floor(rnd() * 4);
        const d = devs[Math.floor(rnd() * 3)];
        if (added.some((r) => r.net === net && r.len === len && r.metric === metric)) continue;
        s.routes.add({ dst: `${formatIpv4(net)}/${len}`, dev: d, metric });
        added.push({ net, len, metric, dev: d });
      }
      for (let i = 0; i < 200; i++) {
        const pick = added[Math.floor(rnd() * added.length)];
        const a = rnd() < 0.5 ? (pick.net | Math.floor(rnd() * 256)) >>> 0 : Math.floor(rnd() * 2 ** 32);
        if (s.routes.lookup(a)?.type === 'local') continue;
        expect(dev(s, formatIpv4(a)), formatIpv4(a)).toBe(naive(added, a));
      }
      s.close();
    }
  });

  it('refuses routes it could not use, with typed errors', () => {
    const s = multihomed();
    const code = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return e instanceof NetstackError ? e.code : 'other';
      }
      return 'none';
    };
    expect(code(() => s.routes.add({ dst: 'default', via: '172.16.0.1' }))).toBe('network-unreachable');
    expect(code(() => s.routes.add({ dst: 'default', via: '10.0.0.254', dev: 'eth1' }))).toBe('network-unreachable');
    expect(code(() => s.routes.add({ dst: '10.0.0.0/8', dev: 'eth0' }))).toBe('route-exists');
    expect(code(() => s.routes.add({ dst: '10.0.0.1/8', dev: 'eth0', metric: 5 }))).toBe('bad-address');
    expect(code(() => s.routes.add({ dst: 'nonsense', dev: 'eth0' }))).toBe('bad-address');
    expect(code(() => s.routes.add({ dst: '10.0.0.0/9' }))).toBe('bad-value');
    expect(code(() => s.routes.add({ dst: '10.0.0.0/9', dev: 'eth9' }))).toBe('no-such-interface');
    expect(code(() => s.routes.delete({ dst: '1.0.0.0/8' }))).toBe('no-such-route');
  });
});

/** h1 — r — h2 across two subnets, r forwarding. */
function routed(opts: { forwarding?: boolean; mtu2?: number } = {}) {
  lab = new Lab();
  const h1 = lab.stack({ hostname: 'h1' });
  const r = lab.stack({ hostname: 'r', forwarding: opts.forwarding ?? true });
  const h2 = lab.stack({ hostname: 'h2' });
  const w1 = lab.link(h1, 'h1-eth0', '10.0.1.1/24', r, 'r-eth0', '10.0.1.254/24');
  const w2 = lab.link(r, 'r-eth1', '10.0.2.254/24', h2, 'h2-eth0', '10.0.2.1/24', opts.mtu2 ?? 1500);
  h1.routes.add({ dst: 'default', via: '10.0.1.254' });
  h2.routes.add({ dst: 'default', via: '10.0.2.254' });
  lab.pump();
  return { h1, r, h2, w1, w2 };
}

describe('forwarding', () => {
  it('routes between two subnets, decrementing the TTL', () => {
    const { h1, r, h2, w2 } = routed();
    const events = listen(h1, 1);
    h1.ping('10.0.2.1', { id: 1, seq: 1, ttl: 10 });
    lab.pump();
    expect(events.map((e) => [e.kind, formatIpv4(e.from), e.ttl])).toEqual([['reply', '10.0.2.1', 63]]);
    const forwarded = ipv4Frames(w2.a.sent, IpProtocol.ICMP)[0];
    expect([forwarded.ttl, forwarded.verifyChecksum()]).toEqual([9, true]);
    expect(r.stats.ip.ForwDatagrams).toBe(2);
    expect(r.stats.frames.forwarded).toBe(2);
    expect(r.stats.ip.InDelivers).toBe(0);
    for (const s of [h1, r, h2]) expect(conserved(s)).toBe(true);
  });

  it('sends time exceeded when the TTL runs out, from the router address facing the source', () => {
    const { h1, r } = routed();
    const events = listen(h1, 4);
    h1.ping('10.0.2.1', { id: 4, seq: 1, ttl: 1 });
    lab.pump();
    expect(events.map((e) => [e.kind, e.seq, formatIpv4(e.from), e.code])).toEqual([['time-exceeded', 1, '10.0.1.254', 0]]);
    expect(`From ${formatIpv4(events[0].from)} icmp_seq=${events[0].seq} Time to live exceeded`).toBe(
      'From 10.0.1.254 icmp_seq=1 Time to live exceeded',
    );
    expect(r.stats.ip.InHdrErrors).toBe(1);
    expect(r.stats.rxDrops['ttl-exceeded']).toBe(1);
    expect(r.stats.icmp.OutTimeExcds).toBe(1);
    expect(h1.stats.icmp.InTimeExcds).toBe(1);
    // traceroute's second probe gets through.
    h1.ping('10.0.2.1', { id: 4, seq: 2, ttl: 2 });
    lab.pump();
    expect(events.at(-1)).toMatchObject({ kind: 'reply', from: 0x0a000201 });
  });

  it('sends net unreachable when it has no route', () => {
    const { h1, r } = routed();
    const events = listen(h1, 1);
    h1.ping('172.16.0.1', { id: 1, seq: 1 });
    lab.pump();
    expect(events.map((e) => [e.kind, formatIpv4(e.from), e.code])).toEqual([['unreachable', '10.0.1.254', 0]]);
    expect(r.stats.ip.InNoRoutes).toBe(1);
  });

  it('drops what is not for it when forwarding is off', () => {
    const { h1, r } = routed({ forwarding: false });
    const events = listen(h1, 1);
    h1.ping('10.0.2.1', { id: 1, seq: 1 });
    lab.pump();
    expect(events).toEqual([]);
    expect(r.stats.ip.InAddrErrors).toBe(1);
    expect(r.stats.rxDrops['not-for-us']).toBe(1);
    r.forwarding = true;
    h1.ping('10.0.2.1', { id: 1, seq: 2 });
    lab.pump();
    expect(events.map((e) => e.seq)).toEqual([2]);
  });

  it('reaches the router itself on either of its addresses', () => {
    const { h1 } = routed();
    const events = listen(h1, 1);
    h1.ping('10.0.2.254', { id: 1, seq: 1 });
    lab.pump();
    expect(events.map((e) => formatIpv4(e.from))).toEqual(['10.0.2.254']);
  });
});
