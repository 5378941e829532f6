import { describe, expect, it } from 'vitest';
import { RingConsumer, RingProducer, readRingCounters, recordBytes, ringBufferBytes } from '../src/index.js';
import { Rng } from '../src/rng.js';

interface ModelRecord {
  bytes: Uint8Array;
  deliverAt: number;
}

function ringPair(capacity: number, shared: boolean): { producer: RingProducer; consumer: RingConsumer; buffer: ArrayBufferLike } {
  const size = ringBufferBytes(capacity);
  const buffer = shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
  return { producer: new RingProducer(buffer, 0, capacity), consumer: new RingConsumer(buffer, 0, capacity), buffer };
}

describe('ring against a FIFO model', () => {
  for (const shared of [false, true]) {
    it(`keeps order, contents and due times through many wrap-arounds (${shared ? 'shared' : 'plain'} buffer)`, () => {
      const capacity = 8192;
      const { producer, consumer, buffer } = ringPair(capacity, shared);
      const rng = new Rng(shared ? 7 : 8);
      const model: ModelRecord[] = [];
      let used = 0;
      let now = 1000;
      let written = 0;
      let writtenBytes = 0;
      let refused = 0;
      let delivered = 0;
      // Records the consumer may see: the producer publishes every 32 writes or when asked.
      let published = 0;
      let unpublished = 0;
      const src = new Uint8Array(4000);

      for (let step = 0; step < 20_000; step++) {
        if (rng.uniform() < 0.55) {
          // Random sizes, including 0 and ones that straddle the end of the ring.
          const length = rng.uniform() < 0.1 ? 0 : 1 + rng.below(rng.uniform() < 0.2 ? 3000 : 200);
          const offset = rng.below(src.length - length + 1);
          for (let i = 0; i < length; i++) src[offset + i] = rng.next() & 0xff;
          const deliverAt = rng.uniform() < 0.5 ? 0 : now + rng.below(20);
          const size = recordBytes(length);
          if (producer.write(src, offset, length, deliverAt)) {
            model.push({ bytes: src.slice(offset, offset + length), deliverAt });
            used += size;
            written++;
            writtenBytes += size;
            if (++unpublished === producer.batch) {
              published = written;
              unpublished = 0;
            }
          } else {
            refused++;
            // Only refused when really full: the free bytes may be split between the end and the
            // start of the ring, and up to one largest record may lie wasted behind a wrap marker.
            expect(capacity - used).toBeLessThan(2 * size + 8 + recordBytes(3000));
          }
          if (rng.uniform() < 0.3) {
            producer.publish();
            published = written;
            unpublished = 0;
          }
        } else {
          if (rng.uniform() < 0.3) now += rng.below(10);
          const max = 1 + rng.below(40);
          const seen: Uint8Array[] = [];
          const n = consumer.drain((bytes, off, len) => seen.push(bytes.slice(off, off + len)), now, max);
          let expected = 0;
          let nextDue = 0;
          for (let k = 0; k < published - delivered && expected < max; k++) {
            const due = model[k].deliverAt;
            if (due > now) {
              nextDue = due;
              break;
            }
            expected++;
          }
          expect(n).toBe(expected);
          expect(consumer.nextDueAt).toBe(nextDue);
          for (let i = 0; i < n; i++) {
            const r = model.shift()!;
            if (!sameBytes(seen[i], r.bytes)) expect(seen[i]).toEqual(r.bytes);
            used -= recordBytes(r.bytes.length);
            delivered++;
          }
        }
      }
      producer.publish();
      const rest = consumer.discard(Number.POSITIVE_INFINITY);
      expect(rest).toBe(model.length);
      expect(delivered + rest).toBe(written);
      expect(readRingCounters(buffer, 0)).toMatchObject({ written, consumed: written, inFlight: 0 });
      // The walk went round the ring many times and hit a full ring along the way.
      expect(writtenBytes / capacity).toBeGreaterThan(50);
      expect(refused).toBeGreaterThan(0);
    });
  }

  it('fills completely and drains again with frames of every size up to half the ring', () => {
    const capacity = 1 << 16;
    const { producer, consumer } = ringPair(capacity, true);
    for (let length = 0; length <= capacity / 2 - 16; length += 997) {
      const frame = new Uint8Array(length).fill(length & 0xff);
      let n = 0;
      while (producer.write(frame, 0, length, 0)) n++;
      producer.publish();
      // Full means full: less than two records' room (split around the end) is left.
      expect(capacity - n * recordBytes(length)).toBeLessThan(2 * recordBytes(length) + 8);
      let got = 0;
      consumer.drain(
        (bytes, off, len) => {
          expect(len).toBe(length);
          if (len > 0) expect(bytes[off] === (length & 0xff) && bytes[off + len - 1] === (length & 0xff)).toBe(true);
          got++;
        },
        0,
        Number.POSITIVE_INFINITY,
      );
      expect(got).toBe(n);
    }
  });

  it('publishes in batches of 32 or at the end of the task, not per frame', async () => {
    const { producer, consumer } = ringPair(1 << 16, false);
    const frame = new Uint8Array(64);
    for (let i = 0; i < 31; i++) producer.write(frame, 0, 64, 0);
    expect(consumer.pending).toBe(false);
    producer.write(frame, 0, 64, 0);
    expect(consumer.pending).toBe(true);
    expect(consumer.drain(() => {}, 0, 100)).toBe(32);
    producer.write(frame, 0, 64, 0);
    expect(consumer.pending).toBe(false);
    await Promise.resolve();
    expect(consumer.pending).toBe(true);
  });
});

describe('ring sleep and wake-up', () => {
  it('wakes a sleeping consumer in the same thread through the plain-buffer path', async () => {
    const { producer, consumer, buffer } = ringPair(4096, false);
    producer.localWake = consumer.wakeLocal;
    let woken = 0;
    expect(consumer.sleep(() => woken++)).toBe(true);
    producer.write(new Uint8Array(10), 0, 10, 0);
    producer.publish();
    expect(woken).toBe(0); // never synchronously inside the producer's call
    await new Promise((r) => setImmediate(r));
    expect(woken).toBe(1);
    expect(readRingCounters(buffer, 0)).toMatchObject({ sleeps: 1, notifies: 1 });
    // With data already published, sleep refuses and the caller drains at once.
    expect(consumer.sleep(() => woken++)).toBe(false);
  });

  it('wakes a consumer waiting with Atomics.waitAsync, and halt releases the wait', async () => {
    const { producer, consumer, buffer } = ringPair(4096, true);
    const woke = new Promise<void>((resolve) => expect(consumer.sleep(resolve)).toBe(true));
    producer.write(new Uint8Array(10), 0, 10, 0);
    producer.publish();
    await woke;
    expect(consumer.drain(() => {}, 0, 10)).toBe(1);
    // A second publish without a sleeper sends no wake-up (event suppression).
    producer.write(new Uint8Array(10), 0, 10, 0);
    producer.publish();
    expect(readRingCounters(buffer, 0).notifies).toBe(1);
    consumer.drain(() => {}, 0, 10);

    let late = 0;
    expect(consumer.sleep(() => late++)).toBe(true);
    consumer.halt();
    producer.write(new Uint8Array(10), 0, 10, 0);
    producer.publish();
    await new Promise((r) => setTimeout(r, 10));
    expect(late).toBe(0);
  });
});

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
