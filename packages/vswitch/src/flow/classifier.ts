/**
 * The OpenFlow classifier of one flow table: given a flow key, the highest-priority rule whose
 * match covers it. OVS's lib/classifier.h explains the design this follows.
 *
 * What: tuple space search. Rules are grouped by mask into subtables; a subtable is a hash table
 * from masked value to the rules with that value (sorted by rank). A lookup hashes the key under
 * each subtable's mask and probes once, so the cost grows with the number of distinct masks,
 * not rules.
 *
 * Design: subtables are kept sorted by the highest rank they hold, and a lookup stops at the
 * first subtable that cannot beat the rule it already found (priority skipping). `lookupWc`
 * also records which key bits decided the result (un-wildcarding): the masks of exactly the
 * subtables it probed. Any packet that agrees with the key on those bits takes the same path
 * through the same subtables and gets the same rule, which is what makes a megaflow built from
 * them correct.
 *
 * Why fast: a subtable hashes and compares only the words its mask touches (a list of word
 * indexes, usually 1-4 of the 20), open addressing in an Int32Array, no allocation per lookup.
 */

import { KEY_WORDS } from './fields.js';
import { HASH_SEED, hashFinish, hashMasked, hashWord } from './hash.js';
import type { FlowMatch } from './match.js';

export interface ClassifiedRule {
  readonly match: FlowMatch;
  readonly rank: number;
  readonly priority: number;
}

class Group<R> {
  constructor(
    readonly hash: number,
    /** The masked value, compacted to the subtable's words. */
    readonly value: Int32Array,
    /** Highest rank first. */
    readonly rules: R[],
  ) {}
}

class Subtable<R extends ClassifiedRule> {
  readonly mask: Int32Array;
  /** Indexes of the key words this mask touches. */
  readonly words: Int32Array;
  /** The mask of each of those words. */
  readonly maskC: Int32Array;
  /** Open addressing: group index + 1, 0 when empty. */
  private slots = new Int32Array(8);
  private readonly groups: Array<Group<R> | undefined> = [];
  private readonly free: number[] = [];
  private used = 0;
  rules = 0;
  maxRank = Number.NEGATIVE_INFINITY;

  constructor(mask: Int32Array) {
    this.mask = mask.slice();
    const words: number[] = [];
    for (let w = 0; w < KEY_WORDS; w++) if (mask[w] !== 0) words.push(w);
    this.words = Int32Array.from(words);
    this.maskC = Int32Array.from(words, (w) => mask[w]);
  }

  /** The best rule whose masked value equals the key's, if any. */
  find(key: Int32Array): R | undefined {
    const words = this.words;
    const maskC = this.maskC;
    const n = words.length;
    let h = HASH_SEED;
    for (let j = 0; j < n; j++) h = hashWord(h, key[words[j]] & maskC[j]);
    h = hashFinish(h);
    const slots = this.slots;
    const m = slots.length - 1;
    for (let i = h & m; ; i = (i + 1) & m) {
      const s = slots[i];
      if (s === 0) return undefined;
      const g = this.groups[s - 1]!;
      if (g.hash !== h) continue;
      const v = g.value;
      let j = 0;
      while (j < n && v[j] === (key[words[j]] & maskC[j])) j++;
      if (j === n) return g.rules[0];
    }
  }

  private compact(match: FlowMatch): Int32Array {
    return Int32Array.from(this.words, (w) => match.value[w]);
  }

  private locate(value: Int32Array, hash: number): number {
    const slots = this.slots;
    const m = slots.length - 1;
    for (let i = hash & m; ; i = (i + 1) & m) {
      const s = slots[i];
      if (s === 0) return -1;
      const g = this.groups[s - 1]!;
      if (g.hash === hash && g.value.every((x, j) => x === value[j])) return i;
    }
  }

  /** Adds a rule; a rule with the same match and priority is replaced and returned. */
  insert(rule: R): R | undefined {
    const value = this.compact(rule.match);
    const hash = hashMasked(rule.match.value, this.words, this.maskC);
    const at = this.locate(value, hash);
    if (at >= 0) {
      const g = this.groups[this.slots[at] - 1]!;
      const same = g.rules.findIndex((r) => r.priority === rule.priority);
      let replaced: R | undefined;
      if (same >= 0) {
        replaced = g.rules[same];
        g.rules.splice(same, 1);
        this.rules--;
      }
      let i = 0;
      while (i < g.rules.length && g.rules[i].rank > rule.rank) i++;
      g.rules.splice(i, 0, rule);
      this.rules++;
      if (rule.rank > this.maxRank) this.maxRank = rule.rank;
      return replaced;
    }
    if ((this.used + 1) * 2 > this.slots.length) this.grow();
    const gi = this.free.pop() ?? this.groups.length;
    this.groups[gi] = new Group(hash, value, [rule]);
    this.place(gi, hash);
    this.used++;
    this.rules++;
    if (rule.rank > this.maxRank) this.maxRank = rule.rank;
    return undefined;
  }

  /** Removes a rule; true if it was here. The caller refreshes maxRank (it may have dropped). */
  remove(rule: R): boolean {
    const at = this.locate(this.compact(rule.match), hashMasked(rule.match.value, this.words, this.maskC));
    if (at < 0) return false;
    const gi = this.slots[at] - 1;
    const g = this.groups[gi]!;
    const i = g.rules.indexOf(rule);
    if (i < 0) return false;
    g.rules.splice(i, 1);
    this.rules--;
    if (g.rules.length === 0) {
      this.groups[gi] = undefined;
      this.free.push(gi);
      this.used--;
      this.unplace(at);
    }
    return true;
  }

  /** The rule with exactly this match and priority. */
  get(match: FlowMatch, priority: number): R | undefined {
    const at = this.locate(this.compact(match), hashMasked(match.value, this.words, this.maskC));
    if (at < 0) return undefined;
    return this.groups[this.slots[at] - 1]!.rules.find((r) => r.priority === priority);
  }

  refreshMaxRank(): void {
    let max = Number.NEGATIVE_INFINITY;
    for (const g of this.groups) if (g && g.rules[0].rank > max) max = g.rules[0].rank;
    this.maxRank = max;
  }

  *all(): Generator<R> {
    for (const g of this.groups) if (g) yield* g.rules;
  }

  private place(gi: number, hash: number): void {
    const slots = this.slots;
    const m = slots.length - 1;
    let i = hash & m;
    while (slots[i] !== 0) i = (i + 1) & m;
    slots[i] = gi + 1;
  }

  /** Backward-shift deletion keeps probe chains unbroken without tombstones. */
  private unplace(at: number): void {
    const slots = this.slots;
    const m = slots.length - 1;
    let hole = at;
    slots[hole] = 0;
    for (let j = (hole + 1) & m; slots[j] !== 0; j = (j + 1) & m) {
      const home = this.groups[slots[j] - 1]!.hash & m;
      // The entry at j may fill the hole if its home is not cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!stays) {
        slots[hole] = slots[j];
        slots[j] = 0;
        hole = j;
      }
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (const s of old) if (s !== 0) this.place(s - 1, this.groups[s - 1]!.hash);
  }
}

export class Classifier<R extends ClassifiedRule> {
  /** Highest maxRank first. */
  private subtables: Subtable<R>[] = [];
  private readonly byMask = new Map<string, Subtable<R>>();
  /** Set when a removal may have lowered a subtable's maxRank; settled before the next lookup. */
  private dirty = false;
  size = 0;

  /** Number of distinct masks. */
  get masks(): number {
    return this.subtables.length;
  }

  insert(rule: R): R | undefined {
    const key = rule.match.mask.join(',');
    let st = this.byMask.get(key);
    if (!st) {
      st = new Subtable<R>(rule.match.mask);
      this.byMask.set(key, st);
      this.subtables.push(st);
    }
    const before = st.maxRank;
    const replaced = st.insert(rule);
    if (!replaced) this.size++;
    if (st.maxRank !== before) this.sort();
    return replaced;
  }

  remove(rule: R): boolean {
    const st = this.byMask.get(rule.match.mask.join(','));
    if (!st?.remove(rule)) return false;
    this.size--;
    if (st.rules === 0) {
      this.byMask.delete(rule.match.mask.join(','));
      this.subtables = this.subtables.filter((s) => s !== st);
    } else if (rule.rank === st.maxRank) this.dirty = true;
    return true;
  }

  /** The rule with exactly this match and priority (a strict lookup). */
  get(match: FlowMatch, priority: number): R | undefined {
    return this.byMask.get(match.mask.join(','))?.get(match, priority);
  }

  clear(): void {
    this.subtables = [];
    this.byMask.clear();
    this.size = 0;
    this.dirty = false;
  }

  /** The highest-ranked rule covering `key`. */
  lookup(key: Int32Array): R | undefined {
    if (this.dirty) this.settle();
    const sts = this.subtables;
    let best: R | undefined;
    let bestRank = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < sts.length; i++) {
      const st = sts[i];
      if (st.maxRank < bestRank) break;
      const r = st.find(key);
      if (r !== undefined && r.rank > bestRank) {
        best = r;
        bestRank = r.rank;
      }
    }
    return best;
  }

  /** As `lookup`, and ORs into `wc` the mask of every subtable it had to probe. */
  lookupWc(key: Int32Array, wc: Int32Array): R | undefined {
    if (this.dirty) this.settle();
    const sts = this.subtables;
    let best: R | undefined;
    let bestRank = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < sts.length; i++) {
      const st = sts[i];
      if (st.maxRank < bestRank) break;
      const words = st.words;
      for (let j = 0; j < words.length; j++) wc[words[j]] |= st.maskC[j];
      const r = st.find(key);
      if (r !== undefined && r.rank > bestRank) {
        best = r;
        bestRank = r.rank;
      }
    }
    return best;
  }

  *[Symbol.iterator](): Generator<R> {
    for (const st of this.subtables) yield* st.all();
  }

  private settle(): void {
    for (const st of this.subtables) st.refreshMaxRank();
    this.sort();
    this.dirty = false;
  }

  private sort(): void {
    this.subtables.sort((a, b) => b.maxRank - a.maxRank);
  }
}
