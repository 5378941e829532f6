export { BPDU_FRAME_LEN } from './bpdu.js';
export { SpanningTree } from './spanning-tree.js';
export * from './types.js';
