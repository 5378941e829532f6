/**
 * Prints a match the way ovs-ofctl does: priority (unless the default 32768), the protocol
 * shorthand (ip, tcp, arp, …), in_port, VLAN, MACs, dl_type, addresses, protocol, TOS, ports,
 * TCP flags — each field exact or with its mask, fully wildcarded fields left out.
 */
import { formatIpv4, formatIpv6, formatMac, FlowKeyWord as W } from '@vnet/frame';
import { EthType, IpProto, KeyBits, TCP_FLAG_NAMES } from './fields.js';
import { type FlowMatch, wordsBigint, wordToTci } from './match.js';

export const DEFAULT_PRIORITY = 32768;

export function formatMatch(m: FlowMatch, priority = DEFAULT_PRIORITY): string {
  const out: string[] = [];
  const v = m.value;
  const k = m.mask;
  if (priority !== DEFAULT_PRIORITY) out.push(`priority=${priority}`);
  const type = m.ethType;
  const proto = m.ipProto;
  let skipType = true;
  let skipProto = false;
  if (type === EthType.IPv4 || type === EthType.IPv6) {
    const six = type === EthType.IPv6 ? '6' : '';
    const name =
      proto === IpProto.TCP
        ? `tcp${six}`
        : proto === IpProto.UDP
          ? `udp${six}`
          : proto === IpProto.SCTP
            ? `sctp${six}`
            : proto === (six ? IpProto.ICMPv6 : IpProto.ICMP)
              ? `icmp${six}`
              : undefined;
    skipProto = name !== undefined;
    out.push(name ?? (six ? 'ipv6' : 'ip'));
  } else if (type === EthType.ARP) out.push('arp');
  else if (type === EthType.RARP) out.push('rarp');
  else skipType = false;

  if (k[W.IN_PORT]) out.push(`in_port=${v[W.IN_PORT] >>> 0}`);
  const vm = k[W.VLAN_OUTER];
  if (vm) {
    const vidMask = vm & KeyBits.VLAN_VID;
    const pcpMask = vm & KeyBits.VLAN_PCP;
    const present = vm & KeyBits.VLAN_PRESENT && v[W.VLAN_OUTER] & KeyBits.VLAN_PRESENT;
    if (
      present &&
      (vidMask === 0 || vidMask === KeyBits.VLAN_VID) &&
      (pcpMask === 0 || pcpMask === KeyBits.VLAN_PCP) &&
      (vidMask || pcpMask)
    ) {
      if (vidMask) out.push(`dl_vlan=${v[W.VLAN_OUTER] & KeyBits.VLAN_VID}`);
      if (pcpMask) out.push(`dl_vlan_pcp=${(v[W.VLAN_OUTER] & KeyBits.VLAN_PCP) >>> 13}`);
    } else {
      const tm = wordToTci(vm);
      const tv = wordToTci(v[W.VLAN_OUTER]);
      out.push(tm === 0xffff ? `vlan_tci=${hex(tv, 4)}` : `vlan_tci=${hex(tv, 4)}/${hex(tm, 4)}`);
    }
  }
  macField(out, 'dl_src', v, k, W.ETH_SRC_HI);
  macField(out, 'dl_dst', v, k, W.ETH_DST_HI);
  if (!skipType && k[W.ETH_TYPE]) out.push(`dl_type=${hex(v[W.ETH_TYPE], 4)}`);
  const arp = type === EthType.ARP || type === EthType.RARP;
  if (type === EthType.IPv6) {
    ipv6Field(out, 'ipv6_src', v, k, W.NW_SRC);
    ipv6Field(out, 'ipv6_dst', v, k, W.NW_DST);
    const lm = k[W.IPV6_LABEL];
    if (lm)
      out.push(lm === KeyBits.IPV6_LABEL ? `ipv6_label=${hex(v[W.IPV6_LABEL], 5)}` : `ipv6_label=${hex(v[W.IPV6_LABEL], 5)}/${hex(lm, 5)}`);
  } else {
    ipv4Field(out, arp ? 'arp_spa' : 'nw_src', v[W.NW_SRC], k[W.NW_SRC]);
    ipv4Field(out, arp ? 'arp_tpa' : 'nw_dst', v[W.NW_DST], k[W.NW_DST]);
  }
  if (!skipProto && k[W.NW] & KeyBits.NW_PROTO) out.push(`nw_proto=${v[W.NW] >>> 24}`);
  if (arp && k[W.TP] & KeyBits.TP_DST) out.push(`arp_op=${v[W.TP] & 0xffff}`);
  if (k[W.NW] & KeyBits.NW_DSCP) out.push(`nw_tos=${(v[W.NW] >>> 16) & 0xfc}`);
  if (k[W.NW] & KeyBits.NW_ECN) out.push(`nw_ecn=${(v[W.NW] >>> 16) & 3}`);
  if (k[W.NW] & KeyBits.NW_TTL) out.push(`nw_ttl=${(v[W.NW] >>> 8) & 0xff}`);
  if (!arp) {
    const icmp = (type === EthType.IPv4 && proto === IpProto.ICMP) || (type === EthType.IPv6 && proto === IpProto.ICMPv6);
    portField(out, icmp ? 'icmp_type' : 'tp_src', v[W.TP] >>> 16, (k[W.TP] >>> 16) & 0xffff);
    portField(out, icmp ? 'icmp_code' : 'tp_dst', v[W.TP] & 0xffff, k[W.TP] & 0xffff);
  }
  if (proto === IpProto.TCP && k[W.TCP_FLAGS]) out.push(`tcp_flags=${formatTcpFlags(v[W.TCP_FLAGS], k[W.TCP_FLAGS])}`);
  return out.join(',');
}

export function hex(n: number, digits = 0): string {
  return `0x${(n >>> 0).toString(16).padStart(digits, '0')}`;
}

function macField(out: string[], name: string, v: Int32Array, k: Int32Array, w: number): void {
  if (!k[w] && !k[w + 1]) return;
  const value = formatMac(v[w] * 2 ** 32 + (v[w + 1] >>> 0));
  const full = k[w] === 0xffff && k[w + 1] === -1;
  out.push(full ? `${name}=${value}` : `${name}=${value}/${formatMac(k[w] * 2 ** 32 + (k[w + 1] >>> 0))}`);
}

/** The prefix length of a contiguous mask, or -1. */
function prefixLength(mask: number): number {
  const inv = ~mask;
  if ((inv & (inv + 1)) !== 0) return -1;
  let n = 0;
  for (let m = mask; m !== 0; m <<= 1) n++;
  return n;
}

function ipv4Field(out: string[], name: string, value: number, mask: number): void {
  if (!mask) return;
  const len = prefixLength(mask);
  const v = formatIpv4(value >>> 0);
  out.push(len === 32 ? `${name}=${v}` : len > 0 ? `${name}=${v}/${len}` : `${name}=${v}/${formatIpv4(mask >>> 0)}`);
}

function ipv6Field(out: string[], name: string, v: Int32Array, k: Int32Array, w: number): void {
  if (!k[w] && !k[w + 1] && !k[w + 2] && !k[w + 3]) return;
  let len = 0;
  let contiguous = true;
  for (let i = 0; i < 4; i++) {
    const l = prefixLength(k[w + i]);
    if (l < 0 || (l > 0 && len !== 32 * i)) contiguous = false;
    len += Math.max(l, 0);
  }
  const value = formatIpv6(wordsBigint(v, w));
  if (contiguous && len === 128) out.push(`${name}=${value}`);
  else if (contiguous) out.push(`${name}=${value}/${len}`);
  else out.push(`${name}=${value}/${formatIpv6(wordsBigint(k, w))}`);
}

function portField(out: string[], name: string, value: number, mask: number): void {
  if (!mask) return;
  out.push(mask === 0xffff ? `${name}=${value}` : `${name}=${hex(value)}/${hex(mask)}`);
}

/** `syn|ack` under a full mask, else `+syn-ack` for the masked bits (ovs-ofctl's forms). */
export function formatTcpFlags(value: number, mask: number): string {
  const name = (bit: number) => TCP_FLAG_NAMES[31 - Math.clz32(bit)] ?? hex(bit);
  if (mask === KeyBits.TCP_FLAGS) {
    const set: string[] = [];
    for (let bit = 1; bit <= value; bit <<= 1) if (value & bit) set.push(name(bit));
    return set.length ? set.join('|') : '0';
  }
  let s = '';
  for (let bit = 1; bit <= mask; bit <<= 1) if (mask & bit) s += `${value & bit ? '+' : '-'}${name(bit)}`;
  return s;
}
