import { describe, expect, it } from 'vitest';
import { readRingCounters, ringBufferBytes } from '../src/index.js';
import { exited, nextMessage, startWorker } from './helpers/workers.js';

describe('ring between two worker threads', () => {
  it('moves 1,000,000 frames intact and in order, with no lost wake-up', async () => {
    const capacity = 256 * 1024;
    const buffer = new SharedArrayBuffer(ringBufferBytes(capacity));
    const data = { buffer, capacity, frames: 1_000_000, seed: 12345 };
    const consumer = startWorker('ring-consumer', data);
    const producer = startWorker('ring-producer', data);
    const sent = nextMessage<{ sent: number; hash: number; full: number }>(producer);
    const received = nextMessage<{ received: number; hash: number; wakes: number }>(consumer);
    // A lost wake-up leaves the consumer asleep with frames in its ring: report that, not a bare timeout.
    let watchdog: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      watchdog = setTimeout(() => reject(new Error(`consumer stuck: ${JSON.stringify(readRingCounters(buffer, 0))}`)), 50_000);
    });
    try {
      const [p, c] = await Promise.race([Promise.all([sent, received]), stuck]);
      expect(c.received).toBe(1_000_000);
      expect(c.hash).toBe(p.hash);
      const counters = readRingCounters(buffer, 0);
      expect(counters).toMatchObject({ written: 1_000_000, consumed: 1_000_000, inFlight: 0 });
      // The consumer slept and was woken many times, each time by a notify from the producer.
      expect(c.wakes).toBeGreaterThan(1000);
      expect(counters.sleeps).toBeGreaterThanOrEqual(c.wakes);
      expect(counters.notifies).toBeGreaterThanOrEqual(c.wakes);
      // Event suppression: far fewer wake-ups than frames or published batches.
      expect(counters.notifies).toBeLessThan(1_000_000 / 16);
    } finally {
      clearTimeout(watchdog);
      consumer.postMessage('stop');
      await Promise.all([exited(consumer), exited(producer)]);
    }
  }, 60_000);
});
