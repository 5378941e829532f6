/**
 * A burst of up to 32 frames handed to the pipeline at once, as a ring consumer or a NIC model
 * collects them (OVS's dp_packet_batch). One burst object is reused: `clear()` and `push()`
 * only store references and numbers.
 */

export const BURST_SIZE = 32;

const EMPTY = new Uint8Array(0);

export class FrameBurst {
  count = 0;
  readonly bytes: Uint8Array[] = new Array<Uint8Array>(BURST_SIZE).fill(EMPTY);
  readonly offsets = new Int32Array(BURST_SIZE);
  readonly lengths = new Int32Array(BURST_SIZE);
  readonly inPorts = new Int32Array(BURST_SIZE);

  /** Adds a frame; false when the burst is full (process it, clear it, push again). */
  push(bytes: Uint8Array, offset: number, length: number, inPort: number): boolean {
    const i = this.count;
    if (i === BURST_SIZE) return false;
    this.bytes[i] = bytes;
    this.offsets[i] = offset;
    this.lengths[i] = length;
    this.inPorts[i] = inPort;
    this.count = i + 1;
    return true;
  }

  /** Empties the burst (and lets go of the frames' buffers). */
  clear(): void {
    for (let i = 0; i < this.count; i++) this.bytes[i] = EMPTY;
    this.count = 0;
  }
}
