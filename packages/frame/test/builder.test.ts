import { describe, expect, it } from 'vitest';
import {
  arp,
  build,
  buildInto,
  dissect,
  ethernet,
  FrameError,
  fromHex,
  icmpv4,
  icmpv6,
  ipv4,
  ipv6,
  ipv6Fragment,
  ipv6HopByHop,
  llc,
  parseIpv6,
  payload,
  stp,
  TcpFlags,
  tcp,
  toHex,
  udp,
  vlan,
  vxlan,
} from '../src/index.js';

const MACS = { src: '00:00:00:00:00:01', dst: '00:00:00:00:00:02' };

// Each expected frame is what scapy builds from the same layers with the same field values.
describe('build()', () => {
  it('stacks Ethernet / IPv4 / UDP / payload like scapy', () => {
    const f = build(ethernet(MACS), ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }), udp({ srcPort: 1234, dstPort: 5678 }), payload('hello'));
    expect(toHex(f)).toBe('00000000000200000000000108004500002100010000401166c90a0000010a00000204d2162e000d8cff68656c6c6f');
  });

  it('stacks QinQ tags and TCP options, filling TPIDs and types', () => {
    const f = build(
      ethernet(MACS),
      vlan({ vid: 100, tpid: 0x88a8 }),
      vlan({ vid: 10, pcp: 5 }),
      ipv4({ src: '10.0.0.1', dst: '10.0.0.2', ttl: 3 }),
      tcp({
        srcPort: 4000,
        dstPort: 80,
        seq: 5,
        flags: TcpFlags.SYN,
        options: [{ kind: 'mss', mss: 1460 }, { kind: 'nop' }, { kind: 'window-scale', shift: 7 }],
      }),
    );
    expect(toHex(f)).toBe(
      '00000000000200000000000188a800648100a00a080045000030000100000306a3c50a0000010a0000020fa0005000000005000000007002200040210000020405b401030307',
    );
  });

  it('builds ARP and ICMP messages', () => {
    const request = build(ethernet(MACS), arp({ senderMac: MACS.src, senderIp: '10.0.0.1', targetIp: '10.0.0.2' }));
    expect(toHex(request)).toBe('000000000002000000000001080600010800060400010000000000010a0000010000000000000a000002');
    const echo = build(
      ethernet(MACS),
      ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }),
      icmpv4({ kind: 'echo-request', identifier: 7, sequence: 1, data: new TextEncoder().encode('abcdefgh') }),
    );
    expect(toHex(echo)).toBe('00000000000200000000000108004500002400010000400166d60a0000010a00000208006662000700016162636465666768');
  });

  it('chains IPv6 extension headers and computes the checksum over the IPv6 pseudo-header', () => {
    const f = build(
      ethernet(MACS),
      ipv6({ src: 'fe80::1', dst: 'fe80::2', hopLimit: 255 }),
      ipv6HopByHop(),
      ipv6Fragment({ identification: 9, moreFragments: true }),
      udp({ srcPort: 1, dstPort: 2 }),
      payload('xy'),
    );
    expect(toHex(f)).toBe(
      '00000000000200000000000186dd60000000001a00fffe800000000000000000000000000001fe8000000000000000000000000000022c00010400000000110000010000000900010002000a8a597879',
    );
  });

  it('builds NDP with options, VXLAN tunnels and STP over LLC', () => {
    const ns = build(
      ethernet(MACS),
      ipv6({ src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255 }),
      icmpv6({ kind: 'neighbor-solicit', target: parseIpv6('fe80::2'), options: [{ kind: 'source-link-addr', mac: 1 }] }),
    );
    expect(toHex(ns)).toBe(
      '00000000000200000000000186dd6000000000203afffe800000000000000000000000000001ff0200000000000000000001ff00000287007c9700000000fe8000000000000000000000000000020101000000000001',
    );
    const tunnel = build(
      ethernet(MACS),
      ipv4({ src: '192.168.0.1', dst: '192.168.0.2' }),
      udp({ srcPort: 49152 }),
      vxlan({ vni: 42 }),
      ethernet({ src: '00:00:00:00:00:0a', dst: '00:00:00:00:00:0b' }),
      ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }),
      icmpv4({ kind: 'echo-request', identifier: 1, sequence: 1, data: new Uint8Array(0) }),
    );
    expect(toHex(tunnel)).toBe(
      '00000000000200000000000108004500004e000100004011f94ac0a80001c0a80002c00012b5003a715b0800000000002a0000000000000b00000000000a08004500001c00010000400166de0a0000010a0000020800f7fd00010001',
    );
    const bridge = { priority: 32768, mac: 1 };
    const bpdu = build(
      ethernet({ src: MACS.src, dst: '01:80:c2:00:00:00' }),
      llc(),
      stp({
        bpdu: 'config',
        version: 0,
        flags: 0,
        root: bridge,
        rootPathCost: 0,
        bridge,
        portId: 0x8001,
        messageAge: 0,
        maxAge: 20,
        helloTime: 2,
        forwardDelay: 15,
      }),
    );
    expect(toHex(bpdu)).toBe('0180c200000000000000000100264242030000000000800000000000000100000000800000000000000180010000140002000f00');
  });

  it('builds into a caller-owned buffer and refuses one too small', () => {
    const buf = new Uint8Array(100);
    const n = buildInto(buf, 10, ethernet(MACS), ipv4({ src: 1, dst: 2 }), udp({ srcPort: 1, dstPort: 2 }));
    expect(n).toBe(42);
    expect(dissect(buf.subarray(10, 10 + n)).summary).toBe('IP 0.0.0.1.1 > 0.0.0.2.2: UDP, length 0');
    expect(() => buildInto(new Uint8Array(20), 0, ethernet(MACS), ipv4())).toThrow(FrameError);
  });

  it('asks for an EtherType it cannot infer', () => {
    expect(() => build(ethernet(MACS), payload(fromHex('00')))).toThrow(expect.objectContaining({ code: 'bad-value', layer: 'eth' }));
  });
});
