// Starts a node worker from the TypeScript sources (tests, development): the published package
// runs the compiled worker.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
