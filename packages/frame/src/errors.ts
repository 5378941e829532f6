/** Why a decoder refused its input. */
export type FrameErrorCode =
  /** Fewer bytes than the header or a length field needs. */
  | 'truncated'
  /** A length field contradicts the bytes around it. */
  | 'bad-length'
  /** A version field this decoder does not speak (IPv4 packet claiming version 6, …). */
  | 'bad-version'
  /** A checksum that does not verify. */
  | 'bad-checksum'
  /** A well-formed value vnet does not implement. */
  | 'unsupported'
  /** A field value the protocol forbids (reserved bits, impossible option length, …). */
  | 'bad-value'
  /** Text that is not an address or prefix of the expected family. */
  | 'bad-address'
  /** A capture file that is not pcap/pcapng or is damaged. */
  | 'bad-format';

/**
 * The one error every decoder, parser and builder in @vnet/frame throws for bad input.
 * `layer` names the protocol (`ipv4`, `tcp`, `pcapng`, …) and `offset` the byte where the
 * problem was found, counted from the start of the buffer handed to the decoder.
 */
export class FrameError extends Error {
  override readonly name = 'FrameError';

  constructor(
    readonly code: FrameErrorCode,
    readonly layer: string,
    readonly offset: number,
    message: string,
  ) {
    super(`${layer}: ${message} (at byte ${offset})`);
  }
}

/** Throws `truncated` unless `need` bytes are available at `offset` in a buffer of `length` bytes. */
export function needBytes(layer: string, length: number, offset: number, need: number): void {
  if (offset + need > length) {
    throw new FrameError(
      'truncated',
      layer,
      offset,
      `needs ${need} bytes but only ${Math.max(0, length - offset)} remain; the frame was cut short`,
    );
  }
}
