/**
 * The byte stores of a connection: a send ring holding what the application wrote and the peer
 * has not acknowledged, and a receive ring holding what arrived and the application has not
 * taken, with the out-of-order ranges beyond it (which become SACK blocks). Both are circular
 * buffers that start empty and double as they fill, up to their capacity: an idle connection
 * costs no buffer memory, and a short exchange only a little.
 */
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from './seq.js';

/** The first allocation of a ring. */
const INITIAL = 16 * 1024;

/** A ring's storage of at least `need` bytes, the held bytes `[start, start + held)` moved to its front. */
function grown(buf: Uint8Array, start: number, held: number, need: number, capacity: number): Uint8Array {
  const next = new Uint8Array(Math.min(capacity, Math.max(INITIAL, 2 * buf.length, need)));
  const first = Math.min(held, buf.length - start);
  next.set(buf.subarray(start, start + first), 0);
  if (first < held) next.set(buf.subarray(0, held - first), first);
  return next;
}

export class SendRing {
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  /** Bytes held: sent and unacknowledged, then not yet sent. */
  length = 0;

  constructor(readonly capacity: number) {}

  get free(): number {
    return this.capacity - this.length;
  }

  /** Appends up to `free` bytes of `data[offset, offset + length)`; returns how many were taken. */
  write(data: Uint8Array, offset: number, length: number): number {
    const n = Math.min(length, this.free);
    if (n === 0) return 0;
    if (this.length + n > this.buf.length) {
      this.buf = grown(this.buf, this.start, this.length, this.length + n, this.capacity);
      this.start = 0;
    }
    const cap = this.buf.length;
    const at = (this.start + this.length) % cap;
    const first = Math.min(n, cap - at);
    this.buf.set(data.subarray(offset, offset + first), at);
    if (first < n) this.buf.set(data.subarray(offset + first, offset + n), 0);
    this.length += n;
    return n;
  }

  /** Forgets the first `n` bytes (acknowledged). */
  consume(n: number): void {
    this.length -= n;
    this.start = this.length === 0 ? 0 : (this.start + n) % this.buf.length;
  }

  /** Copies `n` bytes starting `from` bytes after the first held one into `dst` at `at`. */
  copyOut(from: number, n: number, dst: Uint8Array, at: number): void {
    const buf = this.buf;
    const cap = buf.length;
    const s = (this.start + from) % cap;
    const first = Math.min(n, cap - s);
    dst.set(buf.subarray(s, s + first), at);
    if (first < n) dst.set(buf.subarray(0, n - first), at + first);
  }
}

/** A received range beyond the next expected byte: [left, right) in sequence numbers. */
export interface SeqRange {
  left: number;
  right: number;
}

export class ReceiveRing {
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  /** In-order bytes not yet handed to the application. */
  readable = 0;
  /** Out-of-order ranges, sorted and disjoint, most recently changed first in `recent` (for SACK). */
  readonly ooo: SeqRange[] = [];
  /** The ranges in the order they last changed, newest first: the first SACK block reports the newest (RFC 2018 §4). */
  recent: SeqRange[] = [];

  constructor(readonly capacity: number) {}

  /** The window to advertise: room not taken by unread bytes. */
  get window(): number {
    return this.capacity - this.readable;
  }

  /**
   * Stores `data[offset, offset + length)` whose first byte has sequence `seq`, with `rcvNxt`
   * the next expected byte; the caller has trimmed it to the window. Returns how far the
   * in-order edge moved (0 for a range beyond a hole).
   */
  store(seq: number, rcvNxt: number, data: Uint8Array, offset: number, length: number): number {
    const end0 = this.readable + seqDiff(seq, rcvNxt) + length;
    if (end0 > this.buf.length) {
      // Held: the readable bytes and everything stored beyond them up to the furthest range.
      const furthest = this.ooo.length ? this.readable + seqDiff(this.ooo[this.ooo.length - 1].right, rcvNxt) : this.readable;
      this.buf = grown(this.buf, this.start, furthest, end0, this.capacity);
      this.start = 0;
    }
    const buf = this.buf;
    const cap = buf.length;
    const at = (this.start + this.readable + seqDiff(seq, rcvNxt)) % cap;
    const first = Math.min(length, cap - at);
    buf.set(data.subarray(offset, offset + first), at);
    if (first < length) buf.set(data.subarray(offset + first, offset + length), 0);
    const end = seqAdd(seq, length);
    if (seq !== rcvNxt) {
      this.addRange(seq, end);
      return 0;
    }
    // In order: the edge moves past it and past any stored range it now reaches.
    let edge = end;
    while (this.ooo.length > 0 && seqLe(this.ooo[0].left, edge)) {
      const r = this.ooo.shift()!;
      this.recent = this.recent.filter((x) => x !== r);
      if (seqGt(r.right, edge)) edge = r.right;
    }
    const moved = seqDiff(edge, rcvNxt);
    this.readable += moved;
    return moved;
  }

  private addRange(left: number, right: number): void {
    const list = this.ooo;
    let merged: SeqRange = { left, right };
    const keep: SeqRange[] = [];
    for (const r of list) {
      if (seqLt(r.right, merged.left) || seqGt(r.left, merged.right)) keep.push(r);
      else {
        merged = { left: seqLt(r.left, merged.left) ? r.left : merged.left, right: seqGt(r.right, merged.right) ? r.right : merged.right };
        this.recent = this.recent.filter((x) => x !== r);
      }
    }
    keep.push(merged);
    keep.sort((a, b) => seqDiff(a.left, b.left));
    list.length = 0;
    list.push(...keep);
    this.recent.unshift(merged);
  }

  /** Hands up to `max` readable bytes to `sink` (in one or two views, as the ring wraps); returns how many. */
  read(max: number, sink: (bytes: Uint8Array, offset: number, length: number) => void): number {
    const n = Math.min(max, this.readable);
    if (n === 0) return 0;
    const buf = this.buf;
    const cap = buf.length;
    const first = Math.min(n, cap - this.start);
    const s = this.start;
    this.start = (this.start + n) % cap;
    this.readable -= n;
    sink(buf, s, first);
    if (first < n) sink(buf, 0, n - first);
    return n;
  }

  /** Whether `seq` lies in a stored out-of-order range. */
  has(seq: number): boolean {
    for (const r of this.ooo) if (seqGe(seq, r.left) && seqLt(seq, r.right)) return true;
    return false;
  }
}
