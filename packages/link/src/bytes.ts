/**
 * Copying a frame into a ring.
 *
 * A frame passed whole (offset 0, its full length) is copied with one `set`. A range of a
 * larger buffer — typically a frame a device forwards straight out of the ring it arrived in —
 * needs a `subarray` view for `set`, one small object per frame. Up to `WORD_COPY_MAX` bytes
 * the range is copied word by word instead, through a Uint32Array of its buffer made once per
 * buffer, so small frames allocate nothing. Above it the view is the cheaper way: a JavaScript
 * word loop over an MTU-sized frame costs more than the view and a native copy (measured: a
 * 1500-byte switch path ran at half the rate with the loop).
 */

const WORD_COPY_MAX = 128;
const words = new WeakMap<ArrayBufferLike, Uint32Array>();

function wordsOf(buffer: ArrayBufferLike): Uint32Array {
  let w = words.get(buffer);
  if (w === undefined) {
    w = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
    words.set(buffer, w);
  }
  return w;
}

/**
 * Copies `src[offset, offset + length)` to `dst[at…]`; `dst32` is a Uint32Array over the same
 * bytes as `dst` (same start), used when both sides are 4-aligned.
 */
export function copyBytes(dst: Uint8Array, dst32: Uint32Array, at: number, src: Uint8Array, offset: number, length: number): void {
  if (offset === 0 && length === src.length) {
    dst.set(src, at);
    return;
  }
  const from = src.byteOffset + offset;
  if (length <= WORD_COPY_MAX && (from & 3) === 0 && (at & 3) === 0) {
    const s32 = wordsOf(src.buffer);
    let i = from >>> 2;
    let j = at >>> 2;
    const end = i + (length >>> 2);
    // Unrolled by four.
    while (i + 4 <= end) {
      dst32[j] = s32[i];
      dst32[j + 1] = s32[i + 1];
      dst32[j + 2] = s32[i + 2];
      dst32[j + 3] = s32[i + 3];
      i += 4;
      j += 4;
    }
    while (i < end) dst32[j++] = s32[i++];
    for (let k = length & ~3; k < length; k++) dst[at + k] = src[offset + k];
    return;
  }
  dst.set(src.subarray(offset, offset + length), at);
}
