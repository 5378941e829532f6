// Starts a TypeScript worker: registers tsx's loader in this worker thread, then imports the
// module named in workerData.module. (Workers do not inherit a parent's --import hooks on Node 20.)
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
