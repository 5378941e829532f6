import { formatIpv6, ipv6At } from '../address/ipv6.js';
import { u16 } from '../bytes.js';
import { FrameError } from '../errors.js';
import { IpProtocol } from '../proto/ipv4.js';
import {
  IPV6_HEADER_LEN,
  IPV6_MAX_EXT_HEADERS,
  Ipv6ExtHeader,
  Ipv6OptionType,
  Ipv6Packet,
  isIpv6ExtensionHeader,
  walkIpv6Options,
} from '../proto/ipv6.js';
import { add, bytesValue, type Dissector, hexNum, type Layer } from './context.js';
import { protocolForIpProtocol } from './tables.js';

/**
 * IPv6 and its extension headers. Wireshark nests the extension headers inside the ipv6
 * tree, so their fields go into the same layer.
 */
export const dissectIpv6: Dissector = (d, b, offset, end) => {
  const p = Ipv6Packet.checked(b.subarray(0, end), offset);
  const packetEnd = p.payloadOffset + p.payloadLen;
  const l = d.begin('ipv6', 'Internet Protocol Version 6', offset, IPV6_HEADER_LEN);
  add(l, 'ipv6.version', 6, offset, 1);
  // Wireshark also files the version under ip.version, for filters that span both families.
  add(l, 'ip.version', 6, offset, 1);
  add(l, 'ipv6.tclass', hexNum(p.trafficClass, 8), offset, 2);
  add(l, 'ipv6.tclass.dscp', p.dscp, offset, 2);
  add(l, 'ipv6.tclass.ecn', p.ecn, offset, 2);
  add(l, 'ipv6.flow', hexNum(p.flowLabel, 6), offset + 1, 3);
  add(l, 'ipv6.plen', p.payloadLen, offset + 4, 2);
  add(l, 'ipv6.nxt', p.nextHeader, offset + 6, 1);
  add(l, 'ipv6.hlim', p.hopLimit, offset + 7, 1);
  const src = formatIpv6(p.src);
  const dst = formatIpv6(p.dst);
  add(l, 'ipv6.src', src, offset + 8, 16);
  add(l, 'ipv6.dst', dst, offset + 24, 16);
  d.net = { family: 'IP6', src, dst };

  let protocol = p.nextHeader;
  let at = p.payloadOffset;
  let fragment: Ipv6ExtHeader | undefined;
  for (let n = 0; isIpv6ExtensionHeader(protocol); n++) {
    if (n === IPV6_MAX_EXT_HEADERS) {
      throw new FrameError('unsupported', 'ipv6', at, `more than ${IPV6_MAX_EXT_HEADERS} extension headers are chained`);
    }
    const h = Ipv6ExtHeader.checked(b, at, protocol, packetEnd);
    if (protocol === IpProtocol.IPv6Frag) {
      addFragment(l, h);
      fragment = h;
    } else if (protocol === IpProtocol.IPv6Route) {
      addRouting(l, h);
    } else {
      addOptions(l, h, protocol === IpProtocol.HopByHop ? 'ipv6.hopopts' : 'ipv6.dstopts');
    }
    protocol = h.nextHeader;
    at = h.end;
    // A later fragment carries no upper-layer header, and its extension headers are elsewhere.
    if (fragment && fragment.fragmentOffset !== 0) break;
  }
  l.length = at - offset;

  const len = packetEnd - at;
  let summary = `IP6 ${src} > ${dst}: ip-proto-${protocol} ${len}`;
  if (fragment) {
    summary += ` (frag ${fragment.identification}:${len}@${fragment.fragmentOffset}${fragment.moreFragments ? '+' : ''})`;
  }
  d.summary = summary;
  if (fragment && fragment.fragmentOffset !== 0) return { protocol: 'data', offset: at, end: packetEnd };
  if (fragment?.moreFragments) d.firstFragment = true;
  const next = protocolForIpProtocol(protocol);
  // Wireshark has dissectors for most protocol numbers, so raw data is shown only where it
  // shows it too: after No Next Header.
  if (next === 'data' && protocol !== IpProtocol.IPv6NoNext) return undefined;
  return { protocol: next, offset: at, end: packetEnd };
};

function addFragment(l: Layer, h: Ipv6ExtHeader): void {
  const o = h.offset;
  add(l, 'ipv6.fraghdr.nxt', h.nextHeader, o, 1);
  add(l, 'ipv6.fraghdr.reserved_octet', hexNum(h.fragmentReserved, 2), o + 1, 1);
  // Wireshark shows the offset in the field's own 8-byte units.
  add(l, 'ipv6.fraghdr.offset', h.fragmentOffset >>> 3, o + 2, 2);
  add(l, 'ipv6.fraghdr.reserved_bits', (h.fragmentWord >>> 1) & 3, o + 2, 2);
  add(l, 'ipv6.fraghdr.more', h.moreFragments, o + 2, 2);
  add(l, 'ipv6.fraghdr.ident', hexNum(h.identification, 8), o + 4, 4);
}

const RoutingType = { Source: 0, MobileIpv6: 2, Rpl: 3, SegmentRouting: 4, CompactRouting16: 5, CompactRouting32: 6 } as const;

function addRouting(l: Layer, h: Ipv6ExtHeader): void {
  const o = h.offset;
  const b = h.bytes;
  const type = h.routingType;
  add(l, 'ipv6.routing.nxt', h.nextHeader, o, 1);
  add(l, 'ipv6.routing.len', h.lengthField, o + 1, 1);
  add(l, 'ipv6.routing.len_oct', h.headerLen, o + 1, 1);
  add(l, 'ipv6.routing.type', type, o + 2, 1);
  add(l, 'ipv6.routing.segleft', h.segmentsLeft, o + 3, 1);
  switch (type) {
    case RoutingType.Source:
      add(l, 'ipv6.routing.src.reserved', bytesValue(b, o + 4, o + 8), o + 4, 4);
      for (let a = o + 8; a + 16 <= h.end; a += 16) add(l, 'ipv6.routing.src.addr', formatIpv6(ipv6At(b, a)), a, 16);
      return;
    case RoutingType.MobileIpv6:
      // RFC 6275 fixes the length at one address; Wireshark refuses any other.
      if (h.lengthField !== 2) throw new FrameError('bad-length', 'ipv6.routing', o + 1, `type 2 length ${h.lengthField} is not 2`);
      add(l, 'ipv6.routing.mipv6.reserved', bytesValue(b, o + 4, o + 8), o + 4, 4);
      add(l, 'ipv6.routing.mipv6.home_address', formatIpv6(ipv6At(b, o + 8)), o + 8, 16);
      return;
    case RoutingType.SegmentRouting: {
      // Only a segment list that fills the header exactly is decoded; TLVs after it are not.
      const lastEntry = b[o + 4];
      if (h.lengthField !== 2 * (lastEntry + 1)) {
        throw new FrameError(
          'unsupported',
          'ipv6.routing',
          o + 4,
          `segment routing header with last entry ${lastEntry} in length ${h.lengthField}`,
        );
      }
      add(l, 'ipv6.routing.srh.last_entry', lastEntry, o + 4, 1);
      add(l, 'ipv6.routing.srh.flags', hexNum(b[o + 5], 2), o + 5, 1);
      add(l, 'ipv6.routing.srh.tag', bytesValue(b, o + 6, o + 8), o + 6, 2);
      for (let a = o + 8; a < h.end; a += 16) add(l, 'ipv6.routing.srh.addr', formatIpv6(ipv6At(b, a)), a, 16);
      return;
    }
    // Wireshark decodes these layouts and refuses many lengths; vnet does neither.
    case RoutingType.Rpl:
    case RoutingType.CompactRouting16:
    case RoutingType.CompactRouting32:
      throw new FrameError('unsupported', 'ipv6.routing', o + 2, `routing type ${type} is not decoded`);
  }
}

/**
 * Option types Wireshark decodes by their own layout rather than by the TLV length. With an
 * unexpected length it reads them differently or gives up, so for these only the lengths in
 * `FOLLOWED_LENGTH` are dissected and anything else ends the dissection.
 */
const WIRESHARK_DECODED = new Set([0x04, 0x05, 0x07, 0x08, 0x0f, 0x26, 0x30, 0x31, 0x41, 0x63, 0x6d, 0x8b, 0x8c, 0xc2, 0xc9, 0xee]);
const FOLLOWED_LENGTH = new Map<number, number>([
  [Ipv6OptionType.TunnelEncapLimit, 1],
  [Ipv6OptionType.RouterAlert, 2],
  [Ipv6OptionType.Jumbo, 4],
]);

function addOptions(l: Layer, h: Ipv6ExtHeader, p: string): void {
  const o = h.offset;
  const b = h.bytes;
  add(l, `${p}.nxt`, h.nextHeader, o, 1);
  add(l, `${p}.len`, h.lengthField, o + 1, 1);
  add(l, `${p}.len_oct`, h.headerLen, o + 1, 1);
  walkIpv6Options(p, b, o + 2, h.end, (type, at, len) => {
    add(l, 'ipv6.opt.type', hexNum(type, 2), at, 1);
    if (type === Ipv6OptionType.Pad1) {
      add(l, 'ipv6.opt.pad1', '', at, 1);
      return;
    }
    const dataLen = len - 2;
    if (WIRESHARK_DECODED.has(type) && FOLLOWED_LENGTH.get(type) !== dataLen) {
      throw new FrameError(
        'unsupported',
        p,
        at,
        `option 0x${type.toString(16).padStart(2, '0')} with ${dataLen} data bytes is not decoded`,
      );
    }
    // The type's top bits: what to do when it is not understood, and whether it may change en route.
    add(l, 'ipv6.opt.type.action', type >>> 6, at, 1);
    add(l, 'ipv6.opt.type.change', (type & 0x20) !== 0, at, 1);
    add(l, 'ipv6.opt.type.rest', hexNum(type & 0x1f, 2), at, 1);
    add(l, 'ipv6.opt.length', dataLen, at + 1, 1);
    if (type === Ipv6OptionType.PadN) add(l, 'ipv6.opt.padn', bytesValue(b, at + 2, at + len), at + 2, dataLen);
    else if (type === Ipv6OptionType.RouterAlert) add(l, 'ipv6.opt.router_alert', u16(b, at + 2), at + 2, 2);
    else if (type === Ipv6OptionType.TunnelEncapLimit) add(l, 'ipv6.opt.tel', b[at + 2], at + 2, 1);
  });
}
