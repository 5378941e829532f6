// Two link ends bouncing one frame: every hop wakes a sleeping receiver, so the round trip
// is two wake-ups (publish → Atomics.notify → waitAsync resolves → drain → onFrame).
import { parentPort, workerData } from 'node:worker_threads';
import { sharedClock } from '../../src/clock.js';
import type { LinkEndDescriptor } from '../../src/descriptor.js';
import { openLinkEnd } from '../../src/link.js';

const { descriptor, rounds } = workerData.data as { descriptor: LinkEndDescriptor; rounds: number };
const end = openLinkEnd(descriptor);
const frame = new Uint8Array(64);
if (descriptor.side === 'b') {
  end.onFrame = (bytes, offset, length) => {
    end.send(bytes, offset, length);
  };
  parentPort!.once('message', () => {
    end.close();
    parentPort!.close();
  });
  parentPort!.postMessage('ready');
} else {
  let n = 0;
  let t0 = 0;
  end.onFrame = () => {
    if (++n < rounds) end.send(frame);
    else {
      parentPort!.postMessage({ ms: sharedClock() - t0 });
      end.close();
      parentPort!.close();
    }
  };
  parentPort!.once('message', () => {
    t0 = sharedClock();
    end.send(frame);
  });
  parentPort!.postMessage('ready');
}
