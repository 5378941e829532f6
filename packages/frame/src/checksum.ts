/**
 * The internet checksum (RFC 1071), its incremental update (RFC 1624) and the IPv4/IPv6
 * pseudo-headers of TCP, UDP and ICMPv6.
 *
 * Why it is fast: the one's-complement sum of 16-bit words equals the plain sum modulo 65535,
 * and since 2^32 ≡ 1 (mod 65535) the data can be summed as native 32-bit words into doubles
 * (exact up to 2^53) with a single modulo at the end. Summing in the machine's byte order and
 * swapping the folded result is equivalent (RFC 1071 §2B). Four accumulators, eight words a
 * turn, let the CPU overlap the additions. Only the unaligned head and the tail are read byte by byte.
 */

/** How a checksum field is written on emit. */
export type ChecksumMode =
  /** Compute the full checksum (what a host without offload does). */
  | 'compute'
  /**
   * Write only the folded pseudo-header sum, not complemented: Linux's CHECKSUM_PARTIAL, the
   * state a frame is in when the NIC (or the virtual NIC) is asked to finish the checksum.
   */
  | 'partial'
  /** Leave the field zero: checksum offloaded between virtual NICs that trust each other. */
  | 'none';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// 32-bit views of the last few buffers summed: frames of one ring share a buffer, and a host
// alternates between a few (the rings it receives from, its own send buffer), so views are
// made once per buffer, not per call. Four slots, replaced in turn.
const viewBuffers: Array<ArrayBufferLike | undefined> = [undefined, undefined, undefined, undefined];
const views: Uint32Array[] = [new Uint32Array(0), new Uint32Array(0), new Uint32Array(0), new Uint32Array(0)];
let nextSlot = 0;

function words32(buffer: ArrayBufferLike): Uint32Array {
  for (let i = 0; i < 4; i++) if (viewBuffers[i] === buffer) return views[i];
  const slot = nextSlot;
  nextSlot = (nextSlot + 1) & 3;
  viewBuffers[slot] = buffer;
  views[slot] = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
  return views[slot];
}

/** Big-endian 16-bit word sum of a short range, unfolded. */
function sumSmall(b: Uint8Array, start: number, end: number): number {
  let s = 0;
  let i = start;
  for (; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < end) s += b[i] << 8;
  return s;
}

function swap16(v: number): number {
  return ((v & 0xff) << 8) | (v >>> 8);
}

/** Folds an unfolded sum to 16 bits in one's-complement arithmetic (0xffff stays, 0 stays). */
export function foldSum(sum: number): number {
  if (sum === 0) return 0;
  const r = sum % 0xffff;
  return r === 0 ? 0xffff : r;
}

/** `x mod 65535` for x ≥ 0, but 0xffff instead of 0 for a non-zero multiple; inlined by the JIT. */
function residue(x: number): number {
  const r = x % 0xffff;
  return r === 0 && x !== 0 ? 0xffff : r;
}

/**
 * The one's-complement sum of `b[start..end)` as 16-bit big-endian words, folded to 16 bits,
 * not complemented. Add several of these (and pseudo-header sums) and fold again to combine.
 */
export function onesSum(b: Uint8Array, start = 0, end = b.length): number {
  const len = end - start;
  if (len < 64) return foldSum(sumSmall(b, start, end));
  const abs = b.byteOffset + start;
  const head = (4 - (abs & 3)) & 3;
  // Native 32-bit words from the first aligned byte.
  const w = words32(b.buffer);
  const first = (abs + head) >>> 2;
  const count = (len - head) >>> 2;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = first;
  const endWord = first + count;
  while (i < endWord) {
    // Each accumulator takes at most 2^16 words of < 2^32 per chunk, far below 2^53.
    const chunkEnd = Math.min(endWord, i + 0x40000);
    const last8 = i + ((chunkEnd - i) & ~7);
    for (; i < last8; i += 8) {
      s0 += w[i] + w[i + 4];
      s1 += w[i + 1] + w[i + 5];
      s2 += w[i + 2] + w[i + 6];
      s3 += w[i + 3] + w[i + 7];
    }
    for (; i < chunkEnd; i++) s0 += w[i];
    // Reduce to below 2^18 without calling out: a double argument would be boxed on the
    // heap. A non-zero residue is kept non-zero (0 → 0xffff) so that non-zero data never
    // folds to the all-zero sum.
    s0 = residue(s0) + residue(s1) + residue(s2) + residue(s3);
    s1 = s2 = s3 = 0;
  }
  let middle = s0 < 0x10000 ? s0 : foldSum(s0 | 0);
  // In little-endian memory the words are byte-swapped relative to the data's 16-bit grid when
  // they start at an even distance from `start`; at an odd distance they already line up.
  if (LITTLE_ENDIAN === ((head & 1) === 0)) middle = swap16(middle);
  const tailStart = start + head + count * 4;
  let sum = middle + sumSmall(b, start, start + head);
  // A tail that starts at an odd distance from `start` has its first byte in the low half.
  if (((tailStart - start) & 1) === 0) sum += sumSmall(b, tailStart, end);
  else sum += oddSum(b, tailStart, end);
  return foldSum(sum);
}

/** Sum of bytes whose first one sits at an odd position of the 16-bit grid. */
function oddSum(b: Uint8Array, start: number, end: number): number {
  if (start >= end) return 0;
  let s = b[start];
  for (let i = start + 1; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if (((end - start) & 1) === 0) s += b[end - 1] << 8;
  return s;
}

/** The internet checksum of a byte range plus an optional pre-summed part (a pseudo-header). */
export function internetChecksum(b: Uint8Array, start = 0, end = b.length, initial = 0): number {
  return ~foldSum(onesSum(b, start, end) + initial) & 0xffff;
}

/** True when a range that includes its checksum field sums to 0xffff (RFC 1071 verification). */
export function verifyChecksum(b: Uint8Array, start = 0, end = b.length, initial = 0): boolean {
  return foldSum(onesSum(b, start, end) + initial) === 0xffff;
}

/** RFC 1624 eqn. 3: the new checksum after a 16-bit field changed from `old` to `next`. */
export function updateChecksum16(checksum: number, old: number, next: number): number {
  return ~foldSum((~checksum & 0xffff) + (~old & 0xffff) + (next & 0xffff)) & 0xffff;
}

/** RFC 1624 for a 32-bit field (an IPv4 address rewritten by NAT). */
export function updateChecksum32(checksum: number, old: number, next: number): number {
  const c = updateChecksum16(checksum, old >>> 16, next >>> 16);
  return updateChecksum16(c, old & 0xffff, next & 0xffff);
}

/** Unfolded sum of the IPv4 pseudo-header (source, destination, zero, protocol, length). */
export function pseudoHeaderSum4(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}

/** Unfolded sum of the IPv6 pseudo-header; the addresses are read straight from their bytes. */
export function pseudoHeaderSum6(b: Uint8Array, srcOffset: number, dstOffset: number, nextHeader: number, length: number): number {
  return sumSmall(b, srcOffset, srcOffset + 16) + sumSmall(b, dstOffset, dstOffset + 16) + nextHeader + (length >>> 16) + (length & 0xffff);
}
