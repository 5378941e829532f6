/**
 * The receive path: Ethernet demultiplexing, then IPv4 input (RFC 791, RFC 1122 §3.2.1, RFC
 * 1812 §5.2 when forwarding) — validate, then deliver locally (own addresses, broadcast,
 * loopback; reassembling fragments), forward, or drop under a named reason.
 *
 * Untrusted bytes are checked field by field through reused views before any accessor is
 * trusted, so no exception is ever thrown and nothing is allocated: every frame ends in one
 * counter (see `stats.ts` for the conservation law the tests check).
 */
import {
  ETHERNET_HEADER_LEN,
  EthernetFrame,
  EtherType,
  Icmpv4Type,
  IPV4_HEADER_LEN,
  IpProtocol,
  Ipv4Packet,
  isMulticastIpv4,
  updateChecksum16,
} from '@vnet/frame';
import { BROADCAST32, dst32, src32 } from '../addr32.js';
import { copyBytes } from '../bytes.js';
import type { Core } from '../core.js';
import { ACCEPT, DROP } from '../filter/rule.js';
import type { Interface } from '../iface/interface.js';
import { HEADROOM } from '../layout.js';
import { RxDrop } from '../stats.js';

/** 224.0.0.1, all systems on this subnet: the one group every host is in (as an int32). */
const ALL_HOSTS32 = 0xe000_0001 | 0;

export class Ipv4Receive {
  private readonly eth = new EthernetFrame();
  private readonly ip = new Ipv4Packet();

  constructor(private readonly core: Core) {}

  /** An Ethernet frame from `iface`. */
  frame(iface: Interface, bytes: Uint8Array, off: number, len: number): void {
    const core = this.core;
    core.stats.frames.received++;
    const s = iface.stats;
    s.rxPackets++;
    s.rxBytes += len;
    if (!iface.adminUp) {
      core.rxDrop(iface, RxDrop.InterfaceDown, false);
      return;
    }
    if (len < ETHERNET_HEADER_LEN) {
      core.rxDrop(iface, RxDrop.Truncated, true);
      return;
    }
    // The destination is checked byte by byte (the I/G bit marks multicast and broadcast):
    // reading it as the 48-bit number, a double, could box it on the heap.
    const group = (bytes[off] & 1) !== 0;
    if (group) s.rxMulticast++;
    else if (!iface.isOwnMac(bytes, off)) {
      core.rxDrop(iface, RxDrop.OtherHost, false);
      return;
    }
    const type = this.eth.reset(bytes, off).ethertype;
    if (type === EtherType.IPv4) {
      this.datagram(iface, bytes, off + ETHERNET_HEADER_LEN, len - ETHERNET_HEADER_LEN, group);
    } else if (type === EtherType.ARP) {
      const reason = core.arp.input(iface, bytes, off + ETHERNET_HEADER_LEN, len - ETHERNET_HEADER_LEN, !group);
      if (reason === undefined) core.stats.frames.arp++;
      else core.rxDrop(iface, reason, reason === RxDrop.Truncated);
    } else {
      core.rxDrop(iface, RxDrop.UnknownEthertype, false);
    }
  }

  /** An IPv4 datagram at `bytes[off]`, at most `len` bytes (Ethernet padding may follow it). */
  datagram(iface: Interface, bytes: Uint8Array, off: number, len: number, linkGroup: boolean): void {
    const core = this.core;
    const st = core.stats.ip;
    st.InReceives++;
    if (len < IPV4_HEADER_LEN) {
      this.headerError(iface, RxDrop.Truncated);
      return;
    }
    const ip = this.ip.reset(bytes, off);
    if (ip.version !== 4) {
      this.headerError(iface, RxDrop.BadVersion);
      return;
    }
    const hl = ip.headerLen;
    const total = ip.totalLen;
    if (hl < IPV4_HEADER_LEN || total < hl) {
      this.headerError(iface, RxDrop.BadHeaderLength);
      return;
    }
    if (total > len) {
      this.headerError(iface, RxDrop.Truncated);
      return;
    }
    if (!ip.verifyChecksum()) {
      this.headerError(iface, RxDrop.BadChecksum);
      return;
    }

    const src = src32(ip);
    const dst = dst32(ip);
    const fromWire = !iface.loopback;
    // Martians (RFC 1812 §5.3.7): group or loopback sources, our own addresses from the wire, and
    // loopback destinations from the wire.
    if (isMulticastIpv4(src) || src === BROADCAST32 || (fromWire && (src >>> 24 === 127 || core.isLocal(src)))) {
      st.InAddrErrors++;
      core.rxDrop(iface, RxDrop.MartianSource, false);
      return;
    }
    if (fromWire && dst >>> 24 === 127) {
      st.InAddrErrors++;
      core.rxDrop(iface, RxDrop.MartianDestination, false);
      return;
    }
    if (core.isLocal(dst)) {
      this.local(iface, bytes, off, total, false);
      return;
    }
    if (core.isBroadcast(dst)) {
      this.local(iface, bytes, off, total, true);
      return;
    }
    if (isMulticastIpv4(dst)) {
      if (dst === ALL_HOSTS32) {
        this.local(iface, bytes, off, total, true);
        return;
      }
      st.InAddrErrors++;
      core.rxDrop(iface, RxDrop.MulticastNotJoined, false);
      return;
    }
    if (core.forwarding && fromWire && !linkGroup) {
      this.forward(iface, bytes, off, total);
      return;
    }
    st.InAddrErrors++;
    core.rxDrop(iface, RxDrop.NotForUs, false);
  }

  /** For this host: reassemble, or hand to the protocol. */
  private local(iface: Interface, bytes: Uint8Array, off: number, total: number, broadcast: boolean): void {
    if (this.ip.isFragment) this.core.reassembly.add(iface, bytes, off, total, broadcast);
    else this.deliver(iface, bytes, off, total, broadcast, 1);
  }

  /** Hands a whole datagram (`frames` fragments of it) to its protocol and counts the outcome. */
  deliver(iface: Interface, bytes: Uint8Array, off: number, total: number, broadcast: boolean, frames: number): void {
    const core = this.core;
    const input = core.filter.input;
    if (input.active) {
      const verdict = input.evaluate(bytes, off, total, iface.name, undefined);
      if (verdict !== ACCEPT) {
        if (verdict !== DROP) core.icmp.error(bytes, off, total, Icmpv4Type.DestUnreachable, verdict & 0xff, 0);
        core.rxDrop(iface, RxDrop.FilterInput, false, frames);
        return;
      }
    }
    const ip = this.ip.reset(bytes, off);
    const proto = ip.protocol;
    let reason: string | undefined;
    if (proto === IpProtocol.ICMP) {
      reason = core.icmp.input(ip, broadcast, iface);
    } else {
      const handler = core.protocols[proto];
      if (handler === undefined) {
        core.stats.ip.InUnknownProtos++;
        if (!broadcast) core.icmp.protocolUnreachable(bytes, off, total);
        core.rxDrop(iface, RxDrop.UnknownProtocol, false, frames);
        return;
      }
      reason = handler.input(ip, iface.index, broadcast);
    }
    if (reason === undefined) {
      core.stats.ip.InDelivers++;
      core.stats.frames.delivered += frames;
    } else {
      core.rxDrop(iface, reason, reason === RxDrop.IcmpChecksum || reason === RxDrop.IcmpTruncated, frames);
    }
  }

  /** Router behaviour (RFC 1812 §5.2): TTL, route, MTU, then out with TTL − 1. */
  private forward(iface: Interface, bytes: Uint8Array, off: number, total: number): void {
    const core = this.core;
    const st = core.stats.ip;
    const ip = this.ip;
    if (ip.ttl <= 1) {
      st.InHdrErrors++;
      core.icmp.timeExceeded(bytes, off, total);
      core.rxDrop(iface, RxDrop.TtlExceeded, false);
      return;
    }
    const dst = dst32(ip);
    const route = core.routes.find(dst);
    if (route === undefined) {
      st.InNoRoutes++;
      core.icmp.netUnreachable(bytes, off, total);
      core.rxDrop(iface, RxDrop.NoRoute, false);
      return;
    }
    if (total > route.iface.mtu && ip.dontFragment) {
      st.FragFails++;
      core.icmp.fragmentationNeeded(bytes, off, total, route.iface.mtu);
      core.rxDrop(iface, RxDrop.FragNeeded, false);
      return;
    }
    const filter = core.filter.forward;
    if (filter.active) {
      const verdict = filter.evaluate(bytes, off, total, iface.name, route.iface.name);
      if (verdict !== ACCEPT) {
        if (verdict !== DROP) core.icmp.error(bytes, off, total, Icmpv4Type.DestUnreachable, verdict & 0xff, 0);
        core.rxDrop(iface, RxDrop.FilterForward, false);
        return;
      }
    }
    // Back out of the interface it came in on, to a next hop on the sender's own link: the
    // sender could have gone there directly (RFC 1812 §5.2.7.2). Not for source-routed
    // datagrams, which are recognised here by having options at all.
    if (route.iface === iface && core.sendRedirects && ip.headerLen === IPV4_HEADER_LEN) {
      const nextHop = route.via32 !== 0 ? route.via32 : dst;
      if (sameLink(iface, src32(ip), nextHop)) core.icmp.redirect(bytes, off, total, nextHop);
    }
    st.ForwDatagrams++;
    core.stats.frames.forwarded++;
    const buf = core.txFor(total);
    copyBytes(bytes, off, buf, HEADROOM, total);
    const out = this.ip.reset(buf, HEADROOM);
    const ttl = out.ttl;
    const word = (ttl << 8) | out.protocol;
    out.ttl = ttl - 1;
    out.checksum = updateChecksum16(out.checksum, word, word - 0x100);
    core.tx.routed(buf, HEADROOM, total, route, dst);
  }

  private headerError(iface: Interface, reason: string): void {
    this.core.stats.ip.InHdrErrors++;
    this.core.rxDrop(iface, reason, true);
  }
}

/** Whether one prefix of `iface` holds both addresses (Linux's inet_addr_onlink). */
function sameLink(iface: Interface, a: number, b: number): boolean {
  const list = iface.addresses;
  for (let i = 0; i < list.length; i++) if (list[i].contains(a) && list[i].contains(b)) return true;
  return false;
}
