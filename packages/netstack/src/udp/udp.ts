/**
 * UDP (RFC 768, RFC 1122 §4.1) over the stack's IPv4: the socket table by port, datagram input
 * and output, and the ICMP errors that quote what a socket sent.
 *
 * Design, after Linux's udp.c: sockets hang off a map by local port; a unicast datagram goes to
 * the socket that matches it best (a connected socket before an unconnected one, a bound
 * address before any), a broadcast or multicast one to every socket bound to any address (or
 * that group) on its port. Checksums are computed on output and verified on input, where zero
 * means none (IPv4 only), except through interfaces with checksum offload (loopback among them),
 * where none is computed and what arrives is trusted. A datagram for a port nobody holds gets
 * ICMP port unreachable, unless it was broadcast. Counters are Linux's `Udp:` line of /proc/net/snmp.
 *
 * Why it allocates nothing per datagram: the header is read straight from the bytes, the port
 * lookup is a Map of small-integer keys, addresses stay int32 inside (see addr32.ts), and the
 * payload reaches `onMessage` as the received buffer itself. On output the datagram is built in
 * place after the IP header's room in `core.txBuf` and handed to `sendBuilt`. A socket list is
 * replaced, never changed in place, when sockets come and go, so a handler that binds or closes
 * during a broadcast delivery cannot upset it.
 */
import {
  formatIpv4,
  Icmpv4Type,
  Icmpv4Unreachable,
  IPV4_HEADER_LEN,
  IpProtocol,
  type Ipv4Address,
  type Ipv4Packet,
  internetChecksum,
  isMulticastIpv4,
  pseudoHeaderSum4,
  UDP_HEADER_LEN,
  verifyChecksum,
} from '@vnet/frame';
import { dst32, src32 } from '../addr32.js';
import { checkInt, ipv4Of } from '../address.js';
import { copyBytes } from '../bytes.js';
import type { Core } from '../core.js';
import { NetstackError } from '../errors.js';
import { PAYLOAD_AT } from '../layout.js';
import type { ProtocolHandler, SendStatus } from '../protocol.js';
import { RxDrop } from '../stats.js';
import { type UdpBindOptions, type UdpErrno, UdpSocket, type UdpSocketInfo, type UdpSockets } from './socket.js';

/** Linux's `ip_local_port_range` default. */
export const EPHEMERAL_FIRST = 32768;
export const EPHEMERAL_LAST = 60999;

export class UdpLayer implements ProtocolHandler, UdpSockets {
  private readonly byPort = new Map<number, UdpSocket[]>();

  constructor(private readonly core: Core) {}

  // ---- the socket table ----

  bind(opts: UdpBindOptions = {}): UdpSocket {
    const core = this.live();
    let addr = 0;
    let src = 0;
    if (opts.address !== undefined) {
      addr = ipv4Of(opts.address, 'UDP bind address') | 0;
      if (core.isLocal(addr)) src = addr;
      else if (addr !== 0 && !core.isBroadcast(addr) && !isMulticastIpv4(addr)) {
        throw new NetstackError(
          'no-such-address',
          `cannot bind to ${formatAddr(addr)}: it is not an address of this host (EADDRNOTAVAIL); bind to one of its addresses or to 0.0.0.0`,
        );
      }
    }
    const reuse = opts.reuseAddr ?? false;
    let port = checkInt(opts.port ?? 0, 0, 0xffff, 'UDP port');
    if (port === 0) port = this.ephemeral();
    else {
      const other = this.conflict(port, addr, reuse);
      if (other !== undefined) {
        throw new NetstackError(
          'in-use',
          `UDP port ${port} is already bound on ${formatAddr(other.local32)} (EADDRINUSE); close that socket, pick another port ` +
            '(0 for an ephemeral one), or set reuseAddr on both sockets',
        );
      }
    }
    const s = new UdpSocket(this, port, addr, src, opts, core.defaultTtl);
    const list = this.byPort.get(port);
    this.byPort.set(port, list === undefined ? [s] : [...list, s]);
    return s;
  }

  sockets(): UdpSocketInfo[] {
    const ports = [...this.byPort.keys()].sort((a, b) => a - b);
    const out: UdpSocketInfo[] = [];
    for (const p of ports) for (const s of this.byPort.get(p)!) out.push(s.info());
    return out;
  }

  /** @internal `socket.close()`. */
  release(s: UdpSocket): void {
    s.dead = true;
    const list = this.byPort.get(s.port);
    if (list === undefined) return;
    const rest = list.filter((x) => x !== s);
    if (rest.length === 0) this.byPort.delete(s.port);
    else this.byPort.set(s.port, rest);
  }

  /** @internal `socket.connect()`: Linux's ip4_datagram_connect. */
  connect(s: UdpSocket, dst: number, port: number): void {
    const core = this.live();
    if (!s.broadcast && core.isBroadcast(dst)) throw broadcastRefused(dst);
    let src = s.src32;
    if (src === 0) {
      if (core.isLocal(dst)) src = dst;
      else {
        const route = core.routes.find(dst);
        if (route === undefined) {
          throw new NetstackError('network-unreachable', `no route to ${formatAddr(dst)} (ENETUNREACH); add one with routes.add`);
        }
        src = core.routes.sourceFor(route, dst);
      }
    }
    if (s.src32 === 0) s.src32 = src;
    if (s.local32 === 0) s.local32 = src;
    s.remote32 = dst;
    s.rport = port;
  }

  /** @internal `socket.disconnect()`: Linux's udp_disconnect. */
  disconnect(s: UdpSocket): void {
    this.live();
    s.remote32 = 0;
    s.rport = 0;
    if (s.bound32 === 0) {
      s.local32 = 0;
      s.src32 = 0;
    }
  }

  /** Stack close: every socket is closed. */
  close(): void {
    for (const list of this.byPort.values()) for (const s of list) s.dead = true;
    this.byPort.clear();
  }

  // ---- output ----

  /** @internal Builds the datagram in the send buffer and sends it; `dst` is an int32. */
  send(s: UdpSocket, data: Uint8Array, offset: number, length: number, dst: number, dport: number): SendStatus {
    const core = this.live();
    if (!s.broadcast && core.isBroadcast(dst)) throw broadcastRefused(dst);
    const st = core.stats.udp;
    const ulen = UDP_HEADER_LEN + length;
    core.begin();
    try {
      // The checksum covers the source address, so it is chosen here as sendBuilt would, and
      // the route tells whether the egress interface offloads checksums.
      let src = s.src32;
      let offload: boolean;
      if (core.isLocal(dst)) {
        if (src === 0) src = dst;
        offload = core.lo.checksumOffload;
      } else {
        const route = core.routes.find(dst);
        // No route: sendBuilt finds none either, counts it and says so; nothing is built.
        if (route === undefined) return core.tx.sendBuilt(dst, src, IpProtocol.UDP, s.ttl, s.tos, false, ulen);
        if (src === 0) src = core.routes.sourceFor(route, dst);
        offload = route.iface.checksumOffload;
      }
      const buf = core.txFor(IPV4_HEADER_LEN + ulen);
      const o = PAYLOAD_AT;
      // A whole array goes by memcpy; `set` of a part would need a subarray view, an allocation.
      if (offset === 0 && length === data.length) buf.set(data, o + UDP_HEADER_LEN);
      else copyBytes(data, offset, buf, o + UDP_HEADER_LEN, length);
      const sport = s.port;
      buf[o] = sport >>> 8;
      buf[o + 1] = sport;
      buf[o + 2] = dport >>> 8;
      buf[o + 3] = dport;
      buf[o + 4] = ulen >>> 8;
      buf[o + 5] = ulen;
      buf[o + 6] = 0;
      buf[o + 7] = 0;
      // With checksum offload the field stays 0, "no checksum", which any receiver accepts; else
      // a computed 0 goes out as 0xffff (RFC 768).
      if (!offload) {
        const c = internetChecksum(buf, o, o + ulen, pseudoHeaderSum4(src, dst, IpProtocol.UDP, ulen)) || 0xffff;
        buf[o + 6] = c >>> 8;
        buf[o + 7] = c;
      }
      const status = core.tx.sendBuilt(dst, src, IpProtocol.UDP, s.ttl, s.tos, false, ulen);
      if (status === 'sent' || status === 'queued' || status === 'local') st.OutDatagrams++;
      else if (status === 'dropped') st.SndbufErrors++;
      return status;
    } finally {
      core.end();
    }
  }

  // ---- input ----

  input(ip: Ipv4Packet, ifindex: number, broadcast: boolean): string | undefined {
    const st = this.core.stats.udp;
    const b = ip.bytes;
    const off = ip.payloadOffset;
    const len = ip.payloadLen;
    if (len < UDP_HEADER_LEN) {
      st.InErrors++;
      return RxDrop.UdpTruncated;
    }
    // A length below the IP payload's is allowed (what follows is ignored); above it is not.
    const ulen = (b[off + 4] << 8) | b[off + 5];
    if (ulen < UDP_HEADER_LEN || ulen > len) {
      st.InErrors++;
      return RxDrop.UdpTruncated;
    }
    const src = src32(ip);
    const dst = dst32(ip);
    if (
      (b[off + 6] | b[off + 7]) !== 0 &&
      this.core.interfaceByIndex(ifindex)?.checksumOffload !== true &&
      !verifyChecksum(b, off, off + ulen, pseudoHeaderSum4(src, dst, IpProtocol.UDP, ulen))
    ) {
      st.InCsumErrors++;
      st.InErrors++;
      return RxDrop.UdpChecksum;
    }
    const sport = (b[off] << 8) | b[off + 1];
    const dport = (b[off + 2] << 8) | b[off + 3];
    const list = this.byPort.get(dport);
    if (broadcast) return this.multi(list, b, off + UDP_HEADER_LEN, ulen - UDP_HEADER_LEN, dst, src, sport);
    const s = list === undefined ? undefined : match(list, dst, src, sport);
    if (s === undefined) {
      st.NoPorts++;
      this.core.icmp.error(b, ip.offset, ip.totalLen, Icmpv4Type.DestUnreachable, Icmpv4Unreachable.Port, 0);
      return RxDrop.UdpNoPort;
    }
    return this.deliver(s, b, off + UDP_HEADER_LEN, ulen - UDP_HEADER_LEN, src, sport);
  }

  /** A broadcast or multicast datagram: to every socket on the port bound to any address or to `dst`. */
  private multi(
    list: UdpSocket[] | undefined,
    b: Uint8Array,
    off: number,
    len: number,
    dst: number,
    src: number,
    sport: number,
  ): string | undefined {
    let reason: string | undefined = RxDrop.UdpIgnoredMulti;
    let found = false;
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const s = list[i];
        if (s.dead || (s.local32 !== 0 && s.local32 !== dst)) continue;
        if (s.rport !== 0 && (s.remote32 !== src || s.rport !== sport)) continue;
        found = true;
        if (this.deliver(s, b, off, len, src, sport) === undefined) reason = undefined;
        else if (reason !== undefined) reason = RxDrop.UdpRcvbuf;
      }
    }
    if (!found) this.core.stats.udp.IgnoredMulti++;
    return reason;
  }

  private deliver(s: UdpSocket, b: Uint8Array, off: number, len: number, src: number, sport: number): string | undefined {
    const st = this.core.stats.udp;
    if (s.onMessage === undefined) {
      // Nobody reads this socket: its receive buffer is as good as full.
      st.RcvbufErrors++;
      st.InErrors++;
      return RxDrop.UdpRcvbuf;
    }
    st.InDatagrams++;
    s.onMessage(b, off, len, src >>> 0, sport);
    return undefined;
  }

  // ---- ICMP errors about datagrams sent ----

  error(type: number, code: number, from: Ipv4Address, quote: Ipv4Packet, _quoteLen: number, mtu: number): void {
    const b = quote.bytes;
    const u = quote.offset + quote.headerLen;
    const sport = (b[u] << 8) | b[u + 1];
    const dport = (b[u + 2] << 8) | b[u + 3];
    const list = this.byPort.get(sport);
    if (list === undefined) return;
    // The socket that would hear a reply: from the quoted destination to the quoted source.
    const remote = dst32(quote);
    const s = match(list, src32(quote), remote, dport);
    if (s === undefined || s.onError === undefined) return;
    let errno: UdpErrno = 'EHOSTUNREACH';
    let hard = false;
    if (type === Icmpv4Type.DestUnreachable) {
      if (code < UNREACH.length) {
        const e = UNREACH[code];
        errno = e[0];
        hard = e[1];
      }
    } else if (type === Icmpv4Type.ParameterProblem) {
      errno = 'EPROTO';
      hard = true;
    }
    // Linux's __udp4_lib_err: without IP_RECVERR only hard errors, and only for connected sockets.
    if (!s.recvErr && !(hard && s.rport !== 0)) return;
    s.onError(type, code, errno, remote >>> 0, dport, from >>> 0, mtu);
  }

  private live(): Core {
    if (this.core.closed) throw new NetstackError('closed', 'this stack was closed; create a new Stack');
    return this.core;
  }

  private ephemeral(): number {
    const range = EPHEMERAL_LAST - EPHEMERAL_FIRST + 1;
    const start = Math.floor(this.core.random() * range);
    for (let i = 0; i < range; i++) {
      const p = EPHEMERAL_FIRST + ((start + i) % range);
      if (!this.byPort.has(p)) return p;
    }
    throw new NetstackError(
      'in-use',
      `all ${range} ephemeral UDP ports (${EPHEMERAL_FIRST}-${EPHEMERAL_LAST}) are in use; close sockets or bind explicit ports`,
    );
  }

  /** A socket whose binding overlaps `addr:port` (either is any, or both are the same), unless both reuse. */
  private conflict(port: number, addr: number, reuse: boolean): UdpSocket | undefined {
    const list = this.byPort.get(port);
    if (list === undefined) return undefined;
    for (const s of list) {
      if ((s.local32 === 0 || addr === 0 || s.local32 === addr) && !(reuse && s.reuseAddr)) return s;
    }
    return undefined;
  }
}

/**
 * The socket on a port that should hear a datagram from `src:sport` to `dst` (int32s): a
 * connected socket must match its peer, a bound address must match `dst`; each match scores,
 * and the best wins (the first of equals, as with SO_REUSEADDR on Linux).
 */
function match(list: UdpSocket[], dst: number, src: number, sport: number): UdpSocket | undefined {
  let best: UdpSocket | undefined;
  let bestScore = -1;
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    let score = 0;
    if (s.local32 !== 0) {
      if (s.local32 !== dst) continue;
      score += 2;
    }
    if (s.rport !== 0) {
      if (s.remote32 !== src || s.rport !== sport) continue;
      score += 4;
    }
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

/** Linux's icmp_err_convert for destination unreachable codes 0–15: the errno, and whether the error is hard (fatal). */
const UNREACH: readonly (readonly [UdpErrno, boolean])[] = [
  ['ENETUNREACH', false], // net unreachable
  ['EHOSTUNREACH', false], // host unreachable
  ['ENOPROTOOPT', true], // protocol unreachable
  ['ECONNREFUSED', true], // port unreachable
  ['EMSGSIZE', true], // fragmentation needed (soft in the table, made hard by UDP when PMTU discovery is not off)
  ['EOPNOTSUPP', false], // source route failed
  ['ENETUNREACH', true], // net unknown
  ['EHOSTDOWN', true], // host unknown
  ['ENONET', true], // host isolated
  ['ENETUNREACH', true], // net prohibited
  ['EHOSTUNREACH', true], // host prohibited
  ['ENETUNREACH', false], // net unreachable for TOS
  ['EHOSTUNREACH', false], // host unreachable for TOS
  ['EHOSTUNREACH', true], // administratively prohibited (filtered)
  ['EHOSTUNREACH', true], // host precedence violation
  ['EHOSTUNREACH', true], // precedence cutoff
];

function broadcastRefused(dst: number): NetstackError {
  return new NetstackError(
    'bad-address',
    `${formatAddr(dst)} is a broadcast address: set socket.broadcast = true (SO_BROADCAST) to send to it (EACCES)`,
  );
}

function formatAddr(a: number): string {
  return formatIpv4(a >>> 0);
}
