/**
 * The ARP cache (RFC 826) and neighbour output, with Linux's state machine and timings (see
 * `neighbor.ts`): resolution by broadcast probes every second, three of them, then FAILED,
 * which drops the packets that waited and reports ICMP host unreachable to their senders;
 * REACHABLE for ~30 s after a confirmation, then STALE, still used; a STALE entry in use goes
 * through DELAY to unicast PROBEs. Static entries are PERMANENT.
 *
 * Design: entries live per interface in a Map keyed by the int32 address. Sending to a resolved
 * neighbour writes the Ethernet header in front of the datagram and hands it to the port —
 * nothing is allocated; only packets that must wait are copied. Timers are deadlines checked by
 * `poll`, never scheduled callbacks.
 */
import {
  EthernetFrame,
  EtherType,
  formatIpv4,
  formatMac,
  type Ipv4Address,
  Ipv4Packet,
  isMulticastIpv4,
  MAC_BROADCAST,
  type Mac,
} from '@vnet/frame';
import { src32 } from '../addr32.js';
import type { Core } from '../core.js';
import { HEADROOM } from '../layout.js';
import type { SendStatus } from '../protocol.js';
import { TxDrop } from '../stats.js';
import { type Interface, macToBytes } from './interface.js';

const BROADCAST = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

import { Neighbor, NeighborState } from './neighbor.js';

/** How an ARP packet vouches for a neighbour's address. */
export type Evidence =
  /** A reply unicast to us: the neighbour answered our question. */
  | 'reply'
  /** A request for one of our addresses: we will talk to the sender. */
  | 'request'
  /** Anything else overheard (broadcast requests, gratuitous ARP): updates existing entries only. */
  | 'heard';

/** A neighbour as `ip neigh` prints it. Plain data. */
export interface NeighborInfo {
  ip: string;
  /** Absent while INCOMPLETE or FAILED. */
  mac?: string;
  dev: string;
  state: NeighborState;
}

export class NeighborCache {
  private readonly eth = new EthernetFrame();
  /** 01:00:5e + the group's low 23 bits (RFC 1112), rewritten per use. */
  private readonly group = new Uint8Array([0x01, 0x00, 0x5e, 0, 0, 0]);
  private readonly ip = new Ipv4Packet();
  private due = Number.POSITIVE_INFINITY;
  private pollNow = 0;
  private pollNext = Number.POSITIVE_INFINITY;
  private readonly stepEntry = (n: Neighbor): void => {
    while (n.deadline <= this.pollNow) this.step(n);
    if (n.deadline < this.pollNext) this.pollNext = n.deadline;
  };

  constructor(private readonly core: Core) {}

  /**
   * Sends the datagram at `buf[off, off + len)` (with 14 bytes of headroom) to `nextHop` on
   * `iface`: at once when the MAC is known or implied (broadcast, multicast), else queued while
   * ARP resolves.
   */
  output(iface: Interface, nextHop: Ipv4Address, buf: Uint8Array, off: number, len: number): SendStatus {
    const core = this.core;
    if (iface.loopback) return core.loopback(buf, off, len) ? 'local' : 'dropped';
    // MACs are copied as bytes: a 48-bit MAC is a double, which a call would box on the heap.
    const e = off - HEADROOM;
    if (iface.isBroadcast(nextHop)) buf.set(BROADCAST, e);
    else if (isMulticastIpv4(nextHop)) {
      const m = this.group;
      m[3] = (nextHop >>> 16) & 0x7f;
      m[4] = nextHop >>> 8;
      m[5] = nextHop;
      buf.set(m, e);
    } else {
      const n = iface.neighbors.get(nextHop | 0);
      if (n === undefined || !n.valid) return this.resolve(iface, n, nextHop, buf, off, len);
      if (n.state === NeighborState.Stale) {
        n.state = NeighborState.Delay;
        this.schedule(n, core.now + core.neighborOpts.delayMs);
      }
      n.used = core.now;
      buf.set(n.macBytes, e);
    }
    buf.set(iface.macBytes, e + 6);
    this.eth.reset(buf, e).ethertype = EtherType.IPv4;
    return core.transmit(iface, buf, e, len + HEADROOM) ? 'sent' : 'dropped';
  }

  /** What an ARP packet from `ip` at `mac` on `iface` tells us (RFC 826's merge, Linux's neigh_update). */
  learn(iface: Interface, ip: Ipv4Address, mac: Mac, evidence: Evidence): void {
    let n = iface.neighbors.get(ip | 0);
    if (n === undefined) {
      if (evidence !== 'request') return;
      n = this.create(iface, ip);
      if (n === undefined) return;
    }
    if (n.state === NeighborState.Permanent) return;
    if (evidence === 'reply') {
      this.confirm(n, mac);
    } else if (!n.valid || n.mac !== mac) {
      this.become(n, mac, NeighborState.Stale, Number.POSITIVE_INFINITY);
    }
  }

  /** `arp -s` / `ip neigh replace`: a PERMANENT entry, or a REACHABLE one that ages normally. */
  setStatic(iface: Interface, ip: Ipv4Address, mac: Mac, permanent: boolean): void {
    let n = iface.neighbors.get(ip | 0);
    if (n === undefined) {
      n = new Neighbor(iface, ip);
      iface.neighbors.set(ip | 0, n);
    }
    if (permanent) this.become(n, mac, NeighborState.Permanent, Number.POSITIVE_INFINITY);
    else this.confirm(n, mac);
  }

  /** `ip neigh del`; false when there was no entry. */
  delete(iface: Interface, ip: Ipv4Address): boolean {
    const n = iface.neighbors.get(ip | 0);
    if (n === undefined) return false;
    this.dropQueue(n, TxDrop.NeighborFlushed, false);
    iface.neighbors.delete(ip | 0);
    return true;
  }

  /** Forgets every entry of an interface but the permanent ones (carrier or admin down, as Linux does). */
  flush(iface: Interface, reason: string): void {
    for (const [key, n] of iface.neighbors) {
      if (n.state === NeighborState.Permanent) continue;
      this.dropQueue(n, reason, false);
      iface.neighbors.delete(key);
    }
  }

  entries(): NeighborInfo[] {
    const out: NeighborInfo[] = [];
    for (const iface of this.core.interfaces) {
      for (const n of iface.neighbors.values()) {
        out.push({
          ip: formatIpv4(n.ip),
          ...(n.valid ? { mac: formatMac(n.mac) } : {}),
          dev: iface.name,
          state: n.state,
        });
      }
    }
    return out;
  }

  /** Runs the timers due at `now`; returns the next deadline. */
  poll(now: number): number {
    if (now < this.due) return this.due;
    this.pollNow = now;
    this.pollNext = Number.POSITIVE_INFINITY;
    for (const iface of this.core.interfaces) if (iface.neighbors.size > 0) iface.neighbors.forEach(this.stepEntry);
    this.due = this.pollNext;
    return this.due;
  }

  // ---- the state machine ----

  private step(n: Neighbor): void {
    const o = this.core.neighborOpts;
    const at = n.deadline;
    switch (n.state) {
      case NeighborState.Incomplete:
        if (n.probes < o.probes) this.probe(n, at, MAC_BROADCAST);
        else this.fail(n);
        break;
      case NeighborState.Reachable:
        n.state = NeighborState.Stale;
        n.deadline = Number.POSITIVE_INFINITY;
        break;
      case NeighborState.Delay:
        n.state = NeighborState.Probe;
        n.probes = 0;
        this.probe(n, at, n.mac);
        break;
      case NeighborState.Probe:
        if (n.probes < o.unicastProbes) this.probe(n, at, n.mac);
        else this.fail(n);
        break;
      default:
        n.deadline = Number.POSITIVE_INFINITY;
    }
  }

  private probe(n: Neighbor, at: number, dstMac: Mac): void {
    n.probes++;
    this.core.arp.request(n.iface, n.ip, n.iface.sourceFor(n.ip), dstMac);
    this.schedule(n, at + this.core.neighborOpts.retransMs);
  }

  private fail(n: Neighbor): void {
    n.state = NeighborState.Failed;
    n.deadline = Number.POSITIVE_INFINITY;
    this.core.stats.arp.ResolutionFailures++;
    this.dropQueue(n, TxDrop.ArpFailed, true);
  }

  private confirm(n: Neighbor, mac: Mac): void {
    const o = this.core.neighborOpts;
    n.confirmed = this.core.now;
    // Linux draws each entry's reachable time from [0.5, 1.5) × base_reachable_time.
    this.become(n, mac, NeighborState.Reachable, this.core.now + o.reachableMs * (0.5 + this.core.random()));
  }

  /** Enters a state with a known MAC and sends whatever waited for it. */
  private become(n: Neighbor, mac: Mac, state: NeighborState, deadline: number): void {
    n.mac = mac;
    macToBytes(mac, n.macBytes);
    n.state = state;
    n.probes = 0;
    n.deadline = Number.POSITIVE_INFINITY;
    if (deadline !== Number.POSITIVE_INFINITY) this.schedule(n, deadline);
    const queue = n.queue;
    if (queue.length === 0) return;
    n.queue = [];
    n.queueBytes = 0;
    for (const q of queue) this.frame(n, q, HEADROOM, heldLen(q));
  }

  private resolve(iface: Interface, n: Neighbor | undefined, nextHop: Ipv4Address, buf: Uint8Array, off: number, len: number): SendStatus {
    const core = this.core;
    const o = core.neighborOpts;
    // New, or FAILED earlier: start resolving (again).
    const start = n === undefined || n.state !== NeighborState.Incomplete;
    if (n === undefined) {
      n = this.create(iface, nextHop);
      if (n === undefined) {
        core.txDrop(iface, TxDrop.NeighborTableFull);
        return 'dropped';
      }
    }
    // Hold a copy with room for the Ethernet header and the padding of a minimum frame.
    const copy = new Uint8Array(HEADROOM + Math.max(len, 46));
    copy.set(buf.subarray(off, off + len), HEADROOM);
    n.queue.push(copy);
    n.queueBytes += len;
    while (n.queue.length > o.queueLen || (n.queueBytes > o.queueBytes && n.queue.length > 1)) {
      n.queueBytes -= heldLen(n.queue.shift()!);
      core.txDrop(iface, TxDrop.ArpQueueFull);
    }
    if (start) {
      // Ask from the source of the packet if it is one of this interface's addresses.
      n.state = NeighborState.Incomplete;
      n.probes = 0;
      const src = src32(this.ip.reset(buf, off));
      n.probes++;
      core.arp.request(iface, nextHop, iface.hasAddress(src) ? src : iface.sourceFor(nextHop), MAC_BROADCAST);
      this.schedule(n, core.now + o.retransMs);
    }
    return 'queued';
  }

  private create(iface: Interface, ip: Ipv4Address): Neighbor | undefined {
    if (iface.neighbors.size >= this.core.neighborOpts.maxEntries && !this.evict(iface)) return undefined;
    const n = new Neighbor(iface, ip);
    n.used = this.core.now;
    iface.neighbors.set(ip | 0, n);
    return n;
  }

  /** Makes room: a FAILED entry, else the least recently used STALE one. */
  private evict(iface: Interface): boolean {
    let victim: Neighbor | undefined;
    for (const n of iface.neighbors.values()) {
      if (n.state === NeighborState.Failed) {
        victim = n;
        break;
      }
      if (n.state === NeighborState.Stale && (victim === undefined || n.used < victim.used)) victim = n;
    }
    if (victim === undefined) return false;
    iface.neighbors.delete(victim.ip | 0);
    return true;
  }

  private dropQueue(n: Neighbor, reason: string, unreachable: boolean): void {
    const queue = n.queue;
    if (queue.length === 0) return;
    n.queue = [];
    n.queueBytes = 0;
    this.core.txDrop(n.iface, reason, queue.length);
    if (unreachable) for (const q of queue) this.core.icmp.hostUnreachable(q, HEADROOM, heldLen(q));
  }

  private schedule(n: Neighbor, at: number): void {
    n.deadline = at;
    if (at < this.due) this.due = at;
    this.core.noteDeadline(at);
  }

  /** Writes the Ethernet header to `n` in front of a held datagram and transmits. */
  private frame(n: Neighbor, buf: Uint8Array, off: number, len: number): boolean {
    const eth = this.eth.reset(buf, off - HEADROOM);
    eth.dst = n.mac;
    eth.src = n.iface.mac;
    eth.ethertype = EtherType.IPv4;
    return this.core.transmit(n.iface, buf, off - HEADROOM, len + HEADROOM);
  }
}

/** The length of a held datagram, from its IPv4 total length field. */
function heldLen(q: Uint8Array): number {
  return (q[HEADROOM + 2] << 8) | q[HEADROOM + 3];
}
