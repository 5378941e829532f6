/**
 * Prints a megaflow's key and mask as `ovs-appctl dpctl/dump-flows` does:
 * `in_port(1),eth(src=…,dst=…),eth_type(0x0800),ipv4(dst=10.0.0.2,frag=no),tcp(dst=80)`.
 * Fields the mask leaves out are not printed; partly masked ones print as value/mask.
 */
import { formatIpv4, formatIpv6, formatMac, FlowKeyWord as W } from '@vnet/frame';
import { EthType, IpProto, KeyBits } from './fields.js';
import { wordsBigint } from './match.js';
import { formatTcpFlags, hex } from './match-format.js';

export function formatMegaflowKey(v: Int32Array, k: Int32Array): string {
  const val = (w: number) => v[w];
  const parts: string[] = [`in_port(${val(W.IN_PORT) >>> 0})`];
  const eth: string[] = [];
  macPart(eth, 'src', v, k, W.ETH_SRC_HI);
  macPart(eth, 'dst', v, k, W.ETH_DST_HI);
  if (eth.length) parts.push(`eth(${eth.join(',')})`);
  for (const w of [W.VLAN_OUTER, W.VLAN_INNER]) {
    const m = k[w] & (KeyBits.VLAN_PRESENT | KeyBits.VLAN_TCI);
    if (m === 0 || !(val(w) & KeyBits.VLAN_PRESENT)) continue;
    const tpid = val(w) >>> 16;
    const vlan: string[] = [];
    if (tpid !== 0x8100) vlan.push(`tpid=${hex(tpid, 4)}`);
    if (m & KeyBits.VLAN_VID) vlan.push(num('vid', val(w) & KeyBits.VLAN_VID, m & KeyBits.VLAN_VID, KeyBits.VLAN_VID));
    if (m & KeyBits.VLAN_PCP) vlan.push(num('pcp', (val(w) & KeyBits.VLAN_PCP) >>> 13, (m & KeyBits.VLAN_PCP) >>> 13, 7));
    parts.push(`vlan(${vlan.join(',')})`);
  }
  const typeMasked = k[W.ETH_TYPE] !== 0;
  const type = val(W.ETH_TYPE);
  if (typeMasked) parts.push(`eth_type(${hex(type, 4)})`);
  const nwm = k[W.NW];
  const nw = val(W.NW);
  const proto = nwm & KeyBits.NW_PROTO ? nw >>> 24 : -1;
  if (typeMasked && type === EthType.IPv4) {
    const ip: string[] = [];
    ip4Part(ip, 'src', val(W.NW_SRC), k[W.NW_SRC]);
    ip4Part(ip, 'dst', val(W.NW_DST), k[W.NW_DST]);
    nwParts(ip, nw, nwm, 'ttl');
    if (ip.length) parts.push(`ipv4(${ip.join(',')})`);
  } else if (typeMasked && type === EthType.IPv6) {
    const ip: string[] = [];
    ip6Part(ip, 'src', v, k, W.NW_SRC);
    ip6Part(ip, 'dst', v, k, W.NW_DST);
    if (k[W.IPV6_LABEL]) ip.push(num('label', val(W.IPV6_LABEL), k[W.IPV6_LABEL], KeyBits.IPV6_LABEL));
    nwParts(ip, nw, nwm, 'hlimit');
    if (ip.length) parts.push(`ipv6(${ip.join(',')})`);
  } else if (typeMasked && (type === EthType.ARP || type === EthType.RARP)) {
    const arp: string[] = [];
    ip4Part(arp, 'sip', val(W.NW_SRC), k[W.NW_SRC]);
    ip4Part(arp, 'tip', val(W.NW_DST), k[W.NW_DST]);
    if (k[W.TP] & 0xffff) arp.push(num('op', val(W.TP) & 0xffff, k[W.TP] & 0xffff, 0xffff));
    if (arp.length) parts.push(`arp(${arp.join(',')})`);
  }
  const tpm = k[W.TP];
  if (tpm && proto >= 0 && type !== EthType.ARP && type !== EthType.RARP) {
    const icmp = proto === IpProto.ICMP || proto === IpProto.ICMPv6;
    const name =
      proto === IpProto.TCP
        ? 'tcp'
        : proto === IpProto.UDP
          ? 'udp'
          : proto === IpProto.SCTP
            ? 'sctp'
            : proto === IpProto.ICMP
              ? 'icmp'
              : proto === IpProto.ICMPv6
                ? 'icmpv6'
                : undefined;
    if (name) {
      const tp: string[] = [];
      const sm = (tpm >>> 16) & 0xffff;
      const dm = tpm & 0xffff;
      if (sm) tp.push(num(icmp ? 'type' : 'src', (val(W.TP) >>> 16) & 0xffff, sm, 0xffff));
      if (dm) tp.push(num(icmp ? 'code' : 'dst', val(W.TP) & 0xffff, dm, 0xffff));
      parts.push(`${name}(${tp.join(',')})`);
    }
  }
  if (k[W.TCP_FLAGS] && proto === IpProto.TCP)
    parts.push(`tcp_flags(${formatTcpFlags(val(W.TCP_FLAGS), k[W.TCP_FLAGS] & KeyBits.TCP_FLAGS)})`);
  return parts.join(',');
}

function num(name: string, value: number, mask: number, full: number): string {
  return mask === full ? `${name}=${value}` : `${name}=${hex(value)}/${hex(mask)}`;
}

function macPart(out: string[], name: string, v: Int32Array, k: Int32Array, w: number): void {
  const hiM = k[w] & 0xffff;
  if (!hiM && !k[w + 1]) return;
  const value = formatMac((v[w] & 0xffff) * 2 ** 32 + (v[w + 1] >>> 0));
  out.push(hiM === 0xffff && k[w + 1] === -1 ? `${name}=${value}` : `${name}=${value}/${formatMac(hiM * 2 ** 32 + (k[w + 1] >>> 0))}`);
}

function ip4Part(out: string[], name: string, value: number, mask: number): void {
  if (!mask) return;
  out.push(mask === -1 ? `${name}=${formatIpv4(value >>> 0)}` : `${name}=${formatIpv4(value >>> 0)}/${formatIpv4(mask >>> 0)}`);
}

function ip6Part(out: string[], name: string, v: Int32Array, k: Int32Array, w: number): void {
  if (!k[w] && !k[w + 1] && !k[w + 2] && !k[w + 3]) return;
  const full = k[w] === -1 && k[w + 1] === -1 && k[w + 2] === -1 && k[w + 3] === -1;
  const value = formatIpv6(wordsBigint(v, w));
  out.push(full ? `${name}=${value}` : `${name}=${value}/${formatIpv6(wordsBigint(k, w))}`);
}

function nwParts(out: string[], nw: number, m: number, ttlName: string): void {
  if (m & KeyBits.NW_PROTO) out.push(`proto=${nw >>> 24}`);
  const tosM = (m >>> 16) & 0xff;
  if (tosM) out.push(num('tos', (nw >>> 16) & 0xff, tosM, 0xff));
  if (m & KeyBits.NW_TTL) out.push(num(ttlName, (nw >>> 8) & 0xff, (m >>> 8) & 0xff, 0xff));
  if (m & KeyBits.NW_FRAG) out.push(`frag=${['no', 'first', 'later'][nw & 3] ?? 'no'}`);
}
