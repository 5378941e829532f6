import { Worker } from 'node:worker_threads';

const boot = new URL('./boot.mjs', import.meta.url);

/** Starts bench/workers/<name>.ts with `data` as workerData.data. */
export function startWorker(name: string, data: unknown): Worker {
  return new Worker(boot, { workerData: { module: new URL(`./${name}.ts`, import.meta.url).href, data } });
}

export function message<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
}

/** Counts garbage collections in the calling thread. */
export async function gcCounter(): Promise<{ settle(): Promise<number>; stop(): void }> {
  const { PerformanceObserver } = await import('node:perf_hooks');
  let gcs = 0;
  const observer = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    // GC entries arrive asynchronously: let the pending ones land before reading.
    settle: () => new Promise((r) => setTimeout(() => r(gcs), 30)),
    stop: () => observer.disconnect(),
  };
}
