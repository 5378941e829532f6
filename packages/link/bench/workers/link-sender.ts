// Sends `count` frames through a LinkEnd as fast as the receiver takes them: at most `window`
// frames outstanding (the bench's own flow control, read from the link's shared counters), so
// nothing is dropped as ring-full and the figure is the delivered rate.
import { parentPort, workerData } from 'node:worker_threads';
import { sharedClock } from '../../src/clock.js';
import type { LinkEndDescriptor } from '../../src/descriptor.js';
import { openLinkEnd } from '../../src/link.js';
import { readLinkStats } from '../../src/link-control.js';

const { descriptor, count, size, window } = workerData.data as {
  descriptor: LinkEndDescriptor;
  count: number;
  size: number;
  window: number;
};
const end = openLinkEnd(descriptor);
const frame = new Uint8Array(size).fill(1);
parentPort!.once('message', async () => {
  const t0 = sharedClock();
  let sent = 0;
  while (sent < count) {
    if (sent - readLinkStats(descriptor).ab.deliveredFrames < window) {
      for (let i = 0; i < 256 && sent < count; i++, sent++) end.send(frame);
      end.flush();
    } else await new Promise((r) => setImmediate(r));
  }
  parentPort!.postMessage({ t0, drops: readLinkStats(descriptor).ab.dropped });
  end.close();
  parentPort!.close();
});
parentPort!.postMessage('ready');
