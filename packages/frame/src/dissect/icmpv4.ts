import { formatIpv4 } from '../address/ipv4.js';
import { u16, u32 } from '../bytes.js';
import { ICMPV4_HEADER_LEN, Icmpv4Packet, Icmpv4Type, Icmpv4Unreachable } from '../proto/icmpv4.js';
import { IpProtocol } from '../proto/ipv4.js';
import { add, bytesValue, type DissectContext, type Dissector, hexNum, type Layer, type Next } from './context.js';

/**
 * ICMP for IPv4. Error messages quote the offending datagram, usually cut short; Wireshark
 * dissects that quote as a nested IP packet, which the layer chain here cannot express, so it
 * is read only for the summary and no fields are reported for it.
 */
export const dissectIcmpv4: Dissector = (d, b, offset, end) => {
  const p = Icmpv4Packet.checked(b, offset, end - offset);
  const { type, code } = p;
  const l = d.begin('icmp', 'Internet Control Message Protocol', offset, end - offset);
  add(l, 'icmp.type', type, offset, 1);
  add(l, 'icmp.code', code, offset + 1, 1);
  add(l, 'icmp.checksum', hexNum(p.checksum, 4), offset + 2, 2);
  let next: Next | undefined;
  switch (type) {
    case Icmpv4Type.EchoRequest:
    case Icmpv4Type.EchoReply:
      addIdentSeq(l, p);
      l.length = ICMPV4_HEADER_LEN;
      if (p.payloadLen > 0 && !mayBeTimestamp(b, p.payloadOffset, end)) next = { protocol: 'data', offset: p.payloadOffset, end };
      break;
    case Icmpv4Type.DestUnreachable:
    case Icmpv4Type.TimeExceeded:
    case Icmpv4Type.ParameterProblem:
      addErrorWord(l, p);
      break;
    case Icmpv4Type.Redirect:
      add(l, 'icmp.redir_gw', formatIpv4(p.gateway), offset + 4, 4);
      break;
    case Icmpv4Type.Timestamp:
    case Icmpv4Type.TimestampReply:
      addIdentSeq(l, p);
      if (p.length >= ICMPV4_HEADER_LEN + 12) {
        add(l, 'icmp.originate_timestamp', u32(b, offset + 8), offset + 8, 4);
        add(l, 'icmp.receive_timestamp', u32(b, offset + 12), offset + 12, 4);
        add(l, 'icmp.transmit_timestamp', u32(b, offset + 16), offset + 16, 4);
      }
      break;
    case Icmpv4Type.InfoRequest:
    case Icmpv4Type.InfoReply:
      addIdentSeq(l, p);
      break;
    case Icmpv4Type.AddressMaskRequest:
    case Icmpv4Type.AddressMaskReply:
      addIdentSeq(l, p);
      if (p.length >= ICMPV4_HEADER_LEN + 4) add(l, 'icmp.address_mask', formatIpv4(u32(b, offset + 8)), offset + 8, 4);
      break;
  }
  d.summary = `${netPrefix(d)}ICMP ${describe(p, b)}, length ${p.length}`;
  return next;
};

function addIdentSeq(l: Layer, p: Icmpv4Packet): void {
  add(l, 'icmp.ident', p.identifier, p.offset + 4, 2);
  add(l, 'icmp.seq', p.sequence, p.offset + 6, 2);
}

/**
 * The second word of destination unreachable, time exceeded and parameter problem. With a
 * nonzero byte 5 it carries the RFC 4884 length of the quoted datagram, and Wireshark then
 * splits the unused bytes around it; those split pieces are left out.
 */
function addErrorWord(l: Layer, p: Icmpv4Packet): void {
  const at = p.offset + 4;
  const b = p.bytes;
  const words = b[at + 1];
  const needFrag = p.type === Icmpv4Type.DestUnreachable && p.code === Icmpv4Unreachable.FragmentationNeeded;
  if (p.type === Icmpv4Type.ParameterProblem) add(l, 'icmp.pointer', b[at], at, 1);
  if (words > 0) {
    if (needFrag) add(l, 'icmp.unused', bytesValue(b, at, at + 1), at, 1);
    add(l, 'icmp.length', words, at + 1, 1);
    add(l, 'icmp.length.original_datagram', words * 4, at + 1, 1);
    if (p.type === Icmpv4Type.ParameterProblem) add(l, 'icmp.unused', bytesValue(b, at + 2, at + 4), at + 2, 2);
  } else if (p.type === Icmpv4Type.ParameterProblem) {
    add(l, 'icmp.unused', bytesValue(b, at + 1, at + 4), at + 1, 3);
  } else {
    const unusedLen = needFrag ? 2 : 4;
    add(l, 'icmp.unused', bytesValue(b, at, at + unusedLen), at, unusedLen);
  }
  if (needFrag) add(l, 'icmp.mtu', p.nextHopMtu, at + 2, 2);
}

/**
 * Wireshark reads the first 8 bytes of echo data as a timeval when they look like one within
 * a day of the capture time, and then shows only the rest as data. Without the capture time
 * that cannot be decided, so data that could be a timeval (microseconds below a million, in
 * either byte order) is not reported rather than reported wrongly.
 */
function mayBeTimestamp(b: Uint8Array, start: number, end: number): boolean {
  if (end - start < 8) return false;
  const usecBigEndian = u32(b, start + 4);
  const usecLittleEndian = (b[start + 4] | (b[start + 5] << 8) | (b[start + 6] << 16) | (b[start + 7] << 24)) >>> 0;
  return usecBigEndian < 1_000_000 || usecLittleEndian < 1_000_000;
}

function netPrefix(d: DissectContext): string {
  const n = d.net;
  return n ? `${n.family} ${n.src} > ${n.dst}: ` : '';
}

// tcpdump's wording for destination unreachable; `%` stands for the quoted destination.
const UNREACHABLE: Record<number, string | undefined> = {
  [Icmpv4Unreachable.Net]: 'net % unreachable',
  [Icmpv4Unreachable.Host]: 'host % unreachable',
  [Icmpv4Unreachable.SourceRouteFailed]: '% unreachable - source route failed',
  [Icmpv4Unreachable.NetUnknown]: 'net % unreachable - unknown',
  [Icmpv4Unreachable.HostUnknown]: 'host % unreachable - unknown',
  [Icmpv4Unreachable.HostIsolated]: '% unreachable - source host isolated',
  [Icmpv4Unreachable.NetProhibited]: 'net % unreachable - admin prohibited',
  [Icmpv4Unreachable.HostProhibited]: 'host % unreachable - admin prohibited',
  [Icmpv4Unreachable.NetTos]: 'net % unreachable - tos prohibited',
  [Icmpv4Unreachable.HostTos]: 'host % unreachable - tos prohibited',
  [Icmpv4Unreachable.AdminProhibited]: 'host % unreachable - admin prohibited filter',
  [Icmpv4Unreachable.HostPrecedence]: 'host % unreachable - host precedence violation',
  [Icmpv4Unreachable.PrecedenceCutoff]: 'host % unreachable - precedence cutoff',
};

const TYPE_NAMES: Record<number, string | undefined> = {
  [Icmpv4Type.SourceQuench]: 'source quench',
  [Icmpv4Type.RouterSolicitation]: 'router solicitation',
  [Icmpv4Type.RouterAdvertisement]: 'router advertisement',
  [Icmpv4Type.InfoRequest]: 'information request',
  [Icmpv4Type.InfoReply]: 'information reply',
  [Icmpv4Type.AddressMaskRequest]: 'address mask request',
};

const REDIRECT_TARGETS = ['net', 'host', 'net', 'host'];

/** The summary after "ICMP ", in tcpdump's words. */
function describe(p: Icmpv4Packet, b: Uint8Array): string {
  const { type, code } = p;
  const o = p.offset;
  switch (type) {
    case Icmpv4Type.EchoRequest:
    case Icmpv4Type.EchoReply:
      return `echo ${type === Icmpv4Type.EchoRequest ? 'request' : 'reply'}, id ${p.identifier}, seq ${p.sequence}`;
    case Icmpv4Type.DestUnreachable:
      return describeUnreachable(p, b);
    case Icmpv4Type.Redirect: {
      const dst = quotedDst(p, b) ?? '?';
      const gw = formatIpv4(p.gateway);
      if (code > 3) return `redirect-#${code} ${dst} to ${gw}`;
      return `redirect${code >= 2 ? '-tos' : ''} ${dst} to ${REDIRECT_TARGETS[code]} ${gw}`;
    }
    case Icmpv4Type.TimeExceeded:
      if (code === 0) return 'time exceeded in-transit';
      if (code === 1) return 'ip reassembly time exceeded';
      return `time exceeded-#${code}`;
    case Icmpv4Type.ParameterProblem:
      return code === 0 ? `parameter problem - octet ${b[o + 4]}` : `parameter problem - code ${code}`;
    case Icmpv4Type.Timestamp:
      return `time stamp query id ${p.identifier} seq ${p.sequence}`;
    case Icmpv4Type.TimestampReply:
      return `time stamp reply id ${p.identifier} seq ${p.sequence}`;
    case Icmpv4Type.AddressMaskReply:
      return p.length >= ICMPV4_HEADER_LEN + 4 ? `address mask is ${hexNum(u32(b, o + 8), 8)}` : 'address mask reply';
    default:
      return TYPE_NAMES[type] ?? `type-#${type}`;
  }
}

function describeUnreachable(p: Icmpv4Packet, b: Uint8Array): string {
  const dst = quotedDst(p, b);
  if (dst === undefined) return `unreachable - #${p.code}`;
  const q = p.payloadOffset;
  switch (p.code) {
    case Icmpv4Unreachable.Protocol:
      return `${dst} protocol ${b[q + 9]} unreachable`;
    case Icmpv4Unreachable.Port: {
      const proto = b[q + 9];
      const ports = q + (b[q] & 0x0f) * 4;
      if (ports + 4 > p.offset + p.length) return `${dst} protocol ${proto} port unreachable`;
      const dport = u16(b, ports + 2);
      if (proto === IpProtocol.TCP) return `${dst} tcp port ${dport} unreachable`;
      if (proto === IpProtocol.UDP) return `${dst} udp port ${dport} unreachable`;
      return `${dst} protocol ${proto} port ${dport} unreachable`;
    }
    case Icmpv4Unreachable.FragmentationNeeded: {
      const mtu = p.nextHopMtu;
      return `${dst} unreachable - need to frag${mtu ? ` (mtu ${mtu})` : ''}`;
    }
    default:
      return UNREACHABLE[p.code]?.replace('%', dst) ?? `${dst} unreachable - #${p.code}`;
  }
}

/** The destination of the quoted datagram, when its fixed IP header is there. */
function quotedDst(p: Icmpv4Packet, b: Uint8Array): string | undefined {
  const q = p.payloadOffset;
  return p.payloadLen >= 20 ? formatIpv4(u32(b, q + 16)) : undefined;
}
