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
  IPV4_HEADER_LEN,
  IpProtocol,
  Ipv4Packet,
  isMulticastIpv4,
  isMulticastMac,
  updateChecksum16,
} from '@vnet/frame';
import { copyBytes } from '../bytes.js';
import type { Core } from '../core.js';
import { HEADROOM } from '../layout.js';
import type { Interface } from '../iface/interface.js';
import { RxDrop } from '../stats.js';

/** 224.0.0.1, all systems on this subnet: the one group every host is in. */
const ALL_HOSTS = 0xe000_0001;

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
    if (!iface.adminUp) return core.rxDrop(iface, RxDrop.InterfaceDown, false);
    if (len < ETHERNET_HEADER_LEN) return core.rxDrop(iface, RxDrop.Truncated, true);
    const eth = this.eth.reset(bytes, off);
    const dst = eth.dst;
    const group = isMulticastMac(dst);
    if (group) s.rxMulticast++;
    else if (dst !== iface.mac) return core.rxDrop(iface, RxDrop.OtherHost, false);
    const type = eth.ethertype;
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
    if (len < IPV4_HEADER_LEN) return this.headerError(iface, RxDrop.Truncated);
    const ip = this.ip.reset(bytes, off);
    if (ip.version !== 4) return this.headerError(iface, RxDrop.BadVersion);
    const hl = ip.headerLen;
    const total = ip.totalLen;
    if (hl < IPV4_HEADER_LEN || total < hl) return this.headerError(iface, RxDrop.BadHeaderLength);
    if (total > len) return this.headerError(iface, RxDrop.Truncated);
    if (!ip.verifyChecksum()) return this.headerError(iface, RxDrop.BadChecksum);

    const src = ip.src;
    const dst = ip.dst;
    const fromWire = !iface.loopback;
    if (isMulticastIpv4(src) || src === 0xffff_ffff || (fromWire && (src >>> 24 === 127 || dst >>> 24 === 127 || core.isLocal(src)))) {
      st.InAddrErrors++;
      return core.rxDrop(iface, RxDrop.MartianSource, false);
    }
    if (core.isLocal(dst)) return this.local(iface, bytes, off, total, false);
    if (core.isBroadcast(dst)) return this.local(iface, bytes, off, total, true);
    if (isMulticastIpv4(dst)) {
      if (dst === ALL_HOSTS) return this.local(iface, bytes, off, total, true);
      st.InAddrErrors++;
      return core.rxDrop(iface, RxDrop.MulticastNotJoined, false);
    }
    if (core.forwarding && fromWire && !linkGroup) return this.forward(iface, bytes, off, total);
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
    const ip = this.ip.reset(bytes, off);
    const proto = ip.protocol;
    let reason: string | undefined;
    if (proto === IpProtocol.ICMP) {
      reason = core.icmp.input(iface, ip, broadcast);
    } else {
      const handler = core.protocols[proto];
      if (handler === undefined) {
        core.stats.ip.InUnknownProtos++;
        if (!broadcast) core.icmp.protocolUnreachable(bytes, off, total);
        return core.rxDrop(iface, RxDrop.UnknownProtocol, false, frames);
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
      return core.rxDrop(iface, RxDrop.TtlExceeded, false);
    }
    const dst = ip.dst;
    const route = core.routes.find(dst);
    if (route === undefined) {
      st.InNoRoutes++;
      core.icmp.netUnreachable(bytes, off, total);
      return core.rxDrop(iface, RxDrop.NoRoute, false);
    }
    if (total > route.iface.mtu && ip.dontFragment) {
      st.FragFails++;
      core.icmp.fragmentationNeeded(bytes, off, total, route.iface.mtu);
      return core.rxDrop(iface, RxDrop.FragNeeded, false);
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
