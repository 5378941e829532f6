import { formatIpv4, ICMPV4_HEADER_LEN, Icmpv4Packet, Icmpv4Type, IpProtocol, internetChecksum, parseIpv4 } from '@vnet/frame';
import { afterEach, describe, expect, it } from 'vitest';
import { type EchoEvent, Stack, type StackOptions } from '../src/index.js';
import { conserved, ipv4Frames, Lab, TestPort, Wire } from './lab.js';

let lab: Lab;
afterEach(() => lab?.close());

/** A shared segment: whatever one port sends, every other port receives (a hub, so the lab pumps it like a wire). */
class Hub extends Wire {
  readonly ports: TestPort[] = [];
  private macs = 0;

  /** Plugs an interface of `s` into the hub, with an address. */
  attach(s: Stack, name: string, cidr: string): TestPort {
    const port = new TestPort(name);
    this.ports.push(port);
    s.addInterface({ name, port, mac: 0x02_00_00_00_01_00 + ++this.macs });
    s.addAddress(name, cidr);
    return port;
  }

  override pumpOnce(): number {
    let n = 0;
    for (const from of this.ports) {
      for (const f of from.inFlight.splice(0)) {
        for (const to of this.ports) if (to !== from) to.inject(f.slice());
        n++;
      }
    }
    return n;
  }
}

function listen(s: Stack, id: number): EchoEvent[] {
  const events: EchoEvent[] = [];
  s.onEcho(id, (e) => events.push({ ...e }));
  return events;
}

/**
 * h1, r1 and r2 share the LAN 10.0.0.0/24; h2 is behind r2 (10.0.2.0/24). h1's default
 * gateway is r1, which knows 10.0.2.0/24 is via r2: the better first hop for h1 is r2.
 */
function lan(h1Opts: StackOptions = {}) {
  lab = new Lab();
  const hub = new Hub('lan');
  lab.wires.push(hub);
  const h1 = lab.stack({ hostname: 'h1', ...h1Opts });
  const r1 = lab.stack({ hostname: 'r1', forwarding: true });
  const r2 = lab.stack({ hostname: 'r2', forwarding: true });
  const h2 = lab.stack({ hostname: 'h2' });
  const h1Port = hub.attach(h1, 'h1-eth0', '10.0.0.1/24');
  const r1Port = hub.attach(r1, 'r1-eth0', '10.0.0.254/24');
  hub.attach(r2, 'r2-eth0', '10.0.0.253/24');
  lab.link(r2, 'r2-eth1', '10.0.2.254/24', h2, 'h2-eth0', '10.0.2.1/24');
  h1.routes.add({ dst: 'default', via: '10.0.0.254' });
  r1.routes.add({ dst: '10.0.2.0/24', via: '10.0.0.253' });
  h2.routes.add({ dst: 'default', via: '10.0.2.254' });
  lab.pump();
  return { h1, r1, r2, h2, h1Port, r1Port };
}

/** The ICMP messages of `type` among captured frames. */
function icmpOf(frames: Uint8Array[], type: number) {
  return ipv4Frames(frames, IpProtocol.ICMP)
    .map((ip) => ({ ip, icmp: new Icmpv4Packet(ip.bytes, ip.payloadOffset, ip.payloadLen) }))
    .filter((m) => m.icmp.type === type);
}

describe('ICMP redirects', () => {
  it('a router forwarding back out of the arrival interface redirects the sender, which then goes direct', () => {
    const { h1, r1, r2, h2, r1Port } = lan();
    const events = listen(h1, 1);
    h1.ping('10.0.2.1', { id: 1, seq: 1 });
    lab.pump();
    // The first datagram is still forwarded (through r1, then r2), and answered.
    expect(events.map((e) => [e.kind, formatIpv4(e.from), e.ttl])).toEqual([['reply', '10.0.2.1', 63]]);
    expect(r1.stats.ip.ForwDatagrams).toBe(1);
    expect(r1.stats.icmp.OutRedirects).toBe(1);
    expect(h1.stats.icmp.InRedirects).toBe(1);

    const [redirect] = icmpOf(r1Port.sent, Icmpv4Type.Redirect);
    expect([formatIpv4(redirect.ip.src), formatIpv4(redirect.ip.dst)]).toEqual(['10.0.0.254', '10.0.0.1']);
    expect([redirect.icmp.code, formatIpv4(redirect.icmp.gateway)]).toEqual([1, '10.0.0.253']);
    // It quotes the datagram it is about.
    const quoted = redirect.icmp.payload();
    expect(formatIpv4(((quoted[16] << 24) | (quoted[17] << 16) | (quoted[18] << 8) | quoted[19]) >>> 0)).toBe('10.0.2.1');

    // h1 cached a host route via the better gateway, for 300 s; other destinations still use r1.
    expect(h1.routes.lookup('10.0.2.1')).toMatchObject({
      via: '10.0.0.253',
      dev: 'h1-eth0',
      route: { dst: '10.0.2.1/32', proto: 'redirect', expires: 300_000 },
    });
    expect(h1.routes.lookup('10.0.2.2')?.via).toBe('10.0.0.254');

    // The next datagram goes to r2 directly: r1 forwards nothing more and redirects no more.
    h1.ping('10.0.2.1', { id: 1, seq: 2 });
    lab.pump();
    expect(events.map((e) => e.seq)).toEqual([1, 2]);
    expect(r1.stats.ip.ForwDatagrams).toBe(1);
    expect(r1.stats.icmp.OutRedirects).toBe(1);
    expect(r2.stats.ip.ForwDatagrams).toBe(4);

    // The cached route expires, and h1 is back to its default gateway.
    lab.advance(300_001);
    expect(h1.routes.lookup('10.0.2.1')?.via).toBe('10.0.0.254');
    expect(h1.routes.list().some((r) => r.proto === 'redirect')).toBe(false);
    for (const s of [h1, r1, r2, h2]) expect(conserved(s)).toBe(true);
  });

  it('follows Linux defaults: hosts accept redirects, forwarding stacks do not; both can be set', () => {
    expect(new Stack().acceptRedirects).toBe(true);
    expect(new Stack({ forwarding: true }).acceptRedirects).toBe(false);
    const s = new Stack();
    s.forwarding = true;
    expect(s.acceptRedirects).toBe(false);
    s.acceptRedirects = true;
    expect(s.acceptRedirects).toBe(true);
    expect(new Stack({ forwarding: true, acceptRedirects: true }).acceptRedirects).toBe(true);
    expect(new Stack().sendRedirects).toBe(true);
  });

  it('a host that ignores redirects keeps its gateway, and redirects are rate-limited like other errors', () => {
    const { h1, r1 } = lan({ acceptRedirects: false });
    const events = listen(h1, 1);
    for (let seq = 1; seq <= 10; seq++) h1.ping('10.0.2.1', { id: 1, seq });
    lab.pump();
    expect(events).toHaveLength(10);
    expect(r1.stats.ip.ForwDatagrams).toBe(10);
    // Bursts of six per destination, then one a second (icmp_ratelimit).
    expect(r1.stats.icmp.OutRedirects).toBe(6);
    expect(r1.stats.icmp.OutRateLimitHost).toBe(4);
    expect(h1.stats.icmp.InRedirects).toBe(6);
    expect(h1.stats.rxDrops['icmp-ignored']).toBe(6);
    expect(h1.routes.lookup('10.0.2.1')?.via).toBe('10.0.0.254');
  });

  it('sends none with send_redirects off, or when the sender is not on the link', () => {
    const { h1, r1, r2, h2 } = lan();
    r1.sendRedirects = false;
    h1.ping('10.0.2.1', { id: 1, seq: 1 });
    lab.pump();
    expect(r1.stats.icmp.OutRedirects).toBe(0);
    expect(h1.routes.lookup('10.0.2.1')?.via).toBe('10.0.0.254');
    // From h2's subnet through r1 and back out to the LAN: the source is off the link.
    r1.sendRedirects = true;
    r2.routes.add({ dst: '10.0.9.0/24', via: '10.0.0.254' });
    r1.routes.add({ dst: '10.0.9.0/24', via: '10.0.0.1' });
    h2.ping('10.0.9.9', { id: 2, seq: 1 });
    lab.pump();
    // r2 sends it to r1 over the LAN, and r1 back out of r1-eth0 to h1 (which drops it): 10.0.2.1 is not on the LAN.
    expect(r1.stats.ip.ForwDatagrams).toBe(2);
    expect(r1.stats.icmp.OutRedirects).toBe(0);
    expect(h1.stats.rxDrops['not-for-us']).toBe(1);
  });

  it('refuses redirects that do not come from the current gateway or name a gateway off the link', () => {
    const { h1, h1Port, r1Port } = lan({ acceptRedirects: false });
    h1.ping('10.0.2.1', { id: 1, seq: 1 });
    lab.pump();
    h1.acceptRedirects = true;
    const [genuine] = icmpOf(r1Port.sent, Icmpv4Type.Redirect);
    const forge = (src: string, gateway: string) => {
      const frame = genuine.ip.bytes.slice();
      const ip = ipv4Frames([frame])[0];
      ip.src = parseIpv4(src);
      ip.fillChecksum();
      const m = new Icmpv4Packet(frame, ip.payloadOffset, ip.payloadLen);
      m.gateway = parseIpv4(gateway);
      m.checksum = 0;
      m.checksum = internetChecksum(frame, m.offset, m.offset + m.length);
      expect(m.length).toBeGreaterThan(ICMPV4_HEADER_LEN);
      h1Port.inject(frame);
    };
    forge('10.0.0.253', '10.0.0.253'); // not from h1's gateway for 10.0.2.1
    forge('10.0.0.254', '192.168.7.7'); // a gateway h1 cannot reach directly
    forge('10.0.0.254', '10.0.0.254'); // the same gateway again
    forge('10.0.0.254', '10.0.0.1'); // h1 itself
    expect(h1.stats.rxDrops['redirect-rejected']).toBe(4);
    expect(h1.routes.lookup('10.0.2.1')?.via).toBe('10.0.0.254');
    forge('10.0.0.254', '10.0.0.253');
    expect(h1.routes.lookup('10.0.2.1')?.via).toBe('10.0.0.253');
    expect(conserved(h1)).toBe(true);
  });

  it('a route the user adds replaces the cached one, and flushCache forgets them', () => {
    const { h1 } = lan();
    h1.ping('10.0.2.1', { id: 1, seq: 1 });
    lab.pump();
    expect(h1.routes.lookup('10.0.2.1')?.route?.proto).toBe('redirect');
    h1.routes.add({ dst: '10.0.2.1/32', via: '10.0.0.254' });
    expect(
      h1.routes
        .list()
        .filter((r) => r.dst === '10.0.2.1/32')
        .map((r) => r.proto),
    ).toEqual(['static']);
    h1.routes.delete({ dst: '10.0.2.1/32' });
    h1.ping('10.0.2.1', { id: 1, seq: 2 });
    lab.pump();
    expect(h1.routes.lookup('10.0.2.1')?.route?.proto).toBe('redirect');
    h1.routes.flushCache();
    expect(h1.routes.lookup('10.0.2.1')?.via).toBe('10.0.0.254');
  });
});
