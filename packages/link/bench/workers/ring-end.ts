// One end of the raw ring benchmark: the producer writes `count` frames as fast as the ring
// takes them; the consumer drains busily (no sleeping) and touches every frame.
import { parentPort, workerData } from 'node:worker_threads';
import { sharedClock } from '../../src/clock.js';
import { RingConsumer, RingProducer } from '../../src/ring.js';
import { gcCounter } from './start.js';

const { role, buffer, capacity, size, count, go } = workerData.data as {
  role: 'producer' | 'consumer';
  buffer: SharedArrayBuffer;
  capacity: number;
  size: number;
  count: number;
  go: SharedArrayBuffer;
};
const gc = await gcCounter();
const gcBefore = await gc.settle();
const start = new Int32Array(go);
parentPort!.postMessage('ready');
Atomics.wait(start, 0, 0);

let sum = 0;
let at: number;
if (role === 'producer') {
  const producer = new RingProducer(buffer, 0, capacity);
  const frame = new Uint8Array(size).fill(1);
  at = sharedClock();
  for (let i = 0; i < count; i++) {
    while (!producer.write(frame, 0, size, 0)) producer.publish();
  }
  producer.publish();
} else {
  const consumer = new RingConsumer(buffer, 0, capacity);
  const touch = (bytes: Uint8Array, offset: number, length: number): void => {
    sum += bytes[offset] + bytes[offset + length - 1];
  };
  let got = 0;
  while (got < count) got += consumer.drain(touch, 0, 4096);
  at = sharedClock();
}
const gcs = (await gc.settle()) - gcBefore;
gc.stop();
parentPort!.postMessage({ at, gcs, sum });
