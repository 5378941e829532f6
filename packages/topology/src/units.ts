import { TopologyError } from './errors.js';

const TIME = /^(\d+(?:\.\d+)?)\s*(s|ms|us|µs|ns)?$/;
const SCALE: Record<string, number> = { s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };

/** Milliseconds from tc-style text (`5ms`, `250us`, `1s`, a bare number is ms) or a number of ms. */
export function parseTime(value: string | number, what = 'time'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else {
    const m = TIME.exec(value.trim());
    if (m) return Number(m[1]) * SCALE[m[2] ?? 'ms'];
  }
  throw new TopologyError('bad-option', `${what} "${value}" is not a duration; write it like 5ms, 250us or 1s`);
}

const RATE = /^(\d+(?:\.\d+)?)\s*([kmg]?)(bit|bps)?$/i;
const RATE_SCALE: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

/** Bits per second from Mininet's Mbit/s number, or tc-style text (`10mbit`, `1gbit`, `500kbit`). */
export function parseRate(value: string | number): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value > 0) return value * 1e6;
  } else {
    const m = RATE.exec(value.trim());
    if (m) return Number(m[1]) * RATE_SCALE[m[2].toLowerCase()];
  }
  throw new TopologyError(
    'bad-option',
    `bandwidth "${value}" is not a rate; give Mbit/s as a number (bw=10) or text like 500kbit or 1gbit`,
  );
}

export function parsePercent(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new TopologyError('bad-option', `${what} ${value} is not a percentage between 0 and 100`);
  }
  return value;
}
