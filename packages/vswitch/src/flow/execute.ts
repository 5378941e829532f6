/**
 * Runs a datapath program on one frame.
 *
 * What: outputs go to the pipeline's output callback; header rewrites are applied to a copy of
 * the frame in a scratch buffer (copy on first write), so the caller's bytes — which may sit in
 * a shared ring, or be seen by a capture — are never changed, and an output before a rewrite
 * carries the frame as it was. IPv4 header and TCP/UDP checksums are patched incrementally
 * (RFC 1624), never recomputed over the payload. A group bucket runs inside CLONE … CLONE_END
 * on its own scratch level, so what it rewrites stays in the bucket.
 *
 * Design: every header offset is found from the frame itself (tags, IHL, IPv6 extension
 * headers), so one program is right for every frame of its megaflow. The slow path already
 * knows whether dec_ttl will find the TTL spent (the TTL is in the megaflow); the check here is
 * a guard that ends the current action list (the bucket, or the program) all the same.
 *
 * Why fast: a switch over opcodes, numbers only; the scratch buffers and the clone stack are
 * allocated once.
 */
import { ipv6UpperLayer, updateChecksum16, updateChecksum32 } from '@vnet/frame';
import type { DpProgram, OutputKind, PacketIn } from './program.js';
import { Op } from './program.js';

export type OutputFn = (port: number, bytes: Uint8Array, offset: number, length: number, kind: OutputKind) => void;
export type ControllerFn = (packet: PacketIn, bytes: Uint8Array, offset: number, length: number) => void;

const MAX_DEPTH = 4;
/** Source buffers whose word views are kept: the scratch levels and a few rings. */
const VIEWS = 8;
/** Largest frame plus room for two pushed tags. */
const SCRATCH = 65536 + 64;
const VLAN = 0x8100;
const QINQ = 0x88a8;
const IPV4 = 0x0800;
const IPV6 = 0x86dd;
const TCP = 6;
const UDP = 17;
const ICMPV6 = 58;

export class Executor {
  /** Set by `run` when dec_ttl ended the program. */
  ttlExpired = false;
  private readonly scratch: Uint8Array[] = [];
  private readonly scratchWords: Int32Array[] = [];
  private readonly viewOf = new Array<ArrayBufferLike | undefined>(VIEWS).fill(undefined);
  private readonly views: Int32Array[] = [];
  private nextView = 0;
  private readonly savedBuf: Uint8Array[] = [];
  private readonly savedOff = new Int32Array(MAX_DEPTH);
  private readonly savedLen = new Int32Array(MAX_DEPTH);
  private readonly savedOwned = new Uint8Array(MAX_DEPTH);
  private readonly cloneEnd = new Int32Array(MAX_DEPTH);
  private readonly upper = new Int32Array(2);
  // The frame being worked on.
  private buf: Uint8Array = new Uint8Array(0);
  private off = 0;
  private len = 0;
  private owned = false;
  private depth = 0;

  constructor(
    private readonly output: OutputFn,
    private readonly controller: ControllerFn | undefined,
  ) {
    for (let d = 0; d <= MAX_DEPTH; d++) {
      const s = new Uint8Array(SCRATCH);
      this.scratch.push(s);
      this.scratchWords.push(new Int32Array(s.buffer));
    }
    for (let i = 0; i < VIEWS; i++) this.views.push(this.scratchWords[0]);
    for (let d = 0; d < MAX_DEPTH; d++) this.savedBuf.push(this.scratch[0]);
  }

  /** Executes `p` on `bytes[offset, offset + length)`; returns how many outputs and controller deliveries it made. */
  run(p: DpProgram, bytes: Uint8Array, offset: number, length: number): number {
    this.ttlExpired = false;
    if (p.single) {
      this.output(p.singlePort, bytes, offset, length, p.singleKind as OutputKind);
      return 1;
    }
    const ops = p.ops;
    this.buf = bytes;
    this.off = offset;
    this.len = length;
    this.owned = false;
    this.depth = 0;
    let delivered = 0;
    let pc = 0;
    while (pc < ops.length) {
      const op = ops[pc];
      switch (op) {
        case Op.OUTPUT:
          this.output(ops[pc + 1], this.buf, this.off, this.len, ops[pc + 2] as OutputKind);
          delivered++;
          pc += 3;
          break;
        case Op.CONTROLLER:
          if (this.controller) {
            this.controller(p.packetIns[ops[pc + 1]], this.buf, this.off, this.len);
            delivered++;
          }
          pc += 2;
          break;
        case Op.SET_ETH:
          this.own();
          this.setEth(ops[pc + 1], ops[pc + 2], ops[pc + 3]);
          pc += 4;
          break;
        case Op.SET_IP4:
          this.own();
          this.setIp4(ops[pc + 1], ops[pc + 2]);
          pc += 3;
          break;
        case Op.SET_IP6:
          this.own();
          this.setIp6(ops, pc);
          pc += 6;
          break;
        case Op.SET_TP:
          this.own();
          this.setTp(ops[pc + 1], ops[pc + 2]);
          pc += 3;
          break;
        case Op.SET_TOS:
          this.own();
          this.setTos(ops[pc + 1]);
          pc += 2;
          break;
        case Op.DEC_TTL:
          this.own();
          if (this.decTtl()) {
            pc += 1;
            break;
          }
          this.ttlExpired = true;
          if (this.depth === 0) return delivered;
          pc = this.cloneEnd[this.depth - 1];
          break;
        case Op.PUSH_VLAN:
          this.own();
          this.pushVlan(ops[pc + 1], ops[pc + 2]);
          pc += 3;
          break;
        case Op.POP_VLAN:
          this.own();
          this.popVlan();
          pc += 1;
          break;
        case Op.SET_VLAN:
          this.own();
          this.setVlan(ops[pc + 1], ops[pc + 2]);
          pc += 3;
          break;
        case Op.CLONE: {
          const d = this.depth;
          this.savedBuf[d] = this.buf;
          this.savedOff[d] = this.off;
          this.savedLen[d] = this.len;
          this.savedOwned[d] = this.owned ? 1 : 0;
          this.cloneEnd[d] = ops[pc + 1];
          this.depth = d + 1;
          this.owned = false;
          pc += 2;
          break;
        }
        case Op.CLONE_END: {
          const d = this.depth - 1;
          this.buf = this.savedBuf[d];
          this.off = this.savedOff[d];
          this.len = this.savedLen[d];
          this.owned = this.savedOwned[d] === 1;
          this.depth = d;
          pc += 1;
          break;
        }
        default:
          return delivered;
      }
    }
    return delivered;
  }

  /**
   * Moves the frame into this level's scratch buffer before its first rewrite. Without
   * allocating: a frame that is its whole array is copied with `set`; one inside a bigger
   * buffer (a ring) is copied as 32-bit words through a view of that buffer made once, landing
   * at the same alignment in the scratch buffer.
   */
  private own(): void {
    if (this.owned) return;
    const d = this.depth;
    const b = this.buf;
    const o = this.off;
    const n = this.len;
    let s = this.scratch[d];
    // Room for the frame, its alignment offset and two pushed tags; jumbo frames grow the buffer once.
    if (n + 16 > s.length) {
      s = new Uint8Array(n + 1024);
      this.scratch[d] = s;
      this.scratchWords[d] = new Int32Array(s.buffer);
    }
    const abs = b.byteOffset + o;
    const at = abs & 3;
    if (o === 0 && n === b.length) s.set(b, at);
    else if (n < 16) for (let i = 0; i < n; i++) s[at + i] = b[o + i];
    else {
      const src = this.words(b.buffer);
      const dst = this.scratchWords[d];
      const head = (4 - at) & 3;
      for (let i = 0; i < head; i++) s[at + i] = b[o + i];
      const from = (abs + head) >>> 2;
      const to = (at + head) >>> 2;
      const count = (n - head) >>> 2;
      for (let k = 0; k < count; k++) dst[to + k] = src[from + k];
      for (let i = head + count * 4; i < n; i++) s[at + i] = b[o + i];
    }
    this.buf = s;
    this.off = at;
    this.owned = true;
  }

  /** A 32-bit view of a source buffer; the last few are kept (frames of a ring share one). */
  private words(buffer: ArrayBufferLike): Int32Array {
    for (let i = 0; i < VIEWS; i++) if (this.viewOf[i] === buffer) return this.views[i];
    const slot = this.nextView;
    this.nextView = (slot + 1) % VIEWS;
    this.viewOf[slot] = buffer;
    this.views[slot] = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
    return this.views[slot];
  }

  /** Offset of the EtherType after up to two tags (the key's view of the frame). */
  private typeAt(): number {
    const b = this.buf;
    let o = this.off + 12;
    for (let n = 0; n < 2; n++) {
      const t = (b[o] << 8) | b[o + 1];
      if (t !== VLAN && t !== QINQ) break;
      o += 4;
    }
    return o;
  }

  private setEth(which: number, hi: number, lo: number): void {
    const b = this.buf;
    const o = this.off + (which === 0 ? 0 : 6);
    b[o] = hi >>> 8;
    b[o + 1] = hi;
    b[o + 2] = lo >>> 24;
    b[o + 3] = lo >>> 16;
    b[o + 4] = lo >>> 8;
    b[o + 5] = lo;
  }

  /** The IPv4 header offset, or -1 when the frame is not (long enough for) IPv4. */
  private ipv4At(): number {
    const t = this.typeAt();
    const b = this.buf;
    const l3 = t + 2;
    if (((b[t] << 8) | b[t + 1]) !== IPV4 || l3 + 20 > this.off + this.len) return -1;
    return l3;
  }

  /** The transport header offset of an IPv4 packet, or -1 for a later fragment or a short frame. */
  private ipv4L4(l3: number, need: number): number {
    const b = this.buf;
    if ((((b[l3 + 6] << 8) | b[l3 + 7]) & 0x1fff) !== 0) return -1;
    const l4 = l3 + ((b[l3] & 0x0f) << 2);
    return l4 + need <= this.off + this.len ? l4 : -1;
  }

  private setIp4(which: number, addr: number): void {
    const l3 = this.ipv4At();
    if (l3 < 0) return;
    const b = this.buf;
    const at = l3 + 12 + 4 * which;
    const old = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
    const next = addr >>> 0;
    if (old === next) return;
    b[at] = next >>> 24;
    b[at + 1] = next >>> 16;
    b[at + 2] = next >>> 8;
    b[at + 3] = next;
    patch16(b, l3 + 10, updateChecksum32(get16(b, l3 + 10), old, next));
    const proto = b[l3 + 9];
    if (proto === TCP) {
      const l4 = this.ipv4L4(l3, 18);
      if (l4 >= 0) patch16(b, l4 + 16, updateChecksum32(get16(b, l4 + 16), old, next));
    } else if (proto === UDP) {
      const l4 = this.ipv4L4(l3, 8);
      if (l4 >= 0 && get16(b, l4 + 6) !== 0) patch16(b, l4 + 6, udpZero(updateChecksum32(get16(b, l4 + 6), old, next)));
    }
  }

  private setIp6(ops: Int32Array, pc: number): void {
    const t = this.typeAt();
    const b = this.buf;
    const l3 = t + 2;
    const end = this.off + this.len;
    if (((b[t] << 8) | b[t + 1]) !== IPV6 || l3 + 40 > end) return;
    const at = l3 + (ops[pc + 1] === 0 ? 8 : 24);
    // Find the checksum to patch before the addresses change (the walk does not read them).
    const proto = ipv6UpperLayer(b, l3, Math.min(end, l3 + 40 + get16(b, l3 + 4)), this.upper);
    const l4 = this.upper[0];
    const sumAt =
      proto === TCP && l4 + 18 <= end ? l4 + 16 : proto === UDP && l4 + 8 <= end ? l4 + 6 : proto === ICMPV6 && l4 + 4 <= end ? l4 + 2 : -1;
    for (let i = 0; i < 4; i++) {
      const o = at + 4 * i;
      const old = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
      const next = ops[pc + 2 + i] >>> 0;
      b[o] = next >>> 24;
      b[o + 1] = next >>> 16;
      b[o + 2] = next >>> 8;
      b[o + 3] = next;
      if (sumAt >= 0) {
        const c = updateChecksum32(get16(b, sumAt), old, next);
        patch16(b, sumAt, proto === UDP ? udpZero(c) : c);
      }
    }
  }

  private setTp(which: number, port: number): void {
    const t = this.typeAt();
    const b = this.buf;
    const type = (b[t] << 8) | b[t + 1];
    const end = this.off + this.len;
    let proto = -1;
    let l4 = -1;
    if (type === IPV4) {
      const l3 = this.ipv4At();
      if (l3 < 0) return;
      proto = b[l3 + 9];
      l4 = this.ipv4L4(l3, proto === TCP ? 18 : 8);
    } else if (type === IPV6 && t + 42 <= end) {
      const l3 = t + 2;
      proto = ipv6UpperLayer(b, l3, Math.min(end, l3 + 40 + get16(b, l3 + 4)), this.upper);
      l4 = this.upper[0];
      if (l4 + (proto === TCP ? 18 : 8) > end) l4 = -1;
    }
    if (l4 < 0 || (proto !== TCP && proto !== UDP)) return;
    const at = l4 + 2 * which;
    const old = get16(b, at);
    patch16(b, at, port);
    if (proto === TCP) patch16(b, l4 + 16, updateChecksum16(get16(b, l4 + 16), old, port));
    else if (get16(b, l4 + 6) !== 0) patch16(b, l4 + 6, udpZero(updateChecksum16(get16(b, l4 + 6), old, port)));
  }

  private setTos(tos: number): void {
    const t = this.typeAt();
    const b = this.buf;
    const type = (b[t] << 8) | b[t + 1];
    const l3 = t + 2;
    if (type === IPV4) {
      if (this.ipv4At() < 0) return;
      const old = get16(b, l3);
      const next = (old & 0xff03) | (tos & 0xfc);
      patch16(b, l3, next);
      patch16(b, l3 + 10, updateChecksum16(get16(b, l3 + 10), old, next));
    } else if (type === IPV6 && l3 + 40 <= this.off + this.len) {
      // The traffic class straddles bytes 0 and 1: version(4) class(8) label(20).
      const tc = ((b[l3] & 0x0f) << 4) | (b[l3 + 1] >>> 4);
      const next = (tc & 0x03) | (tos & 0xfc);
      b[l3] = (b[l3] & 0xf0) | (next >>> 4);
      b[l3 + 1] = (b[l3 + 1] & 0x0f) | ((next & 0x0f) << 4);
    }
  }

  /** Decrements the TTL or hop limit; false when it had run out. Non-IP frames pass. */
  private decTtl(): boolean {
    const t = this.typeAt();
    const b = this.buf;
    const type = (b[t] << 8) | b[t + 1];
    const l3 = t + 2;
    if (type === IPV4) {
      if (this.ipv4At() < 0) return true;
      const ttl = b[l3 + 8];
      if (ttl <= 1) return false;
      const old = get16(b, l3 + 8);
      b[l3 + 8] = ttl - 1;
      patch16(b, l3 + 10, updateChecksum16(get16(b, l3 + 10), old, old - 256));
    } else if (type === IPV6 && l3 + 40 <= this.off + this.len) {
      if (b[l3 + 7] <= 1) return false;
      b[l3 + 7]--;
    }
    return true;
  }

  private pushVlan(tpid: number, tci: number): void {
    const b = this.buf;
    const o = this.off;
    b.copyWithin(o + 16, o + 12, o + this.len);
    b[o + 12] = tpid >>> 8;
    b[o + 13] = tpid;
    b[o + 14] = tci >>> 8;
    b[o + 15] = tci;
    this.len += 4;
  }

  private popVlan(): void {
    const b = this.buf;
    const o = this.off;
    const t = (b[o + 12] << 8) | b[o + 13];
    if ((t !== VLAN && t !== QINQ) || this.len < 18) return;
    b.copyWithin(o + 12, o + 16, o + this.len);
    this.len -= 4;
  }

  private setVlan(tci: number, mask: number): void {
    const b = this.buf;
    const o = this.off;
    const t = (b[o + 12] << 8) | b[o + 13];
    if ((t !== VLAN && t !== QINQ) || this.len < 18) return;
    const v = (get16(b, o + 14) & ~mask) | (tci & mask);
    patch16(b, o + 14, v);
  }
}

function get16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function patch16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

/** A UDP checksum that computes to 0 is sent as 0xffff (0 means "none"). */
function udpZero(c: number): number {
  return c === 0 ? 0xffff : c;
}
