/**
 * IPv4 output: route lookup, source address selection, header, then loopback, the neighbour
 * layer, or fragmentation when the datagram exceeds the egress MTU (RFC 791, RFC 1122 §3.3).
 *
 * Callers build the payload in place (in `core.txBuf`, after the headroom and a 20-byte
 * header) and the header is written around it through one reused repr, so a send copies the
 * payload once — into the port.
 */
import { Icmpv4Type, IPV4_HEADER_LEN, Ipv4, Ipv4Packet, type Ipv4Repr } from '@vnet/frame';
import { dst32 } from '../addr32.js';
import type { Core } from '../core.js';
import { ACCEPT, DROP } from '../filter/rule.js';
import type { Interface } from '../iface/interface.js';
import type { Route } from '../iface/route-table.js';
import { HEADROOM } from '../layout.js';
import type { SendStatus } from '../protocol.js';
import { TxDrop } from '../stats.js';
import { Fragmenter } from './fragment.js';

export class Ipv4Send {
  private id: number;
  private readonly fragmenter: Fragmenter;
  private readonly view = new Ipv4Packet();
  private readonly repr: Ipv4Repr = {
    dscp: 0,
    ecn: 0,
    identification: 0,
    reservedFlag: false,
    dontFragment: false,
    moreFragments: false,
    fragmentOffset: 0,
    ttl: 64,
    protocol: 0,
    src: 0,
    dst: 0,
    options: new Uint8Array(0),
    payloadLen: 0,
  };

  constructor(private readonly core: Core) {
    this.id = Math.floor(core.random() * 0x10000);
    this.fragmenter = new Fragmenter(core);
  }

  /**
   * Sends the datagram whose payload the caller wrote at `core.txBuf[PAYLOAD_AT, + payloadLen)`.
   * `src` 0 selects the source address from the route.
   */
  sendBuilt(dst: number, src: number, protocol: number, ttl: number, tos: number, df: boolean, payloadLen: number): SendStatus {
    const core = this.core;
    core.stats.ip.OutRequests++;
    let route: Route | undefined;
    if (core.isLocal(dst)) {
      if (src === 0) src = dst;
    } else {
      route = core.routes.find(dst);
      if (route === undefined) {
        core.stats.ip.OutNoRoutes++;
        core.txDrop(undefined, TxDrop.NoRoute);
        return 'no-route';
      }
      if (src === 0) src = core.routes.sourceFor(route, dst);
    }
    const r = this.repr;
    r.identification = this.id++ & 0xffff;
    r.dscp = tos >>> 2;
    r.ecn = tos & 3;
    r.dontFragment = df;
    r.ttl = ttl;
    r.protocol = protocol;
    r.src = src;
    r.dst = dst;
    r.payloadLen = payloadLen;
    const buf = core.txBuf;
    Ipv4.emit(r, buf, HEADROOM);
    const len = IPV4_HEADER_LEN + payloadLen;
    if (core.filter.output.active && !this.passes(buf, HEADROOM, len, route === undefined ? core.lo : route.iface)) return 'dropped';
    if (route === undefined) return core.loopback(buf, HEADROOM, len) ? 'local' : 'dropped';
    return this.routed(buf, HEADROOM, len, route, dst);
  }

  /** Sends a complete datagram the stack built elsewhere (an ICMP error), routing it by its destination. */
  output(buf: Uint8Array, off: number, len: number): SendStatus {
    const core = this.core;
    const dst = dst32(this.view.reset(buf, off));
    core.stats.ip.OutRequests++;
    if (core.isLocal(dst)) {
      if (core.filter.output.active && !this.passes(buf, off, len, core.lo)) return 'dropped';
      return core.loopback(buf, off, len) ? 'local' : 'dropped';
    }
    const route = core.routes.find(dst);
    if (route === undefined) {
      core.stats.ip.OutNoRoutes++;
      core.txDrop(undefined, TxDrop.NoRoute);
      return 'no-route';
    }
    if (core.filter.output.active && !this.passes(buf, off, len, route.iface)) return 'dropped';
    return this.routed(buf, off, len, route, dst);
  }

  /** Out through `route`: whole, in fragments, or refused with fragmentation-needed when DF forbids cutting. */
  routed(buf: Uint8Array, off: number, len: number, route: Route, dst: number): SendStatus {
    const core = this.core;
    const iface = route.iface;
    const nextHop = route.via32 !== 0 ? route.via32 : dst;
    if (len <= iface.mtu) return core.neighbors.output(iface, nextHop, buf, off, len);
    if ((buf[off + 6] & 0x40) !== 0) {
      core.stats.ip.FragFails++;
      core.txDrop(iface, TxDrop.FragNeeded);
      core.icmp.fragmentationNeeded(buf, off, len, iface.mtu);
      return 'too-big';
    }
    return this.fragmenter.send(buf, off, len, iface, nextHop);
  }

  /** The output chain's verdict on a datagram this host sends; a refused one is counted (and rejected with ICMP to ourselves). */
  private passes(buf: Uint8Array, off: number, len: number, oif: Interface): boolean {
    const core = this.core;
    const verdict = core.filter.output.evaluate(buf, off, len, undefined, oif.name);
    if (verdict === ACCEPT) return true;
    core.txDrop(undefined, TxDrop.FilterOutput);
    if (verdict !== DROP) core.icmp.error(buf, off, len, Icmpv4Type.DestUnreachable, verdict & 0xff, 0);
    return false;
  }

  /** A fresh identification for a datagram built elsewhere. */
  nextId(): number {
    return this.id++ & 0xffff;
  }
}
