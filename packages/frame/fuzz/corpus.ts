/** Real frames of every protocol @vnet/frame speaks: the seeds the fuzzer mutates. */
import {
  arp,
  build,
  ChassisIdSubtype,
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
  ipv6Routing,
  type LayerSpec,
  lacp,
  llc,
  lldp,
  PortIdSubtype,
  parseIpv6,
  payload,
  stp,
  TcpFlags,
  tcp,
  udp,
  vlan,
  vxlan,
} from '../src/index.js';

const A = '00:00:00:00:00:01';
const B = '00:00:00:00:00:02';
const eth = () => ethernet({ src: A, dst: B });
const v4 = () => ipv4({ src: '10.0.0.1', dst: '10.0.0.2', options: new Uint8Array([7, 7, 4, 0, 0, 0, 0, 0]) });
const v6 = () => ipv6({ src: 'fe80::1', dst: 'ff02::1' });
const bytes = (n: number) => new Uint8Array(n).map((_, i) => i * 31 + 7);
const bridge = { priority: 0x8001, mac: 1 };

const stacks: LayerSpec[][] = [
  [eth(), v4(), udp({ srcPort: 1234, dstPort: 5678 }), payload(bytes(18))],
  [
    eth(),
    vlan({ vid: 100, tpid: 0x88a8 }),
    vlan({ vid: 10 }),
    ipv4({ src: 1, dst: 2 }),
    tcp({
      flags: TcpFlags.SYN | TcpFlags.ACK,
      options: [
        { kind: 'mss', mss: 1460 },
        { kind: 'sack-permitted' },
        { kind: 'timestamp', tsval: 1, tsecr: 2 },
        { kind: 'nop' },
        { kind: 'window-scale', shift: 7 },
      ],
    }),
    payload(bytes(10)),
  ],
  [
    eth(),
    ipv4({ src: 1, dst: 2 }),
    tcp({
      flags: TcpFlags.ACK,
      options: [
        {
          kind: 'sack',
          blocks: [
            [1, 2],
            [3, 4],
          ],
        },
      ],
    }),
    payload(bytes(100)),
  ],
  [eth(), arp({ senderMac: A, senderIp: '10.0.0.1', targetIp: '10.0.0.2' })],
  [eth(), ipv4({ src: 1, dst: 2 }), icmpv4({ kind: 'echo-request', identifier: 1, sequence: 2, data: bytes(56) })],
  [eth(), ipv4({ src: 1, dst: 2 }), icmpv4({ kind: 'dest-unreachable', code: 4, nextHopMtu: 1400, original: bytes(28) })],
  [eth(), ipv4({ src: 1, dst: 2 }), icmpv4({ kind: 'redirect', code: 1, gateway: 3, original: bytes(28) })],
  [eth(), ipv4({ src: 1, dst: 2, moreFragments: true, identification: 7 }), udp({ srcPort: 1, dstPort: 2 }), payload(bytes(40))],
  [eth(), ipv4({ src: 1, dst: 2, fragmentOffset: 48, identification: 7 }), payload(bytes(40))],
  [eth(), v6(), icmpv6({ kind: 'echo-request', identifier: 3, sequence: 4, data: bytes(16) })],
  [
    eth(),
    v6(),
    icmpv6({
      kind: 'router-advert',
      hopLimit: 64,
      managed: false,
      otherConfig: true,
      preference: 0,
      routerLifetime: 1800,
      reachableTime: 0,
      retransTimer: 0,
      options: [
        { kind: 'source-link-addr', mac: 1 },
        {
          kind: 'prefix-info',
          prefixLength: 64,
          onLink: true,
          autonomous: true,
          validLifetime: 86400,
          preferredLifetime: 14400,
          prefix: parseIpv6('2001:db8::'),
        },
      ],
    }),
  ],
  [
    eth(),
    v6(),
    icmpv6({
      kind: 'neighbor-advert',
      router: true,
      solicited: true,
      override: false,
      target: parseIpv6('fe80::1'),
      options: [{ kind: 'target-link-addr', mac: 1 }],
    }),
  ],
  [eth(), v6(), icmpv6({ kind: 'packet-too-big', mtu: 1280, invoking: bytes(48) })],
  [
    eth(),
    v6(),
    ipv6HopByHop([]),
    ipv6DestOptions([]),
    ipv6Routing({ routingType: 0, segmentsLeft: 1, data: new Uint8Array(20) }),
    ipv6Fragment({ identification: 5, moreFragments: true }),
    udp({ srcPort: 3, dstPort: 4 }),
    payload(bytes(12)),
  ],
  [eth(), ipv4({ src: 1, dst: 2 }), udp({ srcPort: 50000 }), vxlan({ vni: 42 }), eth(), v4(), tcp(), payload(bytes(4))],
  [
    ethernet({ src: A, dst: '01:80:c2:00:00:00' }),
    llc(),
    stp({
      bpdu: 'config',
      version: 0,
      flags: 1,
      root: bridge,
      rootPathCost: 4,
      bridge,
      portId: 0x8001,
      messageAge: 1,
      maxAge: 20,
      helloTime: 2,
      forwardDelay: 15,
    }),
  ],
  [
    ethernet({ src: A, dst: '01:80:c2:00:00:00' }),
    llc(),
    stp({
      bpdu: 'rst',
      version: 2,
      flags: 0x7c,
      root: bridge,
      rootPathCost: 0,
      bridge,
      portId: 0x8002,
      messageAge: 0,
      maxAge: 20,
      helloTime: 2,
      forwardDelay: 15,
    }),
  ],
  [ethernet({ src: A, dst: '01:80:c2:00:00:00' }), llc(), stp({ bpdu: 'tcn', version: 0 })],
  [
    ethernet({ src: A, dst: '01:80:c2:00:00:0e' }),
    lldp({
      chassisId: { subtype: ChassisIdSubtype.MacAddress, value: 1 },
      portId: { subtype: PortIdSubtype.InterfaceName, value: 's1-eth1' },
      ttl: 120,
      systemName: 's1',
      systemDescription: 'vnet switch',
      capabilities: { system: 4, enabled: 4 },
    }),
  ],
  [
    ethernet({ src: A, dst: '01:80:c2:00:00:02' }),
    lacp({
      actor: { systemPriority: 32768, system: 1, key: 13, portPriority: 32768, port: 1, state: 0x3d },
      partner: { systemPriority: 32768, system: 2, key: 13, portPriority: 32768, port: 2, state: 0x3d },
      collectorMaxDelay: 0,
    }),
  ],
  [
    eth(),
    ipv4({ src: 1, dst: 2 }),
    udp({ srcPort: 5353 }),
    dns({
      id: 0x1234,
      response: true,
      questions: [{ name: 'www.example.com', type: DnsType.A, class: 1 }],
      answers: [
        { name: 'www.example.com', type: DnsType.CNAME, class: 1, ttl: 60, data: { kind: 'cname', name: 'web.example.com' } },
        { name: 'web.example.com', type: DnsType.A, class: 1, ttl: 60, data: { kind: 'a', address: 0x5db8d822 } },
        { name: 'example.com', type: DnsType.MX, class: 1, ttl: 60, data: { kind: 'mx', preference: 10, exchange: 'mail.example.com' } },
      ],
    }),
  ],
  [
    eth(),
    ipv4({ src: 0, dst: 0xffffffff }),
    udp(),
    dhcp({
      xid: 42,
      chaddr: 1,
      options: [
        { kind: 'message-type', type: DhcpMessageType.Request },
        { kind: 'requested-ip', address: 0x0a000005 },
        { kind: 'host-name', name: 'h1' },
        { kind: 'parameter-request-list', codes: [1, 3, 6] },
      ],
    }),
  ],
  [ethernet({ src: A, dst: B, ethertype: 0x88b5 }), payload(bytes(46))],
];

export function corpus(): Uint8Array[] {
  return stacks.map((layers) => build(...layers));
}
