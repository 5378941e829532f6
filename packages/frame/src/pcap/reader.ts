import { u32 } from '../bytes.js';
import { FrameError } from '../errors.js';
import { type CaptureDecoder, type CaptureInterface, type CaptureRecord, type CaptureSection, PcapDecoder, pcapMagic } from './pcap.js';
import { PcapngBlock, PcapngDecoder } from './pcapng.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/** A whole capture file, read at once. */
export interface Capture {
  format: CaptureFormat;
  interfaces: readonly CaptureInterface[];
  sections: readonly CaptureSection[];
  records: CaptureRecord[];
}

/** Bytes needed to tell pcap from pcapng. */
const MAGIC_LEN = 4;

/**
 * Pushed chunks, read as one stream. Bytes that lie in one chunk are handed out as subarrays;
 * only a unit that straddles chunks is copied, into an array of exactly its size.
 */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Index of the chunk holding the next unread byte, and the position in it. */
  private first = 0;
  private pos = 0;
  /** Unread bytes. */
  available = 0;
  /** Bytes read so far: the file offset of the next unread byte. */
  consumed = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.available += chunk.length;
  }

  /** The next `n` (≤ available) bytes, not consumed. */
  peek(n: number): Uint8Array {
    const c = this.chunks[this.first];
    if (c.length - this.pos >= n) return c.subarray(this.pos, this.pos + n);
    const out = new Uint8Array(n);
    let i = this.first;
    let p = this.pos;
    for (let o = 0; o < n; i++, p = 0) {
      const piece = this.chunks[i].subarray(p, p + (n - o));
      out.set(piece, o);
      o += piece.length;
    }
    return out;
  }

  /** The next `n` (≤ available) bytes, consumed. */
  take(n: number): Uint8Array {
    const out = this.peek(n);
    this.skip(n);
    return out;
  }

  private skip(n: number): void {
    this.available -= n;
    this.consumed += n;
    while (n > 0) {
      const left = this.chunks[this.first].length - this.pos;
      if (n < left) {
        this.pos += n;
        return;
      }
      n -= left;
      this.first++;
      this.pos = 0;
    }
    // Drop consumed chunks so they can be collected; amortised, so many tiny pushes stay linear.
    if (this.first === this.chunks.length) {
      this.chunks = [];
      this.first = 0;
    } else if (this.first > 64 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}

/**
 * An incremental pcap/pcapng reader: `push` chunks as they arrive, `read` records as they
 * complete, `end` when the input is over. The format is recognised from the first 4 bytes.
 *
 * A damaged file yields every complete record before the damage, then `read` throws a
 * FrameError (`bad-format`, `unsupported`, or `truncated` when the input ends inside a record)
 * whose message names the record number and whose offset is the byte in the file; later calls
 * throw it again. Lengths are checked against MAX_CAPTURE_RECORD_LEN before anything is
 * buffered for them.
 *
 * ```ts
 * const reader = new CaptureReader();
 * for await (const record of reader.readFrom(stream)) {
 *   const { linkType } = reader.interfaces[record.interfaceId];
 * }
 * ```
 */
export class CaptureReader implements Iterable<CaptureRecord> {
  private readonly queue = new ByteQueue();
  private decoder: CaptureDecoder | undefined;
  /** Length of the unit being waited for; 0 until its head has arrived. */
  private unitLen = 0;
  private count = 0;
  private ended = false;
  private failure: FrameError | undefined;

  /** Undefined until the first 4 bytes have arrived. */
  get format(): CaptureFormat | undefined {
    return this.decoder && (this.decoder.layer as CaptureFormat);
  }

  /** The interfaces declared so far; `CaptureRecord.interfaceId` indexes this list. */
  get interfaces(): readonly CaptureInterface[] {
    return this.decoder?.interfaces ?? [];
  }

  get sections(): readonly CaptureSection[] {
    return this.decoder?.sections ?? [];
  }

  /** Records returned so far. */
  get recordCount(): number {
    return this.count;
  }

  push(chunk: Uint8Array): void {
    if (this.ended) throw new FrameError('bad-value', this.format ?? 'pcap', this.queue.consumed, 'push after end()');
    this.queue.push(chunk);
  }

  /** No more input: from now on a partial record is an error, not a wait. */
  end(): void {
    this.ended = true;
  }

  /** The next complete record, or undefined when more input is needed (or, after `end`, when the file is done). */
  read(): CaptureRecord | undefined {
    if (this.failure) throw this.failure;
    try {
      return this.next();
    } catch (e) {
      if (e instanceof FrameError) this.failure = e;
      throw e;
    }
  }

  /** The records available now. */
  *[Symbol.iterator](): Iterator<CaptureRecord> {
    for (let r = this.read(); r; r = this.read()) yield r;
  }

  /** Every record of a byte stream (a Node readable, a web stream's chunks, …), ending the reader with it. */
  async *readFrom(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<CaptureRecord, void, undefined> {
    for await (const chunk of source) {
      this.push(chunk);
      yield* this;
    }
    this.end();
    yield* this;
  }

  private next(): CaptureRecord | undefined {
    const q = this.queue;
    const d = this.decoder ?? this.detect();
    if (!d) return undefined;
    for (;;) {
      if (this.unitLen === 0) {
        d.record = this.count + 1;
        d.at = q.consumed;
        if (q.available < d.headLength) return this.starved(d, d.headLength);
        this.unitLen = d.unitLength(q.peek(d.headLength));
      }
      if (q.available < this.unitLen) return this.starved(d, this.unitLen);
      const unit = q.take(this.unitLen);
      this.unitLen = 0;
      const record = d.decode(unit);
      if (record) {
        this.count++;
        return record;
      }
    }
  }

  private detect(): CaptureDecoder | undefined {
    const q = this.queue;
    if (q.available < MAGIC_LEN) {
      if (!this.ended) return undefined;
      const what = q.available === 0 ? 'the file is empty' : `the file ends after ${q.available} bytes`;
      throw new FrameError(q.available === 0 ? 'bad-format' : 'truncated', 'pcap', 0, `${what}, before a capture file header`);
    }
    const head = q.peek(MAGIC_LEN);
    if (pcapMagic(head)) this.decoder = new PcapDecoder();
    else if (u32(head, 0) === PcapngBlock.SectionHeader) this.decoder = new PcapngDecoder();
    else throw new FrameError('bad-format', 'pcap', 0, `magic 0x${u32(head, 0).toString(16).padStart(8, '0')} is neither pcap nor pcapng`);
    return this.decoder;
  }

  /** Not enough bytes for `need`: wait for more, finish cleanly between units, or report the cut. */
  private starved(d: CaptureDecoder, need: number): undefined {
    const have = this.queue.available;
    if (!this.ended || have === 0) return undefined;
    throw d.error('truncated', 0, `the file ends ${have} bytes into a ${need}-byte ${d.unitName}`);
  }
}

/** Reads a whole capture file; throws FrameError on damage (use CaptureReader to keep the records before it). */
export function readCapture(bytes: Uint8Array): Capture {
  const reader = new CaptureReader();
  reader.push(bytes);
  reader.end();
  const records = [...reader];
  return { format: reader.format as CaptureFormat, interfaces: reader.interfaces, sections: reader.sections, records };
}
