import { FLOW_KEY_WORDS, FlowKeyWord as W } from '@vnet/frame';
import { describe, expect, it } from 'vitest';
import { Classifier, FlowMatch, FlowRule } from '../src/index.js';

/** A seeded generator, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)],
    chance: (p: number) => next() < p,
  };
}

// Small pools of values per word, so random rules and random keys meet often (test-classifier's idea).
const POOLS: Record<number, number[]> = {
  [W.IN_PORT]: [1, 2, 3],
  [W.ETH_DST_LO]: [1, 2, 0x0a0b0c0d],
  [W.ETH_SRC_LO]: [1, 3],
  [W.ETH_TYPE]: [0x0800, 0x0806, 0x86dd],
  [W.VLAN_OUTER]: [0, 0x8100_000a | 0, 0x8100_a014 | 0],
  [W.NW]: [0x0600_4000, 0x1100_4000, 0x0620_4000, 0x0100_4000],
  [W.NW_SRC]: [0x0a00_0001, 0x0a00_0002, 0x0a00_0101, 0xc0a8_0001 | 0],
  [W.NW_DST]: [0x0a00_0001, 0x0a00_0102, 0xc0a8_0001 | 0],
  [W.TP]: [(80 << 16) | 1024, (443 << 16) | 1024, (80 << 16) | 53, 0x0800_0000],
  [W.TCP_FLAGS]: [0x002, 0x010, 0x012],
};
// The masks a rule may put on each word.
const MASKS: Record<number, number[]> = {
  [W.IN_PORT]: [-1],
  [W.ETH_DST_LO]: [-1, 0x0100_0000],
  [W.ETH_SRC_LO]: [-1],
  [W.ETH_TYPE]: [0xffff],
  [W.VLAN_OUTER]: [-1, 0x8000_0fff | 0, 0x8000_0000 | 0],
  [W.NW]: [0xff00_0000 | 0, 0x00fc_0000, 0xfffc_0000 | 0],
  [W.NW_SRC]: [-1, 0xffff_ff00 | 0, 0xff00_0000 | 0],
  [W.NW_DST]: [-1, 0xffff_0000 | 0],
  [W.TP]: [-1, 0xffff_0000 | 0, 0xffff, 0xff00],
  [W.TCP_FLAGS]: [0x012, 0x002, 0xfff],
};
const WORDS = Object.keys(POOLS).map(Number);

function randomKey(r: ReturnType<typeof rng>): Int32Array {
  const key = new Int32Array(FLOW_KEY_WORDS);
  for (const w of WORDS) key[w] = r.pick(POOLS[w]);
  return key;
}

let seq = 0;
function randomRule(r: ReturnType<typeof rng>, table = 0): FlowRule {
  const m = new FlowMatch();
  // Few distinct masks, as in real tables: each rule uses 0-3 words.
  const n = r.int(4);
  for (let i = 0; i < n; i++) {
    const w = r.pick(WORDS);
    const mask = r.pick(MASKS[w]);
    m.mask[w] = mask;
    m.value[w] = r.pick(POOLS[w]) & mask;
  }
  return new FlowRule(table, r.int(8), m, [], 0n, 0, 0, 0, seq++);
}

/** The trivially correct classifier: every rule, the highest rank wins. */
function linear(rules: Iterable<FlowRule>, key: Int32Array): FlowRule | undefined {
  let best: FlowRule | undefined;
  for (const rule of rules) if (rule.match.matches(key) && (!best || rule.rank > best.rank)) best = rule;
  return best;
}

describe('the tuple-space classifier against a linear one', () => {
  it.each([1, 2, 3, 4, 5])('agrees on random rules, keys and changes (seed %i)', (seed) => {
    const r = rng(seed);
    const cls = new Classifier<FlowRule>();
    const rules = new Set<FlowRule>();
    const wc = new Int32Array(FLOW_KEY_WORDS);
    for (let round = 0; round < 40; round++) {
      // Changes: add a few rules (some replace equal ones), remove a few.
      for (let i = 0; i < 8; i++) {
        const rule = randomRule(r);
        const replaced = cls.insert(rule);
        if (replaced) {
          expect(replaced.match.equals(rule.match) && replaced.priority === rule.priority).toBe(true);
          rules.delete(replaced);
        }
        rules.add(rule);
      }
      for (const victim of [...rules]) if (r.chance(0.1) && cls.remove(victim)) rules.delete(victim);
      expect(cls.size).toBe(rules.size);
      for (let k = 0; k < 60; k++) {
        const key = randomKey(r);
        const want = linear(rules, key);
        expect(cls.lookup(key)).toBe(want);
        wc.fill(0);
        expect(cls.lookupWc(key, wc)).toBe(want);
        // Un-wildcarding: any key that agrees on the consulted bits gets the same answer.
        for (let v = 0; v < 4; v++) {
          const other = randomKey(r);
          for (let w = 0; w < FLOW_KEY_WORDS; w++) other[w] = (key[w] & wc[w]) | (other[w] & ~wc[w]);
          expect(linear(rules, other)).toBe(want);
        }
      }
    }
  });

  it('breaks ties between equal priorities by age, and finds rules again after removals', () => {
    const cls = new Classifier<FlowRule>();
    const any = new FlowMatch();
    const tcp = new FlowMatch();
    tcp.set(W.ETH_TYPE, 0x0800, 0xffff, 'ip');
    const older = new FlowRule(0, 5, tcp, [], 0n, 0, 0, 0, 1);
    const newer = new FlowRule(0, 5, any, [], 0n, 0, 0, 0, 2);
    cls.insert(newer);
    cls.insert(older);
    const key = new Int32Array(FLOW_KEY_WORDS);
    key[W.ETH_TYPE] = 0x0800;
    expect(cls.lookup(key)).toBe(older);
    cls.remove(older);
    expect(cls.lookup(key)).toBe(newer);
    expect(cls.masks).toBe(1);
    expect(cls.get(any, 5)).toBe(newer);
    cls.clear();
    expect(cls.lookup(key)).toBeUndefined();
  });

  it('keeps hash chains intact through many inserts and removals in one subtable', () => {
    const r = rng(99);
    const cls = new Classifier<FlowRule>();
    const live: FlowRule[] = [];
    for (let i = 0; i < 3000; i++) {
      const m = new FlowMatch();
      m.set(W.NW_DST, r.int(500), -1, 'nw_dst');
      const rule = new FlowRule(0, 1, m, [], 0n, 0, 0, 0, i);
      if (cls.insert(rule))
        live.splice(
          live.findIndex((x) => x.match.equals(m)),
          1,
        );
      live.push(rule);
      if (r.chance(0.4)) {
        const victim = live.splice(r.int(live.length), 1)[0];
        expect(cls.remove(victim)).toBe(true);
      }
    }
    const key = new Int32Array(FLOW_KEY_WORDS);
    for (let d = 0; d < 500; d++) {
      key[W.NW_DST] = d;
      expect(cls.lookup(key)).toBe(live.find((x) => x.match.value[W.NW_DST] === d));
    }
  });
});
