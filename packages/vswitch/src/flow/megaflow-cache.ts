/**
 * The megaflow cache: OVS's dpcls, a wildcard cache of slow-path decisions.
 *
 * What: each entry is (mask, masked key) → datapath program, where the mask holds exactly the
 * key bits the slow path consulted to reach its decision (classifier un-wildcarding, plus what
 * actions looked at). Every frame that agrees with the entry on those bits gets the same
 * program, so one upcall serves a whole class of flows. Entries of the same generation never
 * overlap (see classifier.ts), so the first match is the answer: no priorities here.
 *
 * Design: struct-of-arrays storage indexed by slot (masked key words, hash, counters, program),
 * grown by doubling up to a limit; one subtable per distinct mask, each an open-addressing table
 * of slots. Subtables are re-ordered by hits on `poll`, so the busiest mask is probed first.
 * A slot's serial changes whenever it is freed, which is how microflow entries pointing at it
 * notice. Entries that depend on the MAC table carry the MAC generation they were made under.
 *
 * Why fast: a probe hashes and compares only the words the subtable's mask touches; stats are
 * Float64Array stores; nothing allocates on lookup or hit.
 */
import { KEY_WORDS } from './fields.js';
import { HASH_SEED, hashFinish, hashWord } from './hash.js';
import type { DpProgram } from './program.js';

/** Sentinel for entries whose program does not depend on the MAC table. */
export const NO_MAC_DEPENDENCY = -1;

class MegaSubtable {
  readonly mask: Int32Array;
  readonly words: Int32Array;
  readonly maskC: Int32Array;
  /** slot + 1, 0 when empty. */
  slots = new Int32Array(16);
  used = 0;
  hits = 0;

  constructor(mask: Int32Array) {
    this.mask = mask.slice();
    const words: number[] = [];
    for (let w = 0; w < KEY_WORDS; w++) if (mask[w] !== 0) words.push(w);
    this.words = Int32Array.from(words);
    this.maskC = Int32Array.from(words, (w) => mask[w]);
  }
}

export class MegaflowCache {
  /** Masked key words, KEY_WORDS per slot. */
  value: Int32Array;
  hash: Int32Array;
  serial: Int32Array;
  /** Subtable of a slot, -1 when free. */
  subtableOf: Int32Array;
  macGen: Int32Array;
  packets: Float64Array;
  bytes: Float64Array;
  /** Last use (ms); -1 never. */
  used: Float64Array;
  program: Array<DpProgram | undefined>;
  private capacity: number;
  private freeList: Int32Array;
  private freeTop = 0;
  private nextFresh = 0;
  count = 0;
  /** Subtables probed by lookups that hit, for the "average masks per hit" figure. */
  probes = 0;
  subtables: MegaSubtable[] = [];
  private readonly byMask = new Map<string, number>();

  constructor(readonly limit: number) {
    this.capacity = Math.min(1024, limit);
    const c = this.capacity;
    this.value = new Int32Array(c * KEY_WORDS);
    this.hash = new Int32Array(c);
    this.serial = new Int32Array(c);
    this.subtableOf = new Int32Array(c).fill(-1);
    this.macGen = new Int32Array(c);
    this.packets = new Float64Array(c);
    this.bytes = new Float64Array(c);
    this.used = new Float64Array(c);
    this.program = new Array<DpProgram | undefined>(c).fill(undefined);
    this.freeList = new Int32Array(c);
  }

  /**
   * The slot whose entry covers `key` and is valid for MAC generation `macGen`, or -1.
   * Entries made under an older MAC generation are removed as they are met.
   */
  lookup(key: Int32Array, macGen: number): number {
    const sts = this.subtables;
    const value = this.value;
    for (let t = 0; t < sts.length; t++) {
      const st = sts[t];
      if (st.used === 0) continue;
      const words = st.words;
      const maskC = st.maskC;
      const n = words.length;
      let h = HASH_SEED;
      for (let j = 0; j < n; j++) h = hashWord(h, key[words[j]] & maskC[j]);
      h = hashFinish(h);
      const slots = st.slots;
      const m = slots.length - 1;
      for (let i = h & m; ; i = (i + 1) & m) {
        const s1 = slots[i];
        if (s1 === 0) break;
        const s = s1 - 1;
        if (this.hash[s] !== h) continue;
        const base = s * KEY_WORDS;
        let j = 0;
        while (j < n && value[base + words[j]] === (key[words[j]] & maskC[j])) j++;
        if (j < n) continue;
        const g = this.macGen[s];
        if (g !== NO_MAC_DEPENDENCY && g !== macGen) {
          this.remove(s);
          break;
        }
        st.hits++;
        this.probes += t + 1;
        return s;
      }
    }
    return -1;
  }

  /** Installs an entry; returns its slot, or -1 when the cache is full. */
  insert(key: Int32Array, mask: Int32Array, program: DpProgram, macGen: number, now: number): number {
    if (this.count >= this.limit) return -1;
    const name = mask.join(',');
    let t = this.byMask.get(name);
    if (t === undefined) {
      t = this.subtables.length;
      this.subtables.push(new MegaSubtable(mask));
      this.byMask.set(name, t);
    }
    const st = this.subtables[t];
    const s = this.allocate();
    const base = s * KEY_WORDS;
    let h = HASH_SEED;
    for (let w = 0; w < KEY_WORDS; w++) this.value[base + w] = key[w] & mask[w];
    for (let j = 0; j < st.words.length; j++) h = hashWord(h, key[st.words[j]] & st.maskC[j]);
    h = hashFinish(h);
    this.hash[s] = h;
    this.subtableOf[s] = t;
    this.macGen[s] = macGen;
    this.packets[s] = 0;
    this.bytes[s] = 0;
    this.used[s] = now;
    this.program[s] = program;
    if ((st.used + 1) * 2 > st.slots.length) this.growSubtable(st);
    place(st.slots, h, s + 1);
    st.used++;
    this.count++;
    return s;
  }

  remove(s: number): void {
    const t = this.subtableOf[s];
    if (t < 0) return;
    const st = this.subtables[t];
    const slots = st.slots;
    const m = slots.length - 1;
    let i = this.hash[s] & m;
    while (slots[i] !== s + 1) i = (i + 1) & m;
    // Backward-shift deletion.
    let hole = i;
    slots[hole] = 0;
    for (let j = (hole + 1) & m; slots[j] !== 0; j = (j + 1) & m) {
      const home = this.hash[slots[j] - 1] & m;
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        slots[hole] = slots[j];
        slots[j] = 0;
        hole = j;
      }
    }
    st.used--;
    this.subtableOf[s] = -1;
    this.serial[s] = (this.serial[s] + 1) | 0;
    this.program[s] = undefined;
    this.freeList[this.freeTop++] = s;
    this.count--;
  }

  /** Forgets every entry (their serials change, so microflow entries die with them). */
  clear(): void {
    if (this.count === 0 && this.subtables.length === 0) return;
    for (let s = 0; s < this.nextFresh; s++) {
      if (this.subtableOf[s] >= 0) this.serial[s] = (this.serial[s] + 1) | 0;
      this.subtableOf[s] = -1;
      this.program[s] = undefined;
    }
    this.freeTop = 0;
    this.nextFresh = 0;
    this.count = 0;
    this.subtables = [];
    this.byMask.clear();
  }

  /** Visits every live slot. */
  forEach(f: (slot: number) => void): void {
    for (let s = 0; s < this.nextFresh; s++) if (this.subtableOf[s] >= 0) f(s);
  }

  /** The mask of a live slot. */
  maskOf(s: number): Int32Array {
    return this.subtables[this.subtableOf[s]].mask;
  }

  /** Drops empty subtables and orders the rest by hits since the last call (busiest first). */
  reorder(): void {
    const keep = this.subtables.filter((st) => st.used > 0).sort((a, b) => b.hits - a.hits);
    if (keep.length === this.subtables.length && keep.every((st, i) => st === this.subtables[i])) {
      for (const st of keep) st.hits = 0;
      return;
    }
    const index = new Map(this.subtables.map((st, i) => [st, i]));
    const renumber = new Int32Array(this.subtables.length).fill(-1);
    keep.forEach((st, i) => {
      renumber[index.get(st)!] = i;
      st.hits = 0;
    });
    for (let s = 0; s < this.nextFresh; s++) if (this.subtableOf[s] >= 0) this.subtableOf[s] = renumber[this.subtableOf[s]];
    this.subtables = keep;
    this.byMask.clear();
    keep.forEach((st, i) => {
      this.byMask.set(st.mask.join(','), i);
    });
  }

  /** Bytes held by the typed arrays (the bulk of the cache's memory). */
  get footprint(): number {
    let n = this.value.byteLength + this.hash.byteLength * 4 + this.packets.byteLength * 3 + this.freeList.byteLength + this.capacity * 8;
    for (const st of this.subtables) n += st.slots.byteLength;
    return n;
  }

  private allocate(): number {
    if (this.freeTop > 0) return this.freeList[--this.freeTop];
    if (this.nextFresh === this.capacity) this.grow();
    return this.nextFresh++;
  }

  private grow(): void {
    const c = Math.min(this.capacity * 2, Math.max(this.limit, 1));
    const more = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T, per = 1): T => {
      const b = make(c * per);
      b.set(a);
      return b;
    };
    this.value = more(this.value, (n) => new Int32Array(n), KEY_WORDS);
    this.hash = more(this.hash, (n) => new Int32Array(n));
    this.serial = more(this.serial, (n) => new Int32Array(n));
    const sub = new Int32Array(c).fill(-1);
    sub.set(this.subtableOf);
    this.subtableOf = sub;
    this.macGen = more(this.macGen, (n) => new Int32Array(n));
    this.packets = more(this.packets, (n) => new Float64Array(n));
    this.bytes = more(this.bytes, (n) => new Float64Array(n));
    this.used = more(this.used, (n) => new Float64Array(n));
    for (let s = this.capacity; s < c; s++) this.program.push(undefined);
    this.freeList = more(this.freeList, (n) => new Int32Array(n));
    this.capacity = c;
  }

  private growSubtable(st: MegaSubtable): void {
    const old = st.slots;
    st.slots = new Int32Array(old.length * 2);
    for (const s1 of old) if (s1 !== 0) place(st.slots, this.hash[s1 - 1], s1);
  }
}

function place(slots: Int32Array, h: number, entry: number): void {
  const m = slots.length - 1;
  let i = h & m;
  while (slots[i] !== 0) i = (i + 1) & m;
  slots[i] = entry;
}
