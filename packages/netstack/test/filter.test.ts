import { formatIpv4, IpProtocol, parseIpv4 } from '@vnet/frame';
import { afterEach, describe, expect, it } from 'vitest';
import { type EchoEvent, type FilterRuleSpec, NetstackError, type Stack } from '../src/index.js';
import { conserved, ipv4Frames, Lab } from './lab.js';

let lab: Lab;
afterEach(() => lab?.close());

function listen(s: Stack, id: number): EchoEvent[] {
  const events: EchoEvent[] = [];
  s.onEcho(id, (e) => events.push({ ...e }));
  return events;
}

/** h1 — r — h2 across two subnets, r forwarding (as in routing.test.ts). */
function routed() {
  lab = new Lab();
  const h1 = lab.stack({ hostname: 'h1' });
  const r = lab.stack({ hostname: 'r', forwarding: true });
  const h2 = lab.stack({ hostname: 'h2' });
  const w1 = lab.link(h1, 'h1-eth0', '10.0.1.1/24', r, 'r-eth0', '10.0.1.254/24');
  const w2 = lab.link(r, 'r-eth1', '10.0.2.254/24', h2, 'h2-eth0', '10.0.2.1/24');
  h1.routes.add({ dst: 'default', via: '10.0.1.254' });
  h2.routes.add({ dst: 'default', via: '10.0.2.254' });
  lab.pump();
  return { h1, r, h2, w1, w2 };
}

/** A UDP header (and `size` bytes of payload) from `sport` to `dport`, sent raw with sendIp. */
function udp(s: Stack, dst: string, sport: number, dport: number, size = 4) {
  const b = new Uint8Array(8 + size);
  b[0] = sport >> 8;
  b[1] = sport;
  b[2] = dport >> 8;
  b[3] = dport;
  b[4] = (8 + size) >> 8;
  b[5] = 8 + size;
  return s.sendIp({ dst: parseIpv4(dst), protocol: IpProtocol.UDP }, b);
}

/** UDP destination ports of the frames captured. */
function udpPorts(frames: Uint8Array[]): number[] {
  return ipv4Frames(frames, IpProtocol.UDP)
    .filter((ip) => ip.fragmentOffset === 0)
    .map((ip) => (ip.bytes[ip.payloadOffset + 2] << 8) | ip.bytes[ip.payloadOffset + 3]);
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof NetstackError ? e.code : 'other';
  }
  return 'none';
}

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('filter: forward chain', () => {
  it('drops echo requests from h1 through the router, counting them, and lets the rest pass', () => {
    const { h1, r, h2 } = routed();
    const handle = r.filter.add('forward', { saddr: '10.0.1.1', icmpType: 'echo-request', verdict: 'drop' });
    expect(handle).toBe(4);
    const e1 = listen(h1, 1);
    h1.ping('10.0.2.1', { id: 1, seq: 1 });
    h1.ping('10.0.2.1', { id: 1, seq: 2 });
    lab.pump();
    expect(e1).toEqual([]);
    expect(r.stats.rxDrops['filter-forward']).toBe(2);
    expect(r.stats.ip.ForwDatagrams).toBe(0);
    // The other way, requests from h2 and h1's replies (echo-reply) get through.
    const e2 = listen(h2, 2);
    h2.ping('10.0.1.1', { id: 2, seq: 1 });
    lab.pump();
    expect(e2.map((e) => [e.kind, formatIpv4(e.from), e.ttl])).toEqual([['reply', '10.0.1.1', 63]]);
    // 84 bytes a datagram: 20 of IP, 8 of ICMP, 56 of data.
    expect(r.filter.rule(handle)).toMatchObject({ chain: 'forward', protocol: 'icmp', icmpType: 8, packets: 2, bytes: 168 });
    expect(r.filter.list()).toBe(
      [
        'table inet filter {',
        '\tchain input {',
        '\t\ttype filter hook input priority filter; policy accept;',
        '\t}',
        '',
        '\tchain forward {',
        '\t\ttype filter hook forward priority filter; policy accept;',
        '\t\tip saddr 10.0.1.1 icmp type echo-request counter packets 2 bytes 168 drop',
        '\t}',
        '',
        '\tchain output {',
        '\t\ttype filter hook output priority filter; policy accept;',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
    for (const s of [h1, r, h2]) expect(conserved(s)).toBe(true);
  });

  it('matches interfaces, prefixes and port ranges; later fragments carry no ports', () => {
    const { h1, r, w2 } = routed();
    r.filter.add('forward', { iifname: 'r-eth*', oifname: 'r-eth1', protocol: 'udp', dport: 53, verdict: 'drop' });
    r.filter.add('forward', { daddr: '10.0.2.0/24', protocol: 'udp', sport: '1000-1999', dport: [5000, 5999], verdict: 'drop' });
    r.filter.add('forward', { protocol: 'udp', verdict: 'continue', comment: 'udp seen' });
    h1.ping('10.0.2.1', { id: 1, seq: 1 }); // resolve ARP first
    lab.pump();
    udp(h1, '10.0.2.1', 4000, 53);
    udp(h1, '10.0.2.1', 4000, 54);
    udp(h1, '10.0.2.1', 1500, 5353);
    udp(h1, '10.0.2.1', 2500, 5353);
    lab.pump();
    expect(udpPorts(w2.a.sent)).toEqual([54, 5353]);
    const [dns, range, seen] = r.filter.rules('forward');
    expect([dns.packets, range.packets, seen.packets]).toEqual([1, 1, 2]);
    expect(range.text).toBe('ip daddr 10.0.2.0/24 udp sport 1000-1999 udp dport 5000-5999 counter packets 1 bytes 32 drop');
    expect(seen.text).toBe('ip protocol udp counter packets 2 bytes 64 comment "udp seen"');
    // A datagram in three fragments: the first (with the ports) is dropped, the others pass —
    // the filter is stateless, as nft without conntrack.
    const before = w2.a.sent.length;
    udp(h1, '10.0.2.1', 4000, 53, 3000);
    lab.pump();
    const after = ipv4Frames(w2.a.sent.slice(before), IpProtocol.UDP);
    expect(after.map((ip) => ip.fragmentOffset > 0)).toEqual([true, true]);
    expect(r.filter.rules('forward')[0].packets).toBe(2);
  });
});

describe('filter: input chain', () => {
  it('rejects with the ICMP error asked for, per incoming interface', () => {
    const { h1, r, h2 } = routed();
    r.filter.add('input', { iifname: 'r-eth0', protocol: 'icmp', verdict: 'reject', rejectWith: 'admin-prohibited' });
    const e1 = listen(h1, 1);
    h1.ping('10.0.1.254', { id: 1, seq: 1 });
    lab.pump();
    expect(e1.map((e) => [e.kind, formatIpv4(e.from), e.code])).toEqual([['unreachable', '10.0.1.254', 13]]);
    expect(r.stats.rxDrops['filter-input']).toBe(1);
    // h2's ping comes in on r-eth1: answered.
    const e2 = listen(h2, 2);
    h2.ping('10.0.1.254', { id: 2, seq: 1 });
    lab.pump();
    expect(e2.map((e) => e.kind)).toEqual(['reply']);
    expect(r.filter.list()).toContain(
      'iifname "r-eth0" ip protocol icmp counter packets 1 bytes 84 reject with icmp type admin-prohibited',
    );
  });

  it('a drop policy drops what no rule accepts, and ARP still works', () => {
    const { h1, h2 } = routed();
    h2.filter.setPolicy('input', 'drop');
    const e1 = listen(h1, 1);
    h1.ping('10.0.2.1', { id: 1, seq: 1 });
    lab.pump();
    expect(e1).toEqual([]);
    expect(h2.stats.rxDrops['filter-input']).toBe(1);
    h2.filter.add('input', { saddr: '10.0.1.0/24', icmpType: 'echo-request', verdict: 'accept' });
    h1.ping('10.0.2.1', { id: 1, seq: 2 });
    lab.pump();
    expect(e1.map((e) => e.seq)).toEqual([2]);
    expect(h2.filter.list()).toContain('type filter hook input priority filter; policy drop;');
    // Its own pings' replies are dropped by the policy too, as on Linux without conntrack.
    const e2 = listen(h2, 2);
    h2.ping('10.0.1.1', { id: 2, seq: 1 });
    lab.pump();
    expect(e2).toEqual([]);
    expect(h2.stats.rxDrops['filter-input']).toBe(2);
    expect(h2.arp.entries().length).toBeGreaterThan(0);
    expect(conserved(h2)).toBe(true);
    h2.filter.reset();
    expect(h2.filter.policy('input')).toBe('accept');
    expect(h2.filter.rules()).toEqual([]);
  });
});

describe('filter: output chain', () => {
  it('drops what the host sends, by outgoing interface and destination; reject reports to the sender', () => {
    const { h1 } = routed();
    h1.filter.add('output', { daddr: '10.0.2.0/24', verdict: 'continue' });
    const drop = h1.filter.add('output', { oifname: 'h1-eth0', daddr: '10.0.2.1', icmpType: 'echo-request', verdict: 'drop' });
    const events = listen(h1, 1);
    expect(h1.ping('10.0.2.1', { id: 1, seq: 1 })).toBe('dropped');
    expect(h1.stats.txDrops['filter-output']).toBe(1);
    expect(h1.filter.rules('output').map((x) => x.packets)).toEqual([1, 1]);
    // To the loopback the outgoing interface is lo. (A reject rule matching the ICMP error too
    // would drop that as well, as on Linux.)
    h1.filter.add('output', { oifname: 'lo', icmpType: 'echo-request', verdict: 'reject' });
    h1.ping('10.0.1.1', { id: 1, seq: 2 });
    lab.pump();
    expect(events.map((e) => [e.kind, e.seq, e.code])).toEqual([['unreachable', 2, 3]]);
    h1.filter.delete('output', drop);
    h1.ping('10.0.2.1', { id: 1, seq: 3 });
    lab.pump();
    expect(events.at(-1)).toMatchObject({ kind: 'reply', seq: 3 });
    expect(h1.filter.rules('output')[0].packets).toBe(2);
  });
});

describe('filter: the table', () => {
  it('orders rules by add, insert and position; lists handles; flushes and resets counters', () => {
    lab = new Lab();
    const s = lab.stack();
    const a = s.filter.add('input', { protocol: 'tcp', dport: 22, verdict: 'drop' });
    const b = s.filter.add('input', { protocol: 'tcp', dport: 80, verdict: 'accept' });
    const c = s.filter.insert('input', { protocol: 'tcp', dport: 443, verdict: 'accept' });
    const d = s.filter.add('input', { protocol: 'tcp', dport: 8080, verdict: 'accept' }, a);
    const e = s.filter.insert('input', { protocol: 47, verdict: 'accept' }, b);
    expect(s.filter.rules('input').map((r) => r.handle)).toEqual([c, a, d, e, b]);
    expect(s.filter.list({ handles: true, chain: 'input' })).toBe(
      [
        'table inet filter { # handle 1',
        '\tchain input { # handle 1',
        '\t\ttype filter hook input priority filter; policy accept;',
        '\t\ttcp dport 443 counter packets 0 bytes 0 accept # handle 6',
        '\t\ttcp dport 22 counter packets 0 bytes 0 drop # handle 4',
        '\t\ttcp dport 8080 counter packets 0 bytes 0 accept # handle 7',
        '\t\tip protocol 47 counter packets 0 bytes 0 accept # handle 8',
        '\t\ttcp dport 80 counter packets 0 bytes 0 accept # handle 5',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
    s.filter.flush('input');
    expect(s.filter.rules()).toEqual([]);
    expect(s.filter.chains().map((ch) => [ch.name, ch.policy, ch.handle])).toEqual([
      ['input', 'accept', 1],
      ['forward', 'accept', 2],
      ['output', 'accept', 3],
    ]);
  });

  it('refuses rules that cannot work, with typed errors that say what to do, and changes nothing', () => {
    lab = new Lab();
    const s = lab.stack();
    const bad = (chain: 'input' | 'forward' | 'output', rule: unknown) => code(() => s.filter.add(chain, rule as FilterRuleSpec));
    expect(bad('input', { dport: 22, verdict: 'drop' })).toBe('bad-rule');
    expect(message(() => s.filter.add('input', { dport: 22, verdict: 'drop' }))).toBe(
      'filter rule in chain input: ports need protocol "tcp" or "udp" (nft writes "tcp dport 22")',
    );
    expect(bad('input', { oifname: 'eth0', verdict: 'drop' })).toBe('bad-rule');
    expect(message(() => s.filter.add('output', { iifname: 'eth0', verdict: 'drop' }))).toMatch(/use oifname$/);
    expect(bad('input', { saddr: 'nonsense', verdict: 'drop' })).toBe('bad-rule');
    expect(message(() => s.filter.add('input', { saddr: '10.0.1.1/24', verdict: 'drop' }))).toMatch(/write the network, 10\.0\.1\.0\/24/);
    expect(bad('input', { verdict: 'deny' })).toBe('bad-rule');
    expect(bad('input', {})).toBe('bad-rule');
    expect(bad('input', { protocol: 'udp', dport: 70000, verdict: 'drop' })).toBe('bad-rule');
    expect(message(() => s.filter.add('input', { protocol: 'udp', dport: '2000-1000', verdict: 'drop' }))).toMatch(
      /put the lower port first/,
    );
    expect(bad('input', { protocol: 'sctp', verdict: 'drop' })).toBe('bad-rule');
    expect(bad('input', { protocol: 'tcp', icmpType: 'echo-request', verdict: 'drop' })).toBe('bad-rule');
    expect(message(() => s.filter.add('input', { icmpType: 'ping' as 'echo-request', verdict: 'drop' }))).toMatch(/one of echo-reply, /);
    expect(bad('input', { rejectWith: 'admin-prohibited', verdict: 'drop' })).toBe('bad-rule');
    expect(bad('input', { rejectWith: 'tcp-reset', verdict: 'reject' })).toBe('bad-rule');
    expect(message(() => s.filter.add('input', { dPort: 22, verdict: 'drop' } as unknown as FilterRuleSpec))).toMatch(
      /unknown field "dPort"/,
    );
    expect(bad('prerouting' as 'input', { verdict: 'drop' })).toBe('bad-rule');
    expect(bad('input', { iifname: 'eth 0', verdict: 'drop' })).toBe('bad-rule');
    expect(code(() => s.filter.setPolicy('input', 'reject' as 'drop'))).toBe('bad-rule');
    expect(code(() => s.filter.delete('input', 99))).toBe('no-such-rule');
    expect(code(() => s.filter.add('input', { verdict: 'drop' }, 99))).toBe('no-such-rule');
    expect(code(() => s.filter.rule(99))).toBe('no-such-rule');
    expect(s.filter.rules()).toEqual([]);
    s.close();
    expect(code(() => s.filter.add('input', { verdict: 'drop' }))).toBe('closed');
  });
});
