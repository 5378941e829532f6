/**
 * A small seeded fuzzer for every decoder of @vnet/frame. Inputs are random bytes and mutations
 * of real frames (bit flips, byte overwrites with boundary values, cuts, insertions, splices),
 * fed to `dissect`, to every codec's `parse` and every view's `checked` at the offsets where
 * their layer usually starts, and to the capture-file reader. The only exception allowed to
 * escape is `FrameError`; anything else is a bug, reported with the input that caused it.
 */
import * as frame from '../src/index.js';
import { FrameError } from '../src/index.js';
import { corpus } from './corpus.js';

/** xorshift32: fast, seedable, good enough to pick mutations. */
export class Rng {
  constructor(private state: number) {
    if (this.state === 0) this.state = 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

const BOUNDARY = [0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x0f, 0x10, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xfe, 0xff];

export function mutate(rng: Rng, input: Uint8Array, pool: readonly Uint8Array[]): Uint8Array {
  let b = input.slice();
  const rounds = 1 + rng.below(4);
  for (let r = 0; r < rounds; r++) {
    switch (rng.below(6)) {
      case 0:
        if (b.length) b[rng.below(b.length)] ^= 1 << rng.below(8);
        break;
      case 1:
        if (b.length) b[rng.below(b.length)] = BOUNDARY[rng.below(BOUNDARY.length)];
        break;
      case 2:
        b = b.subarray(0, rng.below(b.length + 1));
        break;
      case 3: {
        const at = rng.below(b.length + 1);
        const extra = new Uint8Array(1 + rng.below(8)).map(() => rng.below(256));
        const out = new Uint8Array(b.length + extra.length);
        out.set(b.subarray(0, at));
        out.set(extra, at);
        out.set(b.subarray(at), at + extra.length);
        b = out;
        break;
      }
      case 4: {
        // Splice the tail of another frame in: headers from one, contents from another.
        const other = pool[rng.below(pool.length)];
        const at = rng.below(b.length + 1);
        const from = rng.below(other.length + 1);
        const out = new Uint8Array(at + other.length - from);
        out.set(b.subarray(0, at));
        out.set(other.subarray(from), at);
        b = out;
        break;
      }
      default:
        // A 16-bit field (usually a length) set to a boundary value.
        if (b.length >= 2) {
          const at = rng.below(b.length - 1);
          const v = [0, 1, 0x7fff, 0x8000, 0xffff, b.length, b.length + 1, b.length - at][rng.below(8)];
          b[at] = v >>> 8;
          b[at + 1] = v;
        }
    }
  }
  return b;
}

type Decoder = (bytes: Uint8Array, offset: number) => unknown;

interface Named {
  name: string;
  decode: Decoder;
}

/** Every exported codec (`parse`) and view (`checked`), found by shape so new protocols join automatically. */
export function decoders(): Named[] {
  const out: Named[] = [];
  for (const [name, value] of Object.entries(frame)) {
    const v = value as unknown as { parse?: unknown; emit?: unknown; checked?: unknown };
    if (typeof value === 'object' && value !== null && typeof v.parse === 'function' && typeof v.emit === 'function') {
      const parse = v.parse as Decoder;
      out.push({ name: `${name}.parse`, decode: (b, o) => parse.call(value, b, o) });
    } else if (typeof value === 'function' && typeof v.checked === 'function') {
      const checked = v.checked as Decoder;
      out.push({ name: `${name}.checked`, decode: (b, o) => checked.call(value, b, o) });
    }
  }
  return out;
}

/** Where layers usually start: after Ethernet, a VLAN tag, IPv4, IPv6, UDP over IPv4, TCP over IPv4. */
const OFFSETS = [0, 14, 18, 34, 42, 54, 62];

export interface FuzzFailure {
  iteration: number;
  target: string;
  error: string;
  input: string;
}

export interface FuzzReport {
  iterations: number;
  executions: number;
  failures: FuzzFailure[];
}

function run(target: string, input: Uint8Array, iteration: number, f: () => unknown, failures: FuzzFailure[]): void {
  try {
    f();
  } catch (e) {
    if (e instanceof FrameError) return;
    failures.push({ iteration, target, error: e instanceof Error ? (e.stack ?? e.message) : String(e), input: frame.toHex(input) });
  }
}

export function fuzz({
  iterations,
  seed,
  onProgress,
}: {
  iterations: number;
  seed: number;
  onProgress?: (done: number) => void;
}): FuzzReport {
  const rng = new Rng(seed);
  const frames = corpus();
  const captures = [
    frame.writePcap(frames.map((data) => ({ data, timestampNs: 1n }))),
    frame.writePcapng(frames.map((data) => ({ data, timestampNs: 1n }))),
  ];
  const targets = decoders();
  const failures: FuzzFailure[] = [];
  let executions = 0;
  for (let i = 0; i < iterations && failures.length < 20; i++) {
    const input =
      rng.below(16) === 0
        ? new Uint8Array(rng.below(200)).map(() => rng.below(256))
        : mutate(rng, frames[rng.below(frames.length)], frames);
    run('dissect', input, i, () => frame.dissect(input), failures);
    const t = targets[rng.below(targets.length)];
    for (const o of OFFSETS) run(t.name, input, i, () => t.decode(input, o), failures);
    executions += 1 + OFFSETS.length;
    if (i % 64 === 0) {
      const file = mutate(rng, captures[rng.below(captures.length)], captures);
      run('readCapture', file, i, () => frame.readCapture(file), failures);
      executions++;
    }
    if (onProgress && i % 10_000 === 0) onProgress(i);
  }
  return { iterations, executions, failures };
}
