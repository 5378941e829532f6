/**
 * A varied, seeded corpus of frames built by @vnet/frame's builders: every protocol, random
 * field values, VLAN stacks, IPv6 extension chains, TCP option mixes, tunnels.
 */
import {
  arp,
  build,
  DhcpMessageType,
  DnsType,
  dhcp,
  dns,
  ethernet,
  icmpv4,
  icmpv6,
  ipv4,
  ipv6,
  ipv6DestOptions,
  ipv6Fragment,
  ipv6HopByHop,
  type LayerSpec,
  lacp,
  llc,
  lldp,
  payload,
  stp,
  type TcpOption,
  tcp,
  udp,
  vlan,
  vxlan,
} from '@vnet/frame';
import fc from 'fast-check';

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
/** Unicast MACs: multicast sources are legal bytes but make tshark add expert notes. */
const mac = fc.integer({ min: 0, max: 0xffffffffffff }).map((m) => m - (Math.floor(m / 2 ** 40) % 2) * 2 ** 40);
const ip4 = u32;
const ip6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
/**
 * Transport payloads: random text behind a fixed "vnet" prefix. Random binary payloads would
 * now and then look like some protocol to one of tshark's heuristic dissectors (RTCP, CLTP, …),
 * which would then call them malformed; that tests tshark's guesses, not our frames.
 */
const data = (max: number) => fc.stringMatching(new RegExp(`^[a-z0-9 ]{0,${max}}$`)).map((t) => new TextEncoder().encode(`vnet${t}`));
/** Ports no tshark dissector claims (see `tshark -G decodes`), so payloads stay data on both sides. */
const port = fc.integer({ min: 40000, max: 40999 });

const tags = fc
  .array(fc.record({ vid: fc.integer({ min: 1, max: 4094 }), pcp: fc.integer({ min: 0, max: 7 }), dei: fc.boolean() }), { maxLength: 2 })
  .map((ts) => ts.map((t, i) => vlan({ ...t, tpid: i === 0 && ts.length === 2 ? 0x88a8 : 0x8100 })));

const l2 = fc.tuple(mac, mac, tags).map(([src, dst, vs]) => [ethernet({ src, dst }), ...vs]);

const v4 = fc
  .record({
    src: ip4,
    dst: ip4,
    ttl: u8,
    dscp: fc.integer({ min: 0, max: 63 }),
    ecn: fc.integer({ min: 0, max: 3 }),
    identification: u16,
    dontFragment: fc.boolean(),
  })
  .map((o) => ipv4(o));

const v6 = fc
  .record({ src: ip6, dst: ip6, hopLimit: u8, trafficClass: u8, flowLabel: fc.integer({ min: 0, max: 0xfffff }) })
  .map((o) => ipv6(o));

const v6Chain = fc
  .array(fc.constantFrom('hop', 'dst'), { maxLength: 2 })
  .map((kinds) => kinds.map((k, i) => (k === 'hop' && i === 0 ? ipv6HopByHop() : ipv6DestOptions())));

const tcpOption: fc.Arbitrary<TcpOption> = fc.oneof(
  fc.constant({ kind: 'nop' as const }),
  fc.record({ kind: fc.constant('mss' as const), mss: u16 }),
  fc.record({ kind: fc.constant('window-scale' as const), shift: fc.integer({ min: 0, max: 14 }) }),
  fc.constant({ kind: 'sack-permitted' as const }),
  fc.record({ kind: fc.constant('timestamp' as const), tsval: u32, tsecr: u32 }),
  fc.record({ kind: fc.constant('sack' as const), blocks: fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 2 }) }),
);

const transport = fc.oneof(
  fc.record({ srcPort: port, dstPort: port, data: data(60) }).map((o) => [udp(o), payload(o.data)]),
  fc
    .record({
      srcPort: port,
      dstPort: port,
      seq: u32,
      ack: u32,
      flags: fc.integer({ min: 0, max: 0xff }),
      window: u16,
      options: fc
        .array(tcpOption, { maxLength: 4 })
        .filter((os) => os.reduce((n, o) => n + (o.kind === 'sack' ? 2 + 8 * o.blocks.length : 10), 0) <= 40),
      data: data(60),
    })
    .map((o) => [tcp(o), payload(o.data)]),
);

const icmp4 = fc.oneof(
  fc.record({ identifier: u16, sequence: u16, data: bytes(8) }).map((o) => icmpv4({ kind: 'echo-request', ...o })),
  fc.record({ identifier: u16, sequence: u16, data: bytes(8) }).map((o) => icmpv4({ kind: 'echo-reply', ...o })),
);

const icmp6 = fc.oneof(
  fc.record({ identifier: u16, sequence: u16, data: bytes(8) }).map((o) => icmpv6({ kind: 'echo-request', ...o })),
  fc
    .record({ target: ip6, mac })
    .map((o) => icmpv6({ kind: 'neighbor-solicit', target: o.target, options: [{ kind: 'source-link-addr', mac: o.mac }] })),
  fc
    .record({ target: ip6, mac, router: fc.boolean(), solicited: fc.boolean(), override: fc.boolean() })
    .map((o) => icmpv6({ kind: 'neighbor-advert', ...o, options: [{ kind: 'target-link-addr', mac: o.mac }] })),
);

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const hostName = fc.array(label, { minLength: 1, maxLength: 3 }).map((ls) => ls.join('.'));

const dnsMessage = fc.oneof(
  fc
    .record({ id: u16, name: hostName, type: fc.constantFrom(DnsType.A, DnsType.AAAA, DnsType.MX, DnsType.TXT), rd: fc.boolean() })
    .map((o) => dns({ id: o.id, recursionDesired: o.rd, questions: [{ name: o.name, type: o.type, class: 1 }] })),
  fc
    .record({ id: u16, name: hostName, alias: hostName, ttl: fc.integer({ min: 0, max: 0x7fffffff }), a: ip4, aaaa: ip6, mx: hostName })
    .map((o) =>
      dns({
        id: o.id,
        response: true,
        recursionAvailable: true,
        questions: [{ name: o.name, type: DnsType.A, class: 1 }],
        answers: [
          { name: o.name, type: DnsType.CNAME, class: 1, ttl: o.ttl, data: { kind: 'cname', name: o.alias } },
          { name: o.alias, type: DnsType.A, class: 1, ttl: o.ttl, data: { kind: 'a', address: o.a } },
          { name: o.alias, type: DnsType.AAAA, class: 1, ttl: o.ttl, data: { kind: 'aaaa', address: o.aaaa } },
        ],
        authorities: [{ name: o.name, type: DnsType.MX, class: 1, ttl: o.ttl, data: { kind: 'mx', preference: 10, exchange: o.mx } }],
      }),
    ),
);

const dhcpMessage = fc
  .record({ xid: u32, mac, type: fc.constantFrom(1, 2, 3, 5), yiaddr: ip4, server: ip4, name: label, lease: u32 })
  .map((o) =>
    dhcp({
      op: o.type === DhcpMessageType.Offer || o.type === DhcpMessageType.Ack ? 2 : 1,
      xid: o.xid,
      chaddr: o.mac,
      yiaddr: o.type === DhcpMessageType.Offer || o.type === DhcpMessageType.Ack ? o.yiaddr : 0,
      options: [
        { kind: 'message-type', type: o.type },
        { kind: 'server-id', address: o.server },
        { kind: 'lease-time', seconds: o.lease },
        { kind: 'host-name', name: o.name },
        { kind: 'parameter-request-list', codes: [1, 3, 6, 15] },
      ],
    }),
  );

const bridgeId = fc.record({ priority: fc.integer({ min: 0, max: 15 }).map((p) => p * 4096), mac });

/** First fragments (the transport header with part of its payload) and later ones (data only). */
const fragments = fc.oneof(
  fc
    .tuple(l2, ip4, ip4, u16, transport)
    .map(([a, src, dst, identification, t]) => [...a, ipv4({ src, dst, identification, moreFragments: true }), ...t]),
  fc
    .tuple(l2, ip4, ip4, fc.integer({ min: 1, max: 1000 }), fc.boolean(), bytes(64))
    .map(([a, src, dst, k, moreFragments, data]) => [
      ...a,
      ipv4({ src, dst, protocol: 17, fragmentOffset: 8 * k, moreFragments }),
      payload(data),
    ]),
  fc
    .tuple(l2, v6, u32, transport)
    .map(([a, ip, identification, t]) => [...a, ip, ipv6Fragment({ identification, moreFragments: true }), ...t]),
  fc
    .tuple(l2, v6, u32, fc.integer({ min: 1, max: 1000 }), fc.uint8Array({ minLength: 1, maxLength: 64 }))
    .map(([a, ip, identification, k, data]) => [
      ...a,
      ip,
      ipv6Fragment({ identification, fragmentOffset: 8 * k, nextHeader: 6 }),
      payload(data),
    ]),
);

const frames: fc.Arbitrary<LayerSpec[]> = fc.oneof(
  fragments,
  fc.tuple(l2, v4, fc.integer({ min: 1024, max: 39999 }), dnsMessage).map(([a, ip, srcPort, m]) => [...a, ip, udp({ srcPort }), m]),
  fc.tuple(l2, v4, dhcpMessage).map(([a, ip, m]) => [...a, ip, udp(), m]),
  fc.tuple(l2, v4, transport).map(([a, b, c]) => [...a, b, ...c]),
  fc.tuple(l2, v6, v6Chain, transport).map(([a, b, c, d]) => [...a, b, ...c, ...d]),
  fc.tuple(l2, v4, icmp4).map(([a, b, c]) => [...a, b, c]),
  fc.tuple(l2, v6, icmp6).map(([a, b, c]) => [...a, b, c]),
  fc
    .tuple(l2, mac, ip4, ip4, fc.constantFrom(1, 2))
    .map(([a, m, s, t, op]) => [...a, arp({ operation: op, senderMac: m, senderIp: s, targetIp: t })]),
  fc
    .tuple(mac, ip4, ip4, fc.integer({ min: 0, max: 0xffffff }), l2, v4, transport)
    .map(([m, s, d, vni, inner, ip, t]) => [
      ethernet({ src: m, dst: m + 1 }),
      ipv4({ src: s, dst: d }),
      udp({ srcPort: 50000 }),
      vxlan({ vni }),
      ...inner,
      ip,
      ...t,
    ]),
  fc.record({ root: bridgeId, bridge: bridgeId, cost: u32, port: u16, flags: u8, rstp: fc.boolean(), src: mac }).map((o) => [
    ethernet({ src: o.src, dst: '01:80:c2:00:00:00' }),
    llc(),
    stp({
      bpdu: o.rstp ? 'rst' : 'config',
      version: o.rstp ? 2 : 0,
      flags: o.rstp ? o.flags : o.flags & 0x81,
      root: o.root,
      rootPathCost: o.cost,
      bridge: o.bridge,
      portId: o.port,
      messageAge: 1,
      maxAge: 20,
      helloTime: 2,
      forwardDelay: 15,
    }),
  ]),
  fc
    .record({ src: mac, ttl: u16, name: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), port: fc.integer({ min: 1, max: 48 }) })
    .map((o) => [
      ethernet({ src: o.src, dst: '01:80:c2:00:00:0e' }),
      lldp({ chassisId: { subtype: 4, value: o.src }, portId: { subtype: 5, value: `eth${o.port}` }, ttl: o.ttl, systemName: o.name }),
    ]),
  fc.record({ a: mac, b: mac, key: u16, port: u16, state: u8 }).map((o) => [
    ethernet({ src: o.a, dst: '01:80:c2:00:00:02' }),
    lacp({
      actor: { systemPriority: 32768, system: o.a, key: o.key, portPriority: 255, port: o.port, state: o.state },
      partner: { systemPriority: 32768, system: o.b, key: o.key, portPriority: 255, port: o.port + 1, state: o.state },
      collectorMaxDelay: 0,
    }),
  ]),
);

export function frameCorpus(count: number, seed: number): Uint8Array[] {
  return fc.sample(frames, { numRuns: count, seed }).map((layers) => build(...layers));
}
