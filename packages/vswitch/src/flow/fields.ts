/**
 * The match fields of flow rules, by their ovs-ofctl names, and where each lives in the flow
 * key of @vnet/frame (`extractFlowKey`: one u32 per word, see FlowKeyWord).
 *
 * What: a table of fields (kind, key word, bit position, prerequisites) that the text parser,
 * the formatter and the structured API all read, so a field is described once.
 *
 * Design: every match is a value and a mask over the same 20 words as the key, so matching is
 * `(key & mask) === value` word by word and the classifier never needs to know field names.
 * A few fields sit in shared words: the outer VLAN word is TPID << 16 | TCI, and since both
 * TPIDs vnet parses (0x8100, 0x88a8) have their top bit set, bit 31 says "a tag is present"
 * (OVS uses the CFI bit for that); the NW word packs proto, TOS, TTL and fragment; the TP word
 * holds both ports (ICMP type and code; the ARP opcode in its low half).
 */
import { FlowKeyWord as W } from '@vnet/frame';

export { FLOW_KEY_WORDS as KEY_WORDS } from '@vnet/frame';

/** Bit masks inside the shared key words (as int32, which is how the pipeline reads keys). */
export const KeyBits = {
  VLAN_PRESENT: 0x8000_0000 | 0,
  VLAN_TCI: 0xffff,
  VLAN_VID: 0x0fff,
  VLAN_PCP: 0xe000,
  NW_PROTO: 0xff00_0000 | 0,
  NW_DSCP: 0x00fc_0000,
  NW_ECN: 0x0003_0000,
  NW_TTL: 0x0000_ff00,
  NW_FRAG: 0x0000_00ff,
  TP_SRC: 0xffff_0000 | 0,
  TP_DST: 0x0000_ffff,
  TCP_FLAGS: 0x0fff,
  IPV6_LABEL: 0xf_ffff,
} as const;

export const EthType = { IPv4: 0x0800, ARP: 0x0806, RARP: 0x8035, IPv6: 0x86dd } as const;
export const IpProto = { ICMP: 1, TCP: 6, UDP: 17, ICMPv6: 58, SCTP: 132 } as const;

/** How a field's text is read and written. */
export type FieldKind =
  /** An unsigned integer of `bits` bits at `shift` in `word`, with an optional /mask. */
  | 'int'
  | 'mac'
  | 'ipv4'
  | 'ipv6'
  /** `+syn-ack` or a number with an optional /mask. */
  | 'tcp-flags'
  /** A VID 0-4095, or 0xffff for "no 802.1Q header". */
  | 'dl-vlan'
  | 'vlan-pcp'
  /** OVS's vlan_tci, whose CFI bit (0x1000) means "tag present". */
  | 'vlan-tci'
  /** The DSCP bits of the TOS byte, written as the byte (a multiple of 4). */
  | 'nw-tos';

/** What the match must also say for a field to mean anything (as OVS checks). */
export type Prereq = 'none' | 'ip' | 'ipv4' | 'ipv6' | 'ipv4-or-arp' | 'arp' | 'l4' | 'icmp' | 'tcp';

export interface FieldDef {
  /** The name dump-flows prints. */
  readonly name: string;
  readonly kind: FieldKind;
  /** The (first) key word. */
  readonly word: number;
  readonly shift: number;
  readonly bits: number;
  readonly prereq: Prereq;
}

function field(name: string, kind: FieldKind, word: number, prereq: Prereq, shift = 0, bits = 32): FieldDef {
  return { name, kind, word, shift, bits, prereq };
}

export const Field = {
  in_port: field('in_port', 'int', W.IN_PORT, 'none'),
  dl_src: field('dl_src', 'mac', W.ETH_SRC_HI, 'none'),
  dl_dst: field('dl_dst', 'mac', W.ETH_DST_HI, 'none'),
  dl_type: field('dl_type', 'int', W.ETH_TYPE, 'none', 0, 16),
  dl_vlan: field('dl_vlan', 'dl-vlan', W.VLAN_OUTER, 'none'),
  dl_vlan_pcp: field('dl_vlan_pcp', 'vlan-pcp', W.VLAN_OUTER, 'none'),
  vlan_tci: field('vlan_tci', 'vlan-tci', W.VLAN_OUTER, 'none'),
  nw_src: field('nw_src', 'ipv4', W.NW_SRC, 'ipv4-or-arp'),
  nw_dst: field('nw_dst', 'ipv4', W.NW_DST, 'ipv4-or-arp'),
  arp_spa: field('arp_spa', 'ipv4', W.NW_SRC, 'arp'),
  arp_tpa: field('arp_tpa', 'ipv4', W.NW_DST, 'arp'),
  ipv6_src: field('ipv6_src', 'ipv6', W.NW_SRC, 'ipv6'),
  ipv6_dst: field('ipv6_dst', 'ipv6', W.NW_DST, 'ipv6'),
  ipv6_label: field('ipv6_label', 'int', W.IPV6_LABEL, 'ipv6', 0, 20),
  nw_proto: field('nw_proto', 'int', W.NW, 'ip', 24, 8),
  nw_tos: field('nw_tos', 'nw-tos', W.NW, 'ip', 16, 8),
  nw_ecn: field('nw_ecn', 'int', W.NW, 'ip', 16, 2),
  nw_ttl: field('nw_ttl', 'int', W.NW, 'ip', 8, 8),
  tp_src: field('tp_src', 'int', W.TP, 'l4', 16, 16),
  tp_dst: field('tp_dst', 'int', W.TP, 'l4', 0, 16),
  icmp_type: field('icmp_type', 'int', W.TP, 'icmp', 16, 16),
  icmp_code: field('icmp_code', 'int', W.TP, 'icmp', 0, 16),
  arp_op: field('arp_op', 'int', W.TP, 'arp', 0, 16),
  tcp_flags: field('tcp_flags', 'tcp-flags', W.TCP_FLAGS, 'tcp', 0, 12),
} as const satisfies Record<string, FieldDef>;

/** Every name a match field is known by: ovs-ofctl's OpenFlow 1.0 names and the OXM ones. */
export const FIELD_NAMES: ReadonlyMap<string, FieldDef> = new Map<string, FieldDef>([
  ...Object.entries(Field),
  ['eth_src', Field.dl_src],
  ['eth_dst', Field.dl_dst],
  ['eth_type', Field.dl_type],
  ['ip_src', Field.nw_src],
  ['ip_dst', Field.nw_dst],
  ['ipv4_src', Field.nw_src],
  ['ipv4_dst', Field.nw_dst],
  ['ip_proto', Field.nw_proto],
  ['ip_ecn', Field.nw_ecn],
  ['tcp_src', Field.tp_src],
  ['tcp_dst', Field.tp_dst],
  ['udp_src', Field.tp_src],
  ['udp_dst', Field.tp_dst],
  ['sctp_src', Field.tp_src],
  ['sctp_dst', Field.tp_dst],
  ['icmpv6_type', Field.icmp_type],
  ['icmpv6_code', Field.icmp_code],
]);

/** ovs-ofctl's protocol shorthands: `tcp` is `dl_type=0x0800,nw_proto=6`. */
export const SHORTHANDS: ReadonlyMap<string, { type: number; proto?: number }> = new Map([
  ['ip', { type: EthType.IPv4 }],
  ['ipv6', { type: EthType.IPv6 }],
  ['arp', { type: EthType.ARP }],
  ['rarp', { type: EthType.RARP }],
  ['icmp', { type: EthType.IPv4, proto: IpProto.ICMP }],
  ['tcp', { type: EthType.IPv4, proto: IpProto.TCP }],
  ['udp', { type: EthType.IPv4, proto: IpProto.UDP }],
  ['sctp', { type: EthType.IPv4, proto: IpProto.SCTP }],
  ['icmp6', { type: EthType.IPv6, proto: IpProto.ICMPv6 }],
  ['tcp6', { type: EthType.IPv6, proto: IpProto.TCP }],
  ['udp6', { type: EthType.IPv6, proto: IpProto.UDP }],
  ['sctp6', { type: EthType.IPv6, proto: IpProto.SCTP }],
]);

/** TCP flag names in bit order, as ovs-ofctl spells them. */
export const TCP_FLAG_NAMES = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr', 'ns'] as const;

/** The mask of an integer field within its word. */
export function fieldMask(f: FieldDef): number {
  return f.bits === 32 ? -1 : (((1 << f.bits) - 1) << f.shift) | 0;
}
