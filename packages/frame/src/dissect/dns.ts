// PLACEHOLDER until the protocol lands: hands the bytes to the data dissector.
import type { Dissector } from './context.js';

export const dissectDns: Dissector = (_d, _b, offset, end) => ({ protocol: 'data', offset, end });
