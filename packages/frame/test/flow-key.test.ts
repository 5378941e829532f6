import { describe, expect, it } from 'vitest';
import {
  arp,
  build,
  ethernet,
  extractFlowKey,
  FlowFrag,
  FlowKeyStatus,
  icmpv4,
  ipv4,
  ipv6,
  ipv6Fragment,
  ipv6HopByHop,
  newFlowKey,
  payload,
  TcpFlags,
  tcp,
  udp,
  vlan,
  FlowKeyWord as W,
} from '../src/index.js';

const eth = ethernet({ src: '00:00:00:00:00:01', dst: '0a:0b:0c:0d:0e:0f' });

function keyOf(frame: Uint8Array, inPort = 3): Uint32Array {
  const key = newFlowKey();
  expect(extractFlowKey(frame, 0, frame.length, inPort, key)).toBe(FlowKeyStatus.OK);
  return key;
}

describe('extractFlowKey', () => {
  it('keys Ethernet, VLAN, IPv4 and TCP', () => {
    const k = keyOf(
      build(
        eth,
        vlan({ vid: 10, pcp: 2 }),
        ipv4({ src: '10.0.0.1', dst: '10.0.0.2', ttl: 9, dscp: 46 }),
        tcp({ srcPort: 4000, dstPort: 80, flags: TcpFlags.SYN }),
      ),
    );
    expect(k[W.IN_PORT]).toBe(3);
    expect([k[W.ETH_DST_HI], k[W.ETH_DST_LO], k[W.ETH_SRC_HI], k[W.ETH_SRC_LO]]).toEqual([0x0a0b, 0x0c0d0e0f, 0, 1]);
    expect(k[W.VLAN_OUTER]).toBe(((0x8100 << 16) | (2 << 13) | 10) >>> 0);
    expect(k[W.VLAN_INNER]).toBe(0);
    expect(k[W.ETH_TYPE]).toBe(0x0800);
    expect(k[W.NW]).toBe(((6 << 24) | ((46 << 2) << 16) | (9 << 8) | FlowFrag.NONE) >>> 0);
    expect([k[W.NW_SRC], k[W.NW_DST]]).toEqual([0x0a000001, 0x0a000002]);
    expect(k[W.TP]).toBe(((4000 << 16) | 80) >>> 0);
    expect(k[W.TCP_FLAGS]).toBe(TcpFlags.SYN);
  });

  it('keys ICMP by type and code, ARP by opcode and addresses', () => {
    const ping = keyOf(
      build(eth, ipv4({ src: 1, dst: 2 }), icmpv4({ kind: 'echo-request', identifier: 1, sequence: 1, data: new Uint8Array(8) })),
    );
    expect(ping[W.TP]).toBe(8 << 16);
    const who = keyOf(build(eth, arp({ senderIp: '10.0.0.1', targetIp: '10.0.0.2' })));
    expect([who[W.ETH_TYPE], who[W.TP], who[W.NW_SRC], who[W.NW_DST]]).toEqual([0x0806, 1, 0x0a000001, 0x0a000002]);
  });

  it('walks IPv6 extension headers to UDP and notes fragments', () => {
    const first = keyOf(
      build(
        eth,
        ipv6({ src: '2001:db8::1', dst: '2001:db8::2', flowLabel: 0x12345 }),
        ipv6HopByHop(),
        ipv6Fragment({ moreFragments: true }),
        udp({ srcPort: 7, dstPort: 9 }),
        payload('x'),
      ),
    );
    expect(first[W.ETH_TYPE]).toBe(0x86dd);
    expect([first[W.NW_SRC], first[W.NW_SRC + 3], first[W.NW_DST + 3]]).toEqual([0x20010db8, 1, 2]);
    expect(first[W.NW] >>> 24).toBe(17);
    expect(first[W.NW] & 0xff).toBe(FlowFrag.FIRST);
    expect(first[W.TP]).toBe((7 << 16) | 9);
    expect(first[W.IPV6_LABEL]).toBe(0x12345);
    const later = keyOf(
      build(
        eth,
        ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }),
        ipv6Fragment({ fragmentOffset: 8, nextHeader: 17 }),
        payload('yyyyyyyy'),
      ),
    );
    expect(later[W.NW] >>> 24).toBe(17);
    expect(later[W.NW] & 0xff).toBe(FlowFrag.LATER);
    expect(later[W.TP]).toBe(0);
  });

  it('reports truncated frames instead of throwing, and reuses the key', () => {
    const key = newFlowKey();
    const frame = build(eth, ipv4({ src: 1, dst: 2 }), tcp());
    expect(extractFlowKey(frame, 0, 40, 1, key)).toBe(FlowKeyStatus.TRUNCATED);
    expect(extractFlowKey(frame, 0, 10, 1, key)).toBe(FlowKeyStatus.TRUNCATED);
    expect(extractFlowKey(frame, 0, frame.length, 1, key)).toBe(FlowKeyStatus.OK);
    expect(extractFlowKey(build(ethernet({ ethertype: 0x88b5 }), payload('x')), 0, 15, 2, key)).toBe(FlowKeyStatus.OK);
    expect(key[W.NW_SRC]).toBe(0);
    expect(key[W.IN_PORT]).toBe(2);
  });

  it('reads a frame at an offset inside a larger buffer', () => {
    const frame = build(eth, ipv4({ src: 5, dst: 6 }), udp({ srcPort: 1, dstPort: 2 }));
    const ring = new Uint8Array(256);
    ring.set(frame, 100);
    expect(keyOf(frame)).toEqual(
      (() => {
        const k = newFlowKey();
        extractFlowKey(ring, 100, frame.length, 3, k);
        return k;
      })(),
    );
  });
});
