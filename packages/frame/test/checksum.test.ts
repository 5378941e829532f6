import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldSum, fromHex, internetChecksum, onesSum, updateChecksum16, updateChecksum32, verifyChecksum } from '../src/index.js';

/** RFC 1071 as the RFC writes it: 16-bit big-endian words, end-around carry. */
function reference(b: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) {
    sum += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
    if (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  }
  return sum;
}

describe('internet checksum', () => {
  it('matches the RFC 1071 example', () => {
    // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
    expect(onesSum(fromHex('0001f203f4f5f6f7'))).toBe(0xddf2);
    expect(internetChecksum(fromHex('0001f203f4f5f6f7'))).toBe(0x220d);
  });

  it('agrees with the reference for every alignment, length and buffer offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), fc.nat(7), fc.nat(7), (data, shift, trim) => {
        const backing = new Uint8Array(data.length + 16);
        backing.set(data, shift);
        const view = backing.subarray(shift & 3);
        const start = shift - (shift & 3);
        const end = Math.max(start, start + data.length - trim);
        const expected = reference(view, start, end);
        const got = onesSum(view, start, end);
        // 0 and 0xffff are the two zeros of one's complement; foldSum normalises to 0xffff for non-zero data.
        expect(got === expected || (got === 0xffff && expected === 0) || (got === 0 && expected === 0xffff)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('sums 64 KiB and more exactly', () => {
    const big = new Uint8Array(5 * 1024 * 1024).fill(0xff);
    expect(onesSum(big)).toBe(reference(big, 0, big.length));
  });

  it('verifies a range that contains its own checksum', () => {
    const header = fromHex('45000073000040004011 0000 c0a80001c0a800c7');
    const c = internetChecksum(header);
    expect(c).toBe(0xb861);
    header[10] = c >>> 8;
    header[11] = c & 0xff;
    expect(verifyChecksum(header)).toBe(true);
  });

  it('updates incrementally as RFC 1624 says', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.integer({ min: 0, max: 0xffffffff }), (h, next) => {
        h[10] = h[11] = 0;
        const c = internetChecksum(h);
        const old = ((h[12] << 24) | (h[13] << 16) | (h[14] << 8) | h[15]) >>> 0;
        h[12] = next >>> 24;
        h[13] = next >>> 16;
        h[14] = next >>> 8;
        h[15] = next;
        const updated = updateChecksum32(c, old, next);
        h[10] = updated >>> 8;
        h[11] = updated & 0xff;
        expect(verifyChecksum(h)).toBe(true);
      }),
    );
    // RFC 1624 §4: HC 0xdd2f, m 0x5555 → m' 0x3285 gives HC' 0x0000 by eqn. 3.
    expect(updateChecksum16(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
  });

  it('folds like end-around carry', () => {
    expect(foldSum(0)).toBe(0);
    expect(foldSum(0x1fffe)).toBe(0xffff);
    expect(foldSum(0x12345)).toBe(0x2346);
  });
});
