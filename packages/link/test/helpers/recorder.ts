import { Counter, type FrameSink, Impairer, type Impairments } from '../../src/index.js';

/** A sink that keeps a copy of every frame written, with its stamp: the impairer's output in emulated time. */
export class Recorder implements FrameSink {
  data = new Uint8Array(0);
  lastOffset = 0;
  readonly frames: Uint8Array[] = [];
  readonly stamps: number[] = [];
  /** Refuse writes, as a full ring does. */
  full = false;

  write(bytes: Uint8Array, offset: number, length: number, deliverAt: number): boolean {
    if (this.full) return false;
    // The impairer may flip a bit of the copy right after this returns: keep that copy.
    this.data = bytes.slice(offset, offset + length);
    this.frames.push(this.data);
    this.stamps.push(deliverAt);
    return true;
  }

  writeStamped(bytes: Uint8Array, offset: number, length: number, times: Float64Array, slot: number): boolean {
    return this.write(bytes, offset, length, times[slot]);
  }

  /** The 32-bit id the helpers below put in the first bytes of each frame. */
  ids(): number[] {
    return this.frames.map((f) => new DataView(f.buffer, f.byteOffset).getUint32(0));
  }
}

/** An impairer writing to a Recorder, on a clock the test moves. */
export function emulated(impairments: Impairments): { imp: Impairer; rec: Recorder; clock: { now: number } } {
  const rec = new Recorder();
  const clock = { now: 1_000_000 };
  const imp = new Impairer(rec, { impairments, clock: () => clock.now });
  return { imp, rec, clock };
}

/** A frame of `length` bytes carrying `id` in its first four bytes and a pattern after. */
export function frame(id: number, length = 100): Uint8Array {
  const f = new Uint8Array(length);
  new DataView(f.buffer).setUint32(0, id);
  for (let i = 4; i < length; i++) f[i] = (id + i) & 0xff;
  return f;
}

/** Sum of the counters an impairer drops frames under. */
export function dropped(c: Float64Array): number {
  return c[Counter.TooBig] + c[Counter.LinkDown] + c[Counter.Loss] + c[Counter.QueueFull] + c[Counter.RingFull];
}
