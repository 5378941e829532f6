/**
 * The microflow cache: OVS's exact-match cache (EMC) in front of the megaflow cache.
 *
 * What: the full flow key of a recently seen frame → the megaflow slot that covers it. A hit
 * costs one hash of the key and one comparison, whatever the number of masks behind it.
 *
 * Design: a fixed table of 2^n entries, two candidate positions per key (from different hash
 * bits), no chaining; a new entry takes an empty or dead position, else the second one. An
 * entry stores the megaflow slot's serial: when the megaflow is removed or the cache flushed,
 * the serial moves on and the entry is dead without anyone touching it. As in OVS, insertion
 * is probabilistic (one in `insertInv` megaflow hits), so a workload of many more flows than
 * entries does not spend its time evicting.
 *
 * Why fast: keys are compared word by word after a hash check, in flat Int32Arrays.
 */
import { KEY_WORDS } from './fields.js';
import { hashFinish } from './hash.js';

export class MicroflowCache {
  private readonly keys: Int32Array;
  private readonly hashes: Int32Array;
  /** Megaflow slot + 1; 0 empty. */
  private readonly slot: Int32Array;
  private readonly serial: Int32Array;
  private readonly mask: number;
  private empty = true;
  private counter = 0;

  constructor(
    entries: number,
    /** Insert one megaflow hit in this many (1: always). */
    private readonly insertInv: number,
  ) {
    const n = entries <= 0 ? 0 : 2 ** Math.ceil(Math.log2(Math.max(2, entries)));
    this.keys = new Int32Array(n * KEY_WORDS);
    this.hashes = new Int32Array(n);
    this.slot = new Int32Array(n);
    this.serial = new Int32Array(n);
    this.mask = n - 1;
  }

  get size(): number {
    return this.slot.length;
  }

  /**
   * The hash the cache indexes `key` by: a sum of per-word products with distinct odd
   * constants, then a finaliser. The products do not depend on each other, so the CPU runs them
   * side by side instead of in one chain of 20 multiplies; written out, because a loop here
   * costs twice as much.
   */
  static hash(k: Int32Array): number {
    let h = Math.imul(k[0], 0x9e3779b1) + Math.imul(k[1], 0x85ebca6b) + Math.imul(k[2], 0xc2b2ae35) + Math.imul(k[3], 0x27d4eb2f);
    h = (h + Math.imul(k[4], 0x165667b1) + Math.imul(k[5], 0xd3a2646d) + Math.imul(k[6], 0xfd7046c5) + Math.imul(k[7], 0xb55a4f09)) | 0;
    h = (h + Math.imul(k[8], 0x9e3779b9) + Math.imul(k[9], 0x7f4a7c15) + Math.imul(k[10], 0x94d049bb) + Math.imul(k[11], 0xbf58476d)) | 0;
    h = (h + Math.imul(k[12], 0x2545f491) + Math.imul(k[13], 0x9e3779b7) + Math.imul(k[14], 0x61c88647) + Math.imul(k[15], 0x7feb352d)) | 0;
    h = (h + Math.imul(k[16], 0x846ca68b) + Math.imul(k[17], 0x68e31da5) + Math.imul(k[18], 0xcc9e2d51) + Math.imul(k[19], 0x1b873593)) | 0;
    return hashFinish(h);
  }

  /** The megaflow slot cached for `key` whose serial is still `serials[slot]`, or -1. */
  lookup(key: Int32Array, h: number, serials: Int32Array): number {
    if (this.mask < 0) return -1;
    let i = h & this.mask;
    for (let way = 0; way < 2; way++) {
      const s1 = this.slot[i];
      if (s1 !== 0 && this.hashes[i] === h && serials[s1 - 1] === this.serial[i]) {
        const keys = this.keys;
        const base = i * KEY_WORDS;
        let w = 0;
        while (w < KEY_WORDS && keys[base + w] === key[w]) w++;
        if (w === KEY_WORDS) return s1 - 1;
      }
      i = (h >>> 16) & this.mask;
    }
    return -1;
  }

  /** Maybe caches `key` → megaflow `mfSlot` (one call in `insertInv` does). */
  offer(key: Int32Array, h: number, mfSlot: number, serials: Int32Array): void {
    if (this.mask < 0) return;
    if (++this.counter < this.insertInv) return;
    this.counter = 0;
    const a = h & this.mask;
    const b = (h >>> 16) & this.mask;
    const i = this.slot[a] === 0 || serials[this.slot[a] - 1] !== this.serial[a] ? a : b;
    const base = i * KEY_WORDS;
    for (let w = 0; w < KEY_WORDS; w++) this.keys[base + w] = key[w];
    this.hashes[i] = h;
    this.slot[i] = mfSlot + 1;
    this.serial[i] = serials[mfSlot];
    this.empty = false;
  }

  clear(): void {
    if (this.empty) return;
    this.slot.fill(0);
    this.empty = true;
  }
}
