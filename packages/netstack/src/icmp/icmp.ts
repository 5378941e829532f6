/**
 * ICMP for IPv4 (RFC 792, RFC 1122 §3.2.2): answers echo requests, reports echo replies and the
 * errors that quote our requests to their listeners, sends echo requests for `ping`, and sends
 * destination unreachable and time exceeded — never about an ICMP error, a non-first fragment
 * or a broadcast, and through the rate limiter unless the error goes to the host itself.
 *
 * An echo request becomes its reply in place: copied once into the send buffer, the type
 * rewritten and the checksum patched (RFC 1624), with no allocation.
 */
import {
  ICMPV4_HEADER_LEN,
  Icmpv4Packet,
  Icmpv4TimeExceeded,
  Icmpv4Type,
  Icmpv4Unreachable,
  IPV4_HEADER_LEN,
  IpProtocol,
  Ipv4,
  Ipv4Packet,
  type Ipv4Repr,
  internetChecksum,
  isMulticastIpv4,
  updateChecksum16,
  verifyChecksum,
} from '@vnet/frame';
import { dst32, src32 } from '../addr32.js';
import { copyBytes } from '../bytes.js';

import type { Core } from '../core.js';
import type { Interface } from '../iface/interface.js';
import type { Route } from '../iface/route-table.js';
import { HEADROOM, PAYLOAD_AT } from '../layout.js';
import type { SendStatus } from '../protocol.js';
import { RxDrop, TxDrop } from '../stats.js';

/** RFC 1812 §4.3.2.3: an error holds as much of the datagram as fits in 576 bytes. */
const MAX_QUOTE = 576 - IPV4_HEADER_LEN - ICMPV4_HEADER_LEN;
/** Redirect datagrams for the host (RFC 792 code 1), the code Linux sends. */
const REDIRECT_HOST = 1;
/** Linux: errors carry the original TOS bits with precedence "internetwork control". */
const TOS_MASK = 0x1e;
const PREC_INTERNETCONTROL = 0xc0;

export interface PingRequest {
  id: number;
  seq: number;
  size: number;
  ttl: number;
  tos: number;
  df: boolean;
  src: number;
}

export class IcmpLayer {
  private readonly msg = new Icmpv4Packet();
  private readonly out = new Icmpv4Packet();
  private readonly quote = new Ipv4Packet();
  private readonly inner = new Icmpv4Packet();
  private readonly orig = new Ipv4Packet();
  private readonly repr: Ipv4Repr = {
    dscp: 0,
    ecn: 0,
    identification: 0,
    reservedFlag: false,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: IpProtocol.ICMP,
    src: 0,
    dst: 0,
    options: new Uint8Array(0),
    payloadLen: 0,
  };

  constructor(private readonly core: Core) {}

  /** An ICMP message in the datagram `ip`, received on `iface`; returns a drop reason, or nothing when it was taken. */
  input(ip: Ipv4Packet, broadcast: boolean, iface: Interface): string | undefined {
    const st = this.core.stats.icmp;
    st.InMsgs++;
    const len = ip.payloadLen;
    if (len < ICMPV4_HEADER_LEN) {
      st.InErrors++;
      return RxDrop.IcmpTruncated;
    }
    const m = this.msg.reset(ip.bytes, ip.payloadOffset, len);
    if (!verifyChecksum(m.bytes, m.offset, m.offset + len)) {
      st.InCsumErrors++;
      st.InErrors++;
      return RxDrop.IcmpChecksum;
    }
    switch (m.type) {
      case Icmpv4Type.EchoRequest:
        st.InEchos++;
        if (broadcast && this.core.icmpOpts.echoIgnoreBroadcasts) return RxDrop.IcmpEchoBroadcast;
        this.echoReply(ip, m, broadcast);
        return undefined;
      case Icmpv4Type.EchoReply:
        st.InEchoReps++;
        return this.echoReplyIn(ip, m);
      case Icmpv4Type.DestUnreachable:
        st.InDestUnreachs++;
        return this.errorIn(ip, m);
      case Icmpv4Type.TimeExceeded:
        st.InTimeExcds++;
        return this.errorIn(ip, m);
      case Icmpv4Type.ParameterProblem:
        st.InParmProbs++;
        return RxDrop.IcmpIgnored;
      case Icmpv4Type.Redirect:
        st.InRedirects++;
        return this.redirectIn(ip, m, broadcast, iface);
      default:
        return RxDrop.IcmpIgnored;
    }
  }

  /** Builds and sends an echo request; the first 8 data bytes carry the send time (seconds, microseconds). */
  ping(dst: number, r: PingRequest): SendStatus {
    const core = this.core;
    const len = ICMPV4_HEADER_LEN + r.size;
    const buf = core.txFor(IPV4_HEADER_LEN + len);
    const m = this.out.reset(buf, PAYLOAD_AT, len);
    m.type = Icmpv4Type.EchoRequest;
    m.code = 0;
    m.identifier = r.id;
    m.sequence = r.seq;
    const data = PAYLOAD_AT + ICMPV4_HEADER_LEN;
    let i = 0;
    if (r.size >= 8) {
      const sec = Math.floor(core.now / 1000);
      const usec = Math.round((core.now - sec * 1000) * 1000);
      writeU32(buf, data, sec);
      writeU32(buf, data + 4, usec);
      i = 8;
    }
    for (; i < r.size; i++) buf[data + i] = i;
    m.checksum = 0;
    m.checksum = internetChecksum(buf, PAYLOAD_AT, PAYLOAD_AT + len);
    core.stats.icmp.OutMsgs++;
    core.stats.icmp.OutEchos++;
    return core.tx.sendBuilt(dst, r.src, IpProtocol.ICMP, r.ttl, r.tos, r.df, len);
  }

  // ---- errors this host sends ----

  timeExceeded(buf: Uint8Array, off: number, len: number): void {
    this.error(buf, off, len, Icmpv4Type.TimeExceeded, Icmpv4TimeExceeded.TtlExpired, 0);
  }
  reassemblyTimeout(buf: Uint8Array, off: number, len: number): void {
    this.error(buf, off, len, Icmpv4Type.TimeExceeded, Icmpv4TimeExceeded.ReassemblyTimeout, 0);
  }
  netUnreachable(buf: Uint8Array, off: number, len: number): void {
    this.error(buf, off, len, Icmpv4Type.DestUnreachable, Icmpv4Unreachable.Net, 0);
  }
  hostUnreachable(buf: Uint8Array, off: number, len: number): void {
    this.error(buf, off, len, Icmpv4Type.DestUnreachable, Icmpv4Unreachable.Host, 0);
  }
  protocolUnreachable(buf: Uint8Array, off: number, len: number): void {
    this.error(buf, off, len, Icmpv4Type.DestUnreachable, Icmpv4Unreachable.Protocol, 0);
  }
  fragmentationNeeded(buf: Uint8Array, off: number, len: number, mtu: number): void {
    this.error(buf, off, len, Icmpv4Type.DestUnreachable, Icmpv4Unreachable.FragmentationNeeded, mtu);
  }
  /** RFC 1812 §5.2.7.2: tells the source of a datagram being forwarded that `gateway` (int32), on its link, is the better next hop. */
  redirect(buf: Uint8Array, off: number, len: number, gateway: number): void {
    this.error(buf, off, len, Icmpv4Type.Redirect, REDIRECT_HOST, gateway);
  }

  /**
   * Sends an ICMP error about the datagram at `buf[off, off + len)` to its source, from the
   * address it was sent to when it was for us, else from our address towards the source.
   * `rest` is the message's second word: the next-hop MTU of fragmentation-needed, a
   * redirect's gateway, else 0.
   */
  error(buf: Uint8Array, off: number, len: number, type: number, code: number, rest: number): void {
    const core = this.core;
    if (len < IPV4_HEADER_LEN) return;
    const o = this.orig.reset(buf, off);
    const hl = o.headerLen;
    if (o.fragmentOffset !== 0 || hl < IPV4_HEADER_LEN || hl > len) return;
    const src = src32(o);
    const dst = dst32(o);
    if (src === 0 || isMulticastIpv4(src) || core.isBroadcast(src)) return;
    if (isMulticastIpv4(dst) || core.isBroadcast(dst)) return;
    if (o.protocol === IpProtocol.ICMP && (len <= hl || !isQuery(buf[off + hl]))) return;
    const toUs = core.isLocal(src);
    let route: Route | undefined;
    if (!toUs) {
      if (!core.rateLimit.allow(src, core.now)) return;
      route = core.routes.find(src);
      if (route === undefined) {
        core.stats.ip.OutNoRoutes++;
        core.txDrop(undefined, TxDrop.NoRoute);
        return;
      }
    }
    const from = core.isLocal(dst) ? dst : route === undefined ? src : core.routes.sourceFor(route, src);
    const tos = (o.tos & TOS_MASK) | PREC_INTERNETCONTROL;

    const quoteLen = Math.min(len, MAX_QUOTE);
    const out = core.icmpBuf;
    const icmpLen = ICMPV4_HEADER_LEN + quoteLen;
    copyBytes(buf, off, out, PAYLOAD_AT + ICMPV4_HEADER_LEN, quoteLen);
    const m = this.out.reset(out, PAYLOAD_AT, icmpLen);
    m.type = type;
    m.code = code;
    m.rest = rest;
    m.checksum = 0;
    m.checksum = internetChecksum(out, PAYLOAD_AT, PAYLOAD_AT + icmpLen);

    const r = this.repr;
    r.identification = core.tx.nextId();
    r.dscp = tos >>> 2;
    r.ecn = tos & 3;
    r.ttl = core.defaultTtl;
    r.src = from;
    r.dst = src;
    r.payloadLen = icmpLen;
    Ipv4.emit(r, out, HEADROOM);

    const st = core.stats.icmp;
    st.OutMsgs++;
    if (type === Icmpv4Type.DestUnreachable) st.OutDestUnreachs++;
    else if (type === Icmpv4Type.Redirect) st.OutRedirects++;
    else st.OutTimeExcds++;
    core.tx.output(out, HEADROOM, IPV4_HEADER_LEN + icmpLen);
  }

  // ---- what comes in ----

  private echoReply(ip: Ipv4Packet, m: Icmpv4Packet, broadcast: boolean): void {
    const core = this.core;
    const to = src32(ip);
    const from = broadcast ? 0 : dst32(ip);
    const tos = ip.tos;
    const len = m.length;
    const code = m.code;
    const buf = core.txFor(IPV4_HEADER_LEN + len);
    copyBytes(m.bytes, m.offset, buf, PAYLOAD_AT, len);
    const r = this.out.reset(buf, PAYLOAD_AT, len);
    r.type = Icmpv4Type.EchoReply;
    r.checksum = updateChecksum16(r.checksum, (Icmpv4Type.EchoRequest << 8) | code, (Icmpv4Type.EchoReply << 8) | code);
    core.stats.icmp.OutMsgs++;
    core.stats.icmp.OutEchoReps++;
    core.tx.sendBuilt(to, from, IpProtocol.ICMP, core.defaultTtl, tos, false, len);
  }

  private echoReplyIn(ip: Ipv4Packet, m: Icmpv4Packet): string | undefined {
    let rtt: number | undefined;
    if (m.payloadLen >= 8) {
      const b = m.bytes;
      const d = m.payloadOffset;
      rtt = this.core.now - (readU32(b, d) * 1000 + readU32(b, d + 4) / 1000);
    }
    return this.core.echo.report('reply', m.identifier, m.sequence, src32(ip), m.length, ip.ttl, rtt, 0, 0);
  }

  /**
   * A redirect (RFC 1122 §3.2.2.2, as Linux checks it): followed only when accepting them, when
   * it comes from the gateway this host now uses for the quoted destination, on that route's
   * interface, and names another gateway on the same link; then a host route via the new
   * gateway is cached for `redirectTimeoutMs`. Every code is taken as a host redirect, as Linux.
   */
  private redirectIn(ip: Ipv4Packet, m: Icmpv4Packet, broadcast: boolean, iface: Interface): string | undefined {
    const core = this.core;
    if (!core.acceptsRedirects) return RxDrop.IcmpIgnored;
    const qLen = m.payloadLen;
    const q = this.quote.reset(m.bytes, m.payloadOffset);
    if (qLen < IPV4_HEADER_LEN || q.version !== 4 || q.headerLen < IPV4_HEADER_LEN || q.headerLen > qLen) {
      core.stats.icmp.InErrors++;
      return RxDrop.IcmpTruncated;
    }
    if (m.code > 3 || broadcast || iface.loopback) return RxDrop.RedirectRejected;
    const target = dst32(q);
    const from = src32(ip);
    const gw = m.rest | 0;
    if (isMulticastIpv4(target) || core.isBroadcast(target) || core.isLocal(target)) return RxDrop.RedirectRejected;
    const route = core.routes.find(target);
    if (route === undefined || route.iface !== iface || route.via32 !== from) return RxDrop.RedirectRejected;
    if (gw === from || gw === 0 || isMulticastIpv4(gw) || core.isBroadcast(gw) || core.isLocal(gw) || !iface.inSubnet(gw)) {
      return RxDrop.RedirectRejected;
    }
    const expires = core.now + core.icmpOpts.redirectTimeoutMs;
    core.routes.addRedirect(target, gw, iface, expires);
    core.noteDeadline(expires);
    return undefined;
  }

  /** An error: find the datagram it quotes and tell whoever sent it. */
  private errorIn(ip: Ipv4Packet, m: Icmpv4Packet): string | undefined {
    const st = this.core.stats.icmp;
    const qOff = m.payloadOffset;
    const qLen = m.payloadLen;
    const q = this.quote.reset(m.bytes, qOff);
    if (qLen < IPV4_HEADER_LEN + 8 || q.version !== 4 || q.headerLen < IPV4_HEADER_LEN || q.headerLen + 8 > qLen) {
      st.InErrors++;
      return RxDrop.IcmpTruncated;
    }
    const mtu = m.type === Icmpv4Type.DestUnreachable && m.code === Icmpv4Unreachable.FragmentationNeeded ? m.nextHopMtu : 0;
    if (q.protocol === IpProtocol.ICMP) {
      const inner = this.inner.reset(m.bytes, qOff + q.headerLen, 8);
      if (inner.type !== Icmpv4Type.EchoRequest) return RxDrop.IcmpNoListener;
      const kind = m.type === Icmpv4Type.TimeExceeded ? 'time-exceeded' : 'unreachable';
      return this.core.echo.report(kind, inner.identifier, inner.sequence, src32(ip), m.length, 0, undefined, m.code, mtu);
    }
    const handler = this.core.protocols[q.protocol];
    if (handler?.error === undefined) return RxDrop.IcmpNoListener;
    handler.error(m.type, m.code, ip.src, q, qLen, mtu);
    return undefined;
  }
}

/** Informational ICMP types, about which errors may be sent (never about errors: RFC 1122 §3.2.2). */
function isQuery(type: number): boolean {
  return (
    type === Icmpv4Type.EchoRequest ||
    type === Icmpv4Type.EchoReply ||
    type === Icmpv4Type.Timestamp ||
    type === Icmpv4Type.TimestampReply ||
    type === Icmpv4Type.InfoRequest ||
    type === Icmpv4Type.InfoReply ||
    type === Icmpv4Type.AddressMaskRequest ||
    type === Icmpv4Type.AddressMaskReply ||
    type === Icmpv4Type.RouterAdvertisement ||
    type === Icmpv4Type.RouterSolicitation
  );
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

function readU32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
