/**
 * A FIFO of byte strings copied into one arena: the stack's backlog (loopback datagrams, and
 * frames that arrive while it is already processing one, e.g. from a port that delivers
 * synchronously).
 *
 * Design: entries are appended back to back into a growable arena, described by triples in an
 * Int32Array (offset, length, tag); when the queue drains, both rewind to zero. The arena grows
 * by doubling up to `maxBytes` and is then reused, so a steady flow allocates nothing. `shift`
 * exposes the head through fields instead of returning an object.
 */
import { copyBytes } from './bytes.js';

export class FrameQueue {
  private arena: Uint8Array;
  private meta: Int32Array;
  private used = 0;
  private head = 0;
  private tail = 0;

  /** The entry `shift` took: valid until the next `push` that grows the arena, or the next `shift`. */
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  length = 0;
  tag = 0;

  constructor(
    initialBytes: number,
    private readonly maxBytes: number,
  ) {
    this.arena = new Uint8Array(initialBytes);
    this.meta = new Int32Array(3 * 16);
  }

  get size(): number {
    return this.tail - this.head;
  }

  /** Copies `src[offset, offset + length)` in; false (nothing queued) when the queue is full. */
  push(src: Uint8Array, offset: number, length: number, tag: number): boolean {
    if (this.used + length > this.arena.length) {
      if (this.used + length > this.maxBytes) return false;
      let n = this.arena.length * 2;
      while (n < this.used + length) n *= 2;
      const grown = new Uint8Array(Math.min(n, this.maxBytes));
      grown.set(this.arena.subarray(0, this.used));
      this.arena = grown;
    }
    if (3 * (this.tail + 1) > this.meta.length) {
      const grown = new Int32Array(this.meta.length * 2);
      grown.set(this.meta);
      this.meta = grown;
    }
    copyBytes(src, offset, this.arena, this.used, length);
    const m = 3 * this.tail++;
    this.meta[m] = this.used;
    this.meta[m + 1] = length;
    this.meta[m + 2] = tag;
    this.used += length;
    return true;
  }

  /** Takes the oldest entry into `bytes`/`offset`/`length`/`tag`; false when empty. */
  shift(): boolean {
    if (this.head === this.tail) {
      this.head = this.tail = this.used = 0;
      return false;
    }
    const m = 3 * this.head++;
    this.bytes = this.arena;
    this.offset = this.meta[m];
    this.length = this.meta[m + 1];
    this.tag = this.meta[m + 2];
    return true;
  }

  clear(): void {
    this.head = this.tail = this.used = 0;
  }
}
