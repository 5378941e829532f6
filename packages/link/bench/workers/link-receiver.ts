// Receives `count` frames on a LinkEnd through the real event-loop path (bursts of 32,
// setImmediate between bursts, waitAsync when the ring is empty).
import { parentPort, workerData } from 'node:worker_threads';
import { sharedClock } from '../../src/clock.js';
import type { LinkEndDescriptor } from '../../src/descriptor.js';
import { openLinkEnd } from '../../src/link.js';
import { gcCounter } from './start.js';

const { descriptor, count } = workerData.data as { descriptor: LinkEndDescriptor; count: number };
const gc = await gcCounter();
const before = await gc.settle();
const end = openLinkEnd(descriptor);
let got = 0;
let sum = 0;
end.onFrame = (bytes, offset) => {
  sum += bytes[offset];
  if (++got === count) {
    const at = sharedClock();
    end.close();
    gc.settle().then((after) => {
      gc.stop();
      parentPort!.postMessage({ at, sum, gcs: after - before });
      parentPort!.close();
    });
  }
};
parentPort!.postMessage('ready');
