/**
 * IPv4 reassembly with RFC 815's hole descriptors: each incomplete datagram keeps the list of
 * byte ranges still missing; a fragment fills whatever holes it overlaps, splitting them, and
 * the datagram is whole when no hole is left. Out-of-order and duplicated fragments fall out of
 * that for free (a fragment that fills nothing is a duplicate, dropped and counted).
 *
 * Bounds: a datagram is dropped 30 s after its first fragment (with ICMP time exceeded,
 * reassembly timeout, when its first fragment came); all incomplete datagrams together hold at
 * most `maxBytes` (Linux's ipfrag_high_thresh), and one may have at most `maxHoles` holes.
 * Fragments whose last-fragment claims contradict each other drop the whole datagram, as Linux
 * does since FragmentSmack. Each datagram's data lives at a fixed offset of its own buffer, with
 * room in front for the longest header and an Ethernet header, so the whole datagram is handed
 * up without another copy.
 */
import { IPV4_MAX_HEADER_LEN, Ipv4Packet } from '@vnet/frame';
import { dst32, src32 } from '../addr32.js';
import { copyBytes } from '../bytes.js';
import type { Core } from '../core.js';
import type { Interface } from '../iface/interface.js';
import { HEADROOM } from '../layout.js';
import { RxDrop } from '../stats.js';

const DATA_AT = HEADROOM + IPV4_MAX_HEADER_LEN;
const MAX_DATAGRAM = 0xffff;
/** "Infinity" as the end of the last hole, before the last fragment tells the real length. */
const OPEN_END = 0x7fff_ffff;
/** Bookkeeping charged per datagram on top of its buffer. */
const OVERHEAD = 256;

class Incomplete {
  buf: Uint8Array;
  /** Header length of the first fragment; 0 until it arrives. */
  headerLen = 0;
  /** Holes as [first, last] byte pairs (inclusive), RFC 815. */
  readonly holes: Int32Array;
  holeCount = 1;
  /** Payload length once the last fragment (MF clear) came; -1 before. */
  payloadLen = -1;
  /** The furthest byte any fragment reached. */
  end = 0;
  /** Fragments held, for frame accounting. */
  frames = 0;
  charged = 0;

  constructor(
    readonly src: number,
    readonly dst: number,
    readonly id: number,
    readonly protocol: number,
    readonly iface: Interface,
    readonly deadline: number,
    size: number,
    maxHoles: number,
  ) {
    this.buf = new Uint8Array(size);
    this.holes = new Int32Array(2 * maxHoles);
    this.holes[0] = 0;
    this.holes[1] = OPEN_END;
  }
}

export class Reassembler {
  private readonly list: Incomplete[] = [];
  private readonly frag = new Ipv4Packet();
  private readonly whole = new Ipv4Packet();

  constructor(private readonly core: Core) {}

  /** A fragment for this host at `bytes[off, off + total)` (header checked by the caller). */
  add(iface: Interface, bytes: Uint8Array, off: number, total: number, broadcast: boolean): void {
    const core = this.core;
    const st = core.stats.ip;
    st.ReasmReqds++;
    const f = this.frag.reset(bytes, off);
    const hl = f.headerLen;
    const first = f.fragmentOffset;
    const len = total - hl;
    const more = f.moreFragments;
    const end = first + len;
    if ((more && (len === 0 || (len & 7) !== 0)) || hl + end > MAX_DATAGRAM) {
      st.ReasmFails++;
      core.rxDrop(iface, RxDrop.FragmentMalformed, true);
      return;
    }
    const src = src32(f);
    const dst = dst32(f);
    let d = this.find(src, dst, f.identification, f.protocol);
    if (d === undefined) {
      const size = DATA_AT + roundUp(end);
      if (core.stats.reassembly.bytes + size + OVERHEAD > core.reassemblyOpts.maxBytes) {
        st.ReasmFails++;
        st.InDiscards++;
        core.rxDrop(iface, RxDrop.ReasmMemory, false);
        return;
      }
      const o = core.reassemblyOpts;
      d = new Incomplete(src, dst, f.identification, f.protocol, iface, core.now + o.timeoutMs, size, o.maxHoles);
      this.list.push(d);
      this.charge(d, size + OVERHEAD);
      core.stats.reassembly.datagrams++;
      core.noteDeadline(d.deadline);
    }
    // Contradicting lengths: a second, different end; or data beyond the end.
    if (!more ? (d.payloadLen >= 0 && d.payloadLen !== end) || d.end > end : d.payloadLen >= 0 && end > d.payloadLen) {
      this.kill(d, RxDrop.ReasmOverlap, iface);
      return;
    }
    let filled = false;
    if (!more && d.payloadLen < 0) {
      d.payloadLen = end;
      filled = this.trimAfter(d, end);
    }
    const fill = len === 0 ? 0 : this.fillHoles(d, first, end - 1, more);
    if (fill < 0) {
      this.kill(d, RxDrop.ReasmTooFragmented, iface);
      return;
    }
    if (fill === 0 && !filled) {
      // Nothing new: a duplicate (or a fragment wholly inside data we have).
      core.rxDrop(iface, RxDrop.FragmentDuplicate, false);
      return;
    }
    if (DATA_AT + end > d.buf.length && !this.grow(d, end)) {
      this.kill(d, RxDrop.ReasmMemory, iface);
      return;
    }
    copyBytes(bytes, off + hl, d.buf, DATA_AT + first, len);
    if (first === 0) {
      d.headerLen = hl;
      copyBytes(bytes, off, d.buf, DATA_AT - hl, hl);
    }
    if (end > d.end) d.end = end;
    d.frames++;
    core.stats.frames.held++;
    if (d.holeCount === 0) this.complete(d, iface, broadcast);
  }

  /** Drops datagrams whose time ran out; returns the next deadline. */
  poll(now: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.list.length; ) {
      const d = this.list[i];
      if (d.deadline > now) {
        if (d.deadline < next) next = d.deadline;
        i++;
        continue;
      }
      const st = this.core.stats.ip;
      st.ReasmTimeout++;
      this.kill(d, RxDrop.ReasmTimeout, d.iface);
      // RFC 792/1122: time exceeded (reassembly) only when fragment zero came, quoting its header and 8 bytes.
      if (d.headerLen > 0) this.core.icmp.reassemblyTimeout(d.buf, DATA_AT - d.headerLen, d.headerLen + 8);
    }
    return next;
  }

  /** Drops every incomplete datagram (close, reconfiguration) without counting them as failures. */
  clear(): void {
    for (const d of [...this.list]) this.release(d);
  }

  private find(src: number, dst: number, id: number, protocol: number): Incomplete | undefined {
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const d = list[i];
      if (d.id === id && d.src === src && d.dst === dst && d.protocol === protocol) return d;
    }
    return undefined;
  }

  /**
   * RFC 815 steps 1–8 for the fragment [first, last]: returns how many holes it touched (0 for
   * a duplicate), or -1 when splitting would exceed the hole limit.
   */
  private fillHoles(d: Incomplete, first: number, last: number, more: boolean): number {
    const h = d.holes;
    let touched = 0;
    let i = 0;
    while (i < d.holeCount) {
      const hf = h[2 * i];
      const hl = h[2 * i + 1];
      if (first > hl || last < hf) {
        i++;
        continue;
      }
      touched++;
      // Delete this hole (move the last one into its place), then add what remains of it.
      d.holeCount--;
      h[2 * i] = h[2 * d.holeCount];
      h[2 * i + 1] = h[2 * d.holeCount + 1];
      if (first > hf && !this.addHole(d, hf, first - 1)) return -1;
      if (last < hl && more && !this.addHole(d, last + 1, hl)) return -1;
    }
    return touched;
  }

  private addHole(d: Incomplete, first: number, last: number): boolean {
    if (2 * (d.holeCount + 1) > d.holes.length) return false;
    d.holes[2 * d.holeCount] = first;
    d.holes[2 * d.holeCount + 1] = last;
    d.holeCount++;
    return true;
  }

  /** The last fragment fixed the length: holes beyond it vanish, the open one is closed. */
  private trimAfter(d: Incomplete, end: number): boolean {
    const h = d.holes;
    let changed = false;
    for (let i = 0; i < d.holeCount; ) {
      if (h[2 * i] >= end) {
        d.holeCount--;
        h[2 * i] = h[2 * d.holeCount];
        h[2 * i + 1] = h[2 * d.holeCount + 1];
        changed = true;
        continue;
      }
      if (h[2 * i + 1] >= end) {
        h[2 * i + 1] = end - 1;
        changed = true;
      }
      i++;
    }
    return changed;
  }

  private complete(d: Incomplete, iface: Interface, broadcast: boolean): void {
    const core = this.core;
    const hl = d.headerLen;
    const total = hl + d.payloadLen;
    const at = DATA_AT - hl;
    const ip = this.whole.reset(d.buf, at);
    ip.totalLen = total;
    d.buf[at + 6] &= 0xc0; // keep the reserved and DF flags; clear MF and the offset
    d.buf[at + 7] = 0;
    ip.fillChecksum();
    core.stats.ip.ReasmOKs++;
    core.stats.frames.held -= d.frames;
    this.release(d);
    core.rx.deliver(iface, d.buf, at, total, broadcast, d.frames);
  }

  private kill(d: Incomplete, reason: string, iface: Interface): void {
    const core = this.core;
    core.stats.ip.ReasmFails++;
    core.stats.frames.held -= d.frames;
    // The fragments held so far and the one in hand, if it is what failed.
    const frames = reason === RxDrop.ReasmTimeout ? d.frames : d.frames + 1;
    core.rxDrop(iface, reason, false, frames);
    this.release(d);
  }

  private grow(d: Incomplete, end: number): boolean {
    const size = Math.min(DATA_AT + MAX_DATAGRAM, Math.max(DATA_AT + roundUp(end), 2 * d.buf.length));
    const extra = size - d.buf.length;
    if (this.core.stats.reassembly.bytes + extra > this.core.reassemblyOpts.maxBytes) return false;
    const grown = new Uint8Array(size);
    grown.set(d.buf);
    d.buf = grown;
    this.charge(d, extra);
    return true;
  }

  private charge(d: Incomplete, bytes: number): void {
    d.charged += bytes;
    this.core.stats.reassembly.bytes += bytes;
  }

  private release(d: Incomplete): void {
    const i = this.list.indexOf(d);
    if (i < 0) return;
    this.list.splice(i, 1);
    this.core.stats.reassembly.bytes -= d.charged;
    this.core.stats.reassembly.datagrams--;
  }
}

/** Buffer sizes in 2 KiB steps, so a datagram arriving in order grows a few times at most. */
function roundUp(n: number): number {
  return Math.min(MAX_DATAGRAM, (n + 2047) & ~2047);
}
