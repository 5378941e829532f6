/**
 * Copies `src[offset, offset + length)` to `dst[at…]`. A frame passed whole (offset 0, its full
 * length) is copied with one `set` and no allocation; a range needs a `subarray` view first,
 * which costs one small object, so hot senders pass frames whole.
 */
export function copyBytes(dst: Uint8Array, at: number, src: Uint8Array, offset: number, length: number): void {
  if (offset === 0 && length === src.length) dst.set(src, at);
  else dst.set(src.subarray(offset, offset + length), at);
}
