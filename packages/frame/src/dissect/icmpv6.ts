import { formatIpv6, ipv6At } from '../address/ipv6.js';
import { u16, u32 } from '../bytes.js';
import { FrameError } from '../errors.js';
import { Icmpv6Packet, Icmpv6Type, NdpOptionType, walkNdpOptions } from '../proto/icmpv6.js';
import { add, bytesValue, type DissectContext, type Dissector, hexNum, type Layer } from './context.js';

const T = Icmpv6Type;

/** tcpdump's names of the message types. */
const TYPE_NAMES: Record<number, string> = {
  [T.DstUnreachable]: 'destination unreachable',
  [T.PacketTooBig]: 'packet too big',
  [T.TimeExceeded]: 'time exceeded in-transit',
  [T.ParamProblem]: 'parameter problem',
  [T.EchoRequest]: 'echo request',
  [T.EchoReply]: 'echo reply',
  130: 'multicast listener query',
  131: 'multicast listener report',
  132: 'multicast listener done',
  [T.RouterSolicit]: 'router solicitation',
  [T.RouterAdvert]: 'router advertisement',
  [T.NeighborSolicit]: 'neighbor solicitation',
  [T.NeighborAdvert]: 'neighbor advertisement',
  [T.Redirect]: 'redirect',
  143: 'multicast listener report v2',
};

const UNREACH_CODES = ['unreachable route', 'unreachable prohibited', 'beyond scope', 'unreachable address', 'unreachable port'];
const PARAM_PROBLEM_CODES = ['erroneous', 'next header', 'option'];

const IPV6_HEADER_LEN = 40;

export const dissectIcmpv6: Dissector = (d, b, offset, end) => {
  const p = Icmpv6Packet.checked(b, offset, end - offset);
  const type = p.type;
  const body = p.bodyOffset;
  const l = d.begin('icmpv6', 'Internet Control Message Protocol v6', offset, end - offset);
  add(l, 'icmpv6.type', type, offset, 1);
  add(l, 'icmpv6.code', p.code, offset + 1, 1);
  add(l, 'icmpv6.checksum', hexNum(p.checksum, 4), offset + 2, 2);
  let detail = '';
  let next: ReturnType<Dissector>;
  switch (type) {
    case T.EchoRequest:
    case T.EchoReply:
      add(l, 'icmpv6.echo.identifier', hexNum(p.identifier, 4), offset + 4, 2);
      add(l, 'icmpv6.echo.sequence_number', p.sequence, offset + 6, 2);
      detail = `, id ${p.identifier}, seq ${p.sequence}`;
      if (body < end) next = { protocol: 'data', offset: body, end };
      break;
    case T.DstUnreachable:
      originalLength(l, b, offset);
      detail = unreachableDetail(b, p.code, body, end);
      break;
    case T.PacketTooBig:
      add(l, 'icmpv6.mtu', p.mtu, offset + 4, 4);
      detail = `, mtu ${p.mtu}`;
      break;
    case T.TimeExceeded:
      originalLength(l, b, offset);
      if (p.code === 1) detail = ' (reassembly)';
      else if (p.code === 0 && body + IPV6_HEADER_LEN <= end) detail = ` for ${formatIpv6(ipv6At(b, body + 24))}`;
      break;
    case T.ParamProblem:
      add(l, 'icmpv6.pointer', p.pointer, offset + 4, 4);
      detail = p.code < PARAM_PROBLEM_CODES.length ? `, ${PARAM_PROBLEM_CODES[p.code]} - octet ${p.pointer}` : `, code-#${p.code}`;
      break;
    case T.RouterSolicit:
      add(l, 'icmpv6.reserved', bytesValue(b, offset + 4, body), offset + 4, 4);
      break;
    case T.RouterAdvert:
      routerAdvert(l, p, offset);
      break;
    case T.NeighborSolicit:
      add(l, 'icmpv6.reserved', bytesValue(b, offset + 4, offset + 8), offset + 4, 4);
      add(l, 'icmpv6.nd.ns.target_address', formatIpv6(p.target), offset + 8, 16);
      detail = `, who has ${formatIpv6(p.target)}`;
      break;
    case T.NeighborAdvert:
      neighborAdvertFlags(l, p, offset);
      add(l, 'icmpv6.nd.na.target_address', formatIpv6(p.target), offset + 8, 16);
      detail = `, tgt is ${formatIpv6(p.target)}`;
      break;
    case T.Redirect:
      add(l, 'icmpv6.reserved', bytesValue(b, offset + 4, offset + 8), offset + 4, 4);
      add(l, 'icmpv6.nd.rd.target_address', formatIpv6(p.target), offset + 8, 16);
      add(l, 'icmpv6.rd.na.destination_address', formatIpv6(p.destination), offset + 24, 16);
      detail = `, ${formatIpv6(p.destination)} to ${formatIpv6(p.target)}`;
      break;
  }
  d.summary = `${netPrefix(d)}ICMP6, ${TYPE_NAMES[type] ?? `unknown icmp6 type (${type})`}${detail}, length ${end - offset}`;
  if (type >= T.RouterSolicit && type <= T.Redirect) ndpOptions(l, b, body, end);
  return next;
};

function netPrefix(d: DissectContext): string {
  return d.net ? `${d.net.family} ${d.net.src} > ${d.net.dst}: ` : '';
}

/** tcpdump's detail: the unreachable destination, and for a port the upper-layer port. */
function unreachableDetail(b: Uint8Array, code: number, inv: number, end: number): string {
  if (code >= UNREACH_CODES.length) return `, unknown unreach code (${code})`;
  const text = `, ${UNREACH_CODES[code]}`;
  if (inv + IPV6_HEADER_LEN > end) return text;
  const dst = formatIpv6(ipv6At(b, inv + 24));
  if (code !== 4) return `${text} ${dst}`;
  // Only an upper-layer header right after the fixed IPv6 header is looked at.
  const nextHeader = b[inv + 6];
  const transport = inv + IPV6_HEADER_LEN;
  if ((nextHeader !== 6 && nextHeader !== 17) || transport + 4 > end) return `${text} ${dst}`;
  return `${text}, ${dst} ${nextHeader === 6 ? 'tcp' : 'udp'} port ${u16(b, transport + 2)}`;
}

/** RFC 4884: a non-zero first byte gives the invoking packet's length in 8-byte units. */
function originalLength(l: Layer, b: Uint8Array, o: number): void {
  if (b[o + 4] === 0) {
    add(l, 'icmpv6.reserved', bytesValue(b, o + 4, o + 8), o + 4, 4);
    return;
  }
  add(l, 'icmpv6.length', b[o + 4], o + 4, 1);
  add(l, 'icmpv6.reserved', bytesValue(b, o + 5, o + 8), o + 5, 3);
}

function routerAdvert(l: Layer, p: Icmpv6Packet, o: number): void {
  const f = p.raFlags;
  add(l, 'icmpv6.nd.ra.cur_hop_limit', p.hopLimit, o + 4, 1);
  add(l, 'icmpv6.nd.ra.flag', hexNum(f, 2), o + 5, 1);
  add(l, 'icmpv6.nd.ra.flag.m', (f & 0x80) !== 0, o + 5, 1);
  add(l, 'icmpv6.nd.ra.flag.o', (f & 0x40) !== 0, o + 5, 1);
  add(l, 'icmpv6.nd.ra.flag.h', (f & 0x20) !== 0, o + 5, 1);
  add(l, 'icmpv6.nd.ra.flag.prf', (f >>> 3) & 3, o + 5, 1);
  add(l, 'icmpv6.nd.ra.flag.p', (f & 0x04) !== 0, o + 5, 1);
  add(l, 'icmpv6.nd.ra.flag.rsv', f & 0x03, o + 5, 1);
  add(l, 'icmpv6.nd.ra.router_lifetime', p.routerLifetime, o + 6, 2);
  add(l, 'icmpv6.nd.ra.reachable_time', p.reachableTime, o + 8, 4);
  add(l, 'icmpv6.nd.ra.retrans_timer', p.retransTimer, o + 12, 4);
}

function neighborAdvertFlags(l: Layer, p: Icmpv6Packet, o: number): void {
  const f = p.naFlags;
  add(l, 'icmpv6.nd.na.flag', hexNum(f, 8), o + 4, 4);
  add(l, 'icmpv6.nd.na.flag.r', p.router, o + 4, 4);
  add(l, 'icmpv6.nd.na.flag.s', p.solicited, o + 4, 4);
  add(l, 'icmpv6.nd.na.flag.o', p.override, o + 4, 4);
  add(l, 'icmpv6.nd.na.flag.rsv', f & 0x1fff_ffff, o + 4, 4);
}

function ndpOptions(l: Layer, b: Uint8Array, start: number, end: number): void {
  walkNdpOptions(b, start, end, (type, at, len) => {
    add(l, 'icmpv6.opt.type', type, at, 1);
    add(l, 'icmpv6.opt.length', len / 8, at + 1, 1);
    if ((type === NdpOptionType.SourceLinkAddr || type === NdpOptionType.TargetLinkAddr) && len === 8) {
      const mac = bytesValue(b, at + 2, at + 8);
      add(l, 'icmpv6.opt.linkaddr', mac, at + 2, 6);
      add(l, type === NdpOptionType.SourceLinkAddr ? 'icmpv6.opt.src_linkaddr' : 'icmpv6.opt.target_linkaddr', mac, at + 2, 6);
    } else if (type === NdpOptionType.PrefixInfo) {
      // Wireshark reads 32 bytes whatever the length says and gives up on the message when they run out.
      if (len !== 32) throw new FrameError('bad-length', 'icmpv6', at + 1, `prefix information option has ${len} bytes, not 32`);
      const f = b[at + 3];
      add(l, 'icmpv6.opt.prefix.length', b[at + 2], at + 2, 1);
      add(l, 'icmpv6.opt.prefix.flag', hexNum(f, 2), at + 3, 1);
      add(l, 'icmpv6.opt.prefix.flag.l', (f & 0x80) !== 0, at + 3, 1);
      add(l, 'icmpv6.opt.prefix.flag.a', (f & 0x40) !== 0, at + 3, 1);
      add(l, 'icmpv6.opt.prefix.flag.r', (f & 0x20) !== 0, at + 3, 1);
      add(l, 'icmpv6.opt.prefix.flag.reserved', f & 0x1f, at + 3, 1);
      add(l, 'icmpv6.opt.prefix.valid_lifetime', u32(b, at + 4), at + 4, 4);
      add(l, 'icmpv6.opt.prefix.preferred_lifetime', u32(b, at + 8), at + 8, 4);
      add(l, 'icmpv6.opt.prefix', formatIpv6(ipv6At(b, at + 16)), at + 16, 16);
    } else if (type === NdpOptionType.Mtu && len === 8) {
      add(l, 'icmpv6.opt.mtu', u32(b, at + 4), at + 4, 4);
    }
  });
}
