/**
 * Copies `len` bytes between buffers. Short copies run as a plain loop, because
 * `dst.set(src.subarray(…))` allocates a view object per call, which on the per-frame path
 * would feed the garbage collector; long copies take `set` (a memcpy) where that cost vanishes.
 */
export function copyBytes(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number, len: number): void {
  if (len <= 256) {
    for (let i = 0; i < len; i++) dst[dstOffset + i] = src[srcOffset + i];
  } else {
    dst.set(src.subarray(srcOffset, srcOffset + len), dstOffset);
  }
}
