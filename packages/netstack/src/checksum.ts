/**
 * The internet checksum over a range, through @vnet/frame's `onesSum`, without its 32-bit fast
 * path for short ranges. That path keeps one Uint32Array view of the last buffer it summed and
 * makes a new one when the buffer changes — and a stack alternates between the buffers frames
 * arrive in and its own send buffer, so it would allocate a view per frame. Summing in slices
 * below its threshold keeps the per-frame path allocation-free; long ranges, where one view is
 * nothing next to the work, take the fast path.
 */
import { foldSum, onesSum } from '@vnet/frame';

/** Under @vnet/frame's threshold (64 bytes) for the 32-bit path, and even. */
const SLICE = 62;
/** From here on the fast path wins, view and all. */
const BULK = 1024;

/** The folded one's-complement sum of `b[start, end)`. */
export function sum16(b: Uint8Array, start: number, end: number): number {
  if (end - start >= BULK) return onesSum(b, start, end);
  let s = 0;
  for (let i = start; i < end; i += SLICE) s += onesSum(b, i, Math.min(i + SLICE, end));
  return foldSum(s);
}

/** True when a range that includes its checksum field verifies. */
export function checksumOk(b: Uint8Array, start: number, end: number): boolean {
  return sum16(b, start, end) === 0xffff;
}

/** The checksum to write into a range whose checksum field is zero. */
export function checksumOf(b: Uint8Array, start: number, end: number): number {
  return ~sum16(b, start, end) & 0xffff;
}
