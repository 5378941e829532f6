/**
 * Hashing of flow-key words, shared by the classifier's subtables and both flow caches.
 *
 * Two multiplies and a rotate per word, then a murmur-style finaliser: cheap enough to run on
 * every frame (the microflow cache hashes all 20 words), and the finaliser spreads the high bits
 * of addresses and ports into the low bits that index power-of-two tables.
 */

export const HASH_SEED = 0x2545f491;

/** Folds one 32-bit word into a running hash. */
export function hashWord(h: number, w: number): number {
  const x = Math.imul(h ^ w, 0x9e3779b1);
  return (x << 15) | (x >>> 17);
}

/** Finishes a running hash: every input bit reaches every output bit. */
export function hashFinish(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/** The hash of the words of `key` selected by `words`, each ANDed with its mask in `maskC`. */
export function hashMasked(key: Int32Array, words: Int32Array, maskC: Int32Array): number {
  let h = HASH_SEED;
  for (let j = 0; j < words.length; j++) h = hashWord(h, key[words[j]] & maskC[j]);
  return hashFinish(h);
}
