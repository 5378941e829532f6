/**
 * ARP (RFC 826) on the wire: answers requests for the host's addresses (any of them, on any
 * interface, like Linux's default arp_ignore=0), answers RFC 5227 probes, learns from what it
 * hears (see `NeighborCache.learn`), and sends requests and gratuitous announcements.
 *
 * Frames are read through one reused view and written into one 60-byte buffer.
 */
import {
  ArpOperation,
  ArpPacket,
  ETHERNET_HEADER_LEN,
  EthernetFrame,
  EtherType,
  type Ipv4Address,
  isMulticastIpv4,
  isMulticastMac,
  MAC_BROADCAST,
  type Mac,
} from '@vnet/frame';
import { BROADCAST32 } from '../addr32.js';
import type { Core } from '../core.js';
import { RxDrop } from '../stats.js';
import type { Interface } from './interface.js';

const ARP_LEN = 28;

export class ArpLayer {
  private readonly rx = new ArpPacket();
  private readonly eth = new EthernetFrame();
  private readonly out: ArpPacket;

  constructor(private readonly core: Core) {
    this.out = new ArpPacket(core.arpBuf, ETHERNET_HEADER_LEN);
    this.out.fillHeader();
  }

  /** An ARP packet at `bytes[off, off + len)`; `unicast` when the frame was addressed to our MAC. Returns a drop reason, or nothing when processed. */
  input(iface: Interface, bytes: Uint8Array, off: number, len: number, unicast: boolean): string | undefined {
    if (len < ARP_LEN) return RxDrop.Truncated;
    const p = this.rx.reset(bytes, off);
    if (p.hardwareType !== 1 || p.protocolType !== EtherType.IPv4 || p.hardwareLen !== 6 || p.protocolLen !== 4) {
      return RxDrop.ArpUnsupported;
    }
    const op = p.operation;
    if (op !== ArpOperation.Request && op !== ArpOperation.Reply) return RxDrop.ArpUnsupported;
    const sha = p.senderMac;
    const sip = p.senderIp;
    const tip = p.targetIp;
    if (isMulticastMac(sha) || sha === iface.mac || isMulticastIpv4(sip) || (sip | 0) === BROADCAST32) return RxDrop.ArpBogus;
    const stats = this.core.stats.arp;
    if (op === ArpOperation.Request) stats.InRequests++;
    else stats.InReplies++;
    const forUs = this.core.isLocal(tip) && tip >>> 24 !== 127;
    if (sip === 0) {
      // An address probe (RFC 5227): answer if the address is ours, learn nothing.
      if (op === ArpOperation.Request && forUs) this.reply(iface, sha, 0, tip);
      return undefined;
    }
    if (op === ArpOperation.Request && forUs && sip !== tip) {
      this.core.neighbors.learn(iface, sip, sha, 'request');
      this.reply(iface, sha, sip, tip);
      return undefined;
    }
    this.core.neighbors.learn(iface, sip, sha, op === ArpOperation.Reply && unicast ? 'reply' : 'heard');
    return undefined;
  }

  /** Who has `target`? Tell `sender`. Broadcast while resolving, unicast to `dstMac` when probing. */
  request(iface: Interface, target: Ipv4Address, sender: Ipv4Address, dstMac: Mac): void {
    this.emit(iface, dstMac, ArpOperation.Request, sender, 0, target);
    this.core.stats.arp.OutRequests++;
  }

  /** A gratuitous ARP request announcing `addr` (sender and target both `addr`). */
  announce(iface: Interface, addr: Ipv4Address): void {
    this.emit(iface, MAC_BROADCAST, ArpOperation.Request, addr, 0, addr);
    this.core.stats.arp.OutGratuitous++;
  }

  private reply(iface: Interface, toMac: Mac, toIp: Ipv4Address, ours: Ipv4Address): void {
    this.emit(iface, toMac, ArpOperation.Reply, ours, toMac, toIp);
    this.core.stats.arp.OutReplies++;
  }

  private emit(iface: Interface, dstMac: Mac, op: number, spa: Ipv4Address, tha: Mac, tpa: Ipv4Address): void {
    const buf = this.core.arpBuf;
    const eth = this.eth.reset(buf, 0);
    eth.dst = dstMac;
    eth.src = iface.mac;
    eth.ethertype = EtherType.ARP;
    const a = this.out;
    a.operation = op;
    a.senderMac = iface.mac;
    a.senderIp = spa;
    a.targetMac = tha;
    a.targetIp = tpa;
    this.core.transmit(iface, buf, 0, buf.length);
  }
}
