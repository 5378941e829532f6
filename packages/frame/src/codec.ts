/**
 * The logical form of a header or message (a Repr, as in smoltcp) and the three operations
 * every protocol offers on it: `parse` validates untrusted bytes into a Repr (throwing only
 * `FrameError`), `bufferLen` sizes it, `emit` writes it into a buffer the caller owns.
 * `parse(emit(repr))` gives back `repr`; the property tests check exactly that for every codec.
 */
export interface Codec<R> {
  parse(bytes: Uint8Array, offset?: number): R;
  bufferLen(repr: R): number;
  /** Writes at `offset` and returns the number of bytes written. */
  emit(repr: R, buf: Uint8Array, offset?: number): number;
}

/** How a decoder treats a checksum it finds. */
export type ChecksumCheck =
  /** Throw `bad-checksum` when it does not verify. */
  | 'verify'
  /** Trust it: the sender offloaded it to a virtual NIC that vouches for the frame. */
  | 'trust';
