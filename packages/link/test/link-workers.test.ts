import { describe, expect, it } from 'vitest';
import { auditLink, createLink, openLinkEnd, readLinkStats, setLinkUp } from '../src/index.js';
import { frame } from './helpers/recorder.js';
import { exited, nextMessage, startWorker } from './helpers/workers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await sleep(1);
  }
}

describe('a link between the main thread and a worker', () => {
  it('echoes frames, shares counters and carrier, and lets the worker exit after close', async () => {
    const d = createLink({ a: 'h1-eth0', b: 'h2-eth0' });
    const worker = startWorker('echo-end', { descriptor: d.b });
    const messages: Record<string, unknown>[] = [];
    worker.on('message', (m) => messages.push(m));
    await until(() => messages.length === 1);
    const a = openLinkEnd(d.a);
    const echoed: number[] = [];
    a.onFrame = (bytes, off) => echoed.push(new DataView(bytes.buffer, bytes.byteOffset + off).getUint32(0));
    for (let i = 0; i < 2000; i++) {
      a.send(frame(i, 64 + (i % 1000)));
      if (i % 100 === 99) await sleep(1); // let the worker sleep and be woken in between
    }
    await until(() => echoed.length === 2000);
    expect(echoed).toEqual([...Array(2000).keys()]);
    // The main thread reads the worker's counters straight from shared memory.
    const s = readLinkStats(d);
    expect(s.ab).toMatchObject({ deliveredFrames: 2000, inFlight: 0 });
    expect(s.ba).toMatchObject({ offeredFrames: 2000, deliveredFrames: 2000 });
    expect(s.ab.wakeups).toBeGreaterThan(0);

    // Set down from the main thread: the worker's end sees carrier go.
    setLinkUp(d, false);
    await until(() => messages.some((m) => m.carrier === false));
    setLinkUp(d, true);
    await until(() => messages.some((m) => m.carrier === true));
    // Set down inside the worker: this end sees it.
    const carrier: boolean[] = [];
    a.onCarrier = (up) => carrier.push(up);
    worker.postMessage('down');
    await until(() => carrier.length === 1);
    expect(a.up).toBe(false);
    expect(readLinkStats(d).b.adminUp).toBe(false);

    worker.postMessage('close');
    const code = await Promise.race([exited(worker), sleep(5000).then(() => 'still running')]);
    expect(code).toBe(0);
    expect(readLinkStats(d).b).toMatchObject({ open: false, gone: true });
    expect(auditLink(d).balanced).toBe(true);
    a.close();
  });

  it('loses carrier when the worker holding the other end is terminated and declared gone', async () => {
    const d = createLink();
    const worker = startWorker('echo-end', { descriptor: d.b });
    await nextMessage(worker);
    const a = openLinkEnd(d.a);
    const carrier: boolean[] = [];
    a.onCarrier = (up) => carrier.push(up);
    await worker.terminate();
    // The runtime that saw the worker die declares its ends gone.
    const { detachLinkEnd } = await import('../src/index.js');
    detachLinkEnd(d.b);
    await until(() => carrier.length === 1);
    expect(carrier).toEqual([false]);
    a.close();
  });
});
