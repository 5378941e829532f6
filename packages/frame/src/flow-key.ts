/**
 * Flow keys: the fields a switch classifies on, pulled out of a frame into a reusable
 * Uint32Array (like OVS's miniflow), so lookups hash and compare integers, never strings.
 *
 * Layout (one u32 per word; unused words are zero):
 *   IN_PORT  ETH_DST_HI ETH_DST_LO  ETH_SRC_HI ETH_SRC_LO  ETH_TYPE
 *   VLAN_OUTER VLAN_INNER   (TPID << 16 | TCI, 0 when untagged)
 *   NW       (proto << 24 | tos << 16 | ttl << 8 | frag)   frag: 0 none, 1 first, 2 later
 *   NW_SRC0..3 NW_DST0..3   (IPv4 in word 0; IPv6 in all four; ARP sender/target IP)
 *   TP       (src port << 16 | dst port; ICMP type << 16 | code; ARP opcode)
 *   TCP_FLAGS  IPV6_LABEL
 */
import { i32, u16 } from './bytes.js';
import { EtherType } from './proto/ethernet.js';
import { IpProtocol } from './proto/ipv4.js';
import { IPV6_MALFORMED, IPV6_NO_UPPER_LAYER, ipv6UpperLayer } from './proto/ipv6.js';

export const FlowKeyWord = {
  IN_PORT: 0,
  ETH_DST_HI: 1,
  ETH_DST_LO: 2,
  ETH_SRC_HI: 3,
  ETH_SRC_LO: 4,
  ETH_TYPE: 5,
  VLAN_OUTER: 6,
  VLAN_INNER: 7,
  NW: 8,
  NW_SRC: 9,
  NW_DST: 13,
  TP: 17,
  TCP_FLAGS: 18,
  IPV6_LABEL: 19,
} as const;

export const FLOW_KEY_WORDS = 20;

const W = FlowKeyWord;

export const FlowFrag = { NONE: 0, FIRST: 1, LATER: 2 } as const;

/** Why a frame yielded no key: the switch counts these as drops by reason. */
export const FlowKeyStatus = { OK: 0, TRUNCATED: 1 } as const;

export function newFlowKey(): Uint32Array {
  return new Uint32Array(FLOW_KEY_WORDS);
}

/**
 * Fills `key` from the Ethernet frame in `b[offset..offset+length)`. Layers it cannot parse are
 * left zero; only a frame too short for its own headers returns TRUNCATED. Allocates nothing.
 */
export function extractFlowKey(b: Uint8Array, offset: number, length: number, inPort: number, key: Uint32Array): number {
  // Words 1-5 are always written below (when the frame is long enough); the rest are cleared
  // one by one: unrolled stores are several times faster here than a loop or fill().
  key[W.VLAN_OUTER] = key[W.VLAN_INNER] = key[W.NW] = key[W.TP] = key[W.TCP_FLAGS] = key[W.IPV6_LABEL] = 0;
  key[W.NW_SRC] = key[W.NW_SRC + 1] = key[W.NW_SRC + 2] = key[W.NW_SRC + 3] = 0;
  key[W.NW_DST] = key[W.NW_DST + 1] = key[W.NW_DST + 2] = key[W.NW_DST + 3] = 0;
  key[W.IN_PORT] = inPort;
  const end = offset + length;
  if (length < 14 || end > b.length) {
    key[W.ETH_DST_HI] = key[W.ETH_DST_LO] = key[W.ETH_SRC_HI] = key[W.ETH_SRC_LO] = key[W.ETH_TYPE] = 0;
    return FlowKeyStatus.TRUNCATED;
  }
  key[W.ETH_DST_HI] = u16(b, offset);
  key[W.ETH_DST_LO] = i32(b, offset + 2);
  key[W.ETH_SRC_HI] = u16(b, offset + 6);
  key[W.ETH_SRC_LO] = i32(b, offset + 8);
  let type = u16(b, offset + 12);
  let o = offset + 14;
  for (let tag = 0; (type === EtherType.VLAN || type === EtherType.QinQ) && tag < 2; tag++) {
    if (o + 4 > end) return FlowKeyStatus.TRUNCATED;
    key[W.VLAN_OUTER + tag] = (type << 16) | u16(b, o);
    type = u16(b, o + 2);
    o += 4;
  }
  key[W.ETH_TYPE] = type;
  if (type === EtherType.IPv4) return ipv4Key(b, o, end, key);
  if (type === EtherType.IPv6) return ipv6Key(b, o, end, key);
  if (type === EtherType.ARP || type === EtherType.RARP) {
    if (o + 28 > end) return FlowKeyStatus.TRUNCATED;
    key[W.NW_SRC] = i32(b, o + 14);
    key[W.NW_DST] = i32(b, o + 24);
    key[W.TP] = u16(b, o + 6);
  }
  return FlowKeyStatus.OK;
}

function ipv4Key(b: Uint8Array, o: number, end: number, key: Uint32Array): number {
  if (o + 20 > end) return FlowKeyStatus.TRUNCATED;
  const hl = (b[o] & 0x0f) << 2;
  const proto = b[o + 9];
  const fragField = u16(b, o + 6) & 0x3fff;
  const frag = fragField === 0 ? FlowFrag.NONE : (fragField & 0x1fff) === 0 ? FlowFrag.FIRST : FlowFrag.LATER;
  key[W.NW] = (proto << 24) | (b[o + 1] << 16) | (b[o + 8] << 8) | frag;
  key[W.NW_SRC] = i32(b, o + 12);
  key[W.NW_DST] = i32(b, o + 16);
  if (hl < 20 || frag === FlowFrag.LATER) return FlowKeyStatus.OK;
  return transportKey(b, o + hl, end, proto, key);
}

const upper = new Int32Array(2);

function ipv6Key(b: Uint8Array, o: number, end: number, key: Uint32Array): number {
  if (o + 40 > end) return FlowKeyStatus.TRUNCATED;
  key[W.IPV6_LABEL] = i32(b, o) & 0xf_ffff;
  const tclass = (u16(b, o) >>> 4) & 0xff;
  for (let i = 0; i < 4; i++) {
    key[W.NW_SRC + i] = i32(b, o + 8 + 4 * i);
    key[W.NW_DST + i] = i32(b, o + 24 + 4 * i);
  }
  const found = ipv6UpperLayer(b, o, Math.min(end, o + 40 + u16(b, o + 4)), upper);
  if (found === IPV6_MALFORMED) return FlowKeyStatus.TRUNCATED;
  const fragHeader = upper[1];
  const frag = fragHeader < 0 ? FlowFrag.NONE : found === IPV6_NO_UPPER_LAYER ? FlowFrag.LATER : FlowFrag.FIRST;
  // A later fragment still names its protocol, in the fragment header (as OVS keys it).
  const proto = found === IPV6_NO_UPPER_LAYER ? b[fragHeader] : found;
  key[W.NW] = (proto << 24) | (tclass << 16) | (b[o + 7] << 8) | frag;
  if (frag === FlowFrag.LATER) return FlowKeyStatus.OK;
  return transportKey(b, upper[0], end, proto, key);
}

function transportKey(b: Uint8Array, o: number, end: number, proto: number, key: Uint32Array): number {
  if (proto === IpProtocol.TCP) {
    if (o + 20 > end) return FlowKeyStatus.TRUNCATED;
    key[W.TP] = i32(b, o);
    key[W.TCP_FLAGS] = u16(b, o + 12) & 0x0fff;
  } else if (proto === IpProtocol.UDP) {
    if (o + 8 > end) return FlowKeyStatus.TRUNCATED;
    key[W.TP] = i32(b, o);
  } else if (proto === IpProtocol.ICMP || proto === IpProtocol.ICMPv6) {
    if (o + 4 > end) return FlowKeyStatus.TRUNCATED;
    key[W.TP] = (b[o] << 16) | b[o + 1];
  }
  return FlowKeyStatus.OK;
}
