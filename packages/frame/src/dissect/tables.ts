import { EtherType } from '../proto/ethernet.js';
import { IpProtocol } from '../proto/ipv4.js';

// Which dissector follows which number, as Wireshark's dissector tables do.

const BY_ETHERTYPE = new Map<number, string>([
  [EtherType.IPv4, 'ip'],
  [EtherType.IPv6, 'ipv6'],
  [EtherType.ARP, 'arp'],
  [EtherType.RARP, 'arp'],
  [EtherType.VLAN, 'vlan'],
  [EtherType.QinQ, 'vlan'],
  [EtherType.LLDP, 'lldp'],
  [EtherType.Slow, 'slow'],
]);

/** The protocol an EtherType announces; 802.3 lengths (< 0x0600) lead to LLC. */
export function protocolForEthertype(type: number): string {
  if (type < 0x0600) return 'llc';
  return BY_ETHERTYPE.get(type) ?? 'data';
}

const BY_IP_PROTOCOL = new Map<number, string>([
  [IpProtocol.ICMP, 'icmp'],
  [IpProtocol.TCP, 'tcp'],
  [IpProtocol.UDP, 'udp'],
  [IpProtocol.ICMPv6, 'icmpv6'],
]);

export function protocolForIpProtocol(protocol: number): string {
  return BY_IP_PROTOCOL.get(protocol) ?? 'data';
}

/** Well-known UDP ports; the lower port is tried first, as Wireshark does. */
const BY_UDP_PORT = new Map<number, string>([
  [53, 'dns'],
  [5353, 'dns'],
  [67, 'dhcp'],
  [68, 'dhcp'],
  [4789, 'vxlan'],
]);

export function protocolForUdpPorts(src: number, dst: number): string {
  const [lo, hi] = src < dst ? [src, dst] : [dst, src];
  return BY_UDP_PORT.get(lo) ?? BY_UDP_PORT.get(hi) ?? 'data';
}
