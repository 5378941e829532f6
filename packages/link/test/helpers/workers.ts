import { Worker } from 'node:worker_threads';

const bootstrap = new URL('./ts-worker.mjs', import.meta.url);

/** Starts `test/fixtures/<name>.ts` in a worker thread; `data` arrives as `workerData.data`. */
export function startWorker(name: string, data: unknown): Worker {
  const module = new URL(`../fixtures/${name}.ts`, import.meta.url).href;
  return new Worker(bootstrap, { workerData: { module, data } });
}

/** The first message of a worker, or its error. */
export function nextMessage<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T) => {
      w.off('error', onError);
      resolve(m);
    };
    const onError = (e: Error) => {
      w.off('message', onMessage);
      reject(e);
    };
    w.once('message', onMessage);
    w.once('error', onError);
  });
}

/** Resolves with the exit code once the worker has exited. */
export function exited(w: Worker): Promise<number> {
  return new Promise((resolve) => w.once('exit', resolve));
}
