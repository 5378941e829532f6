import type { LinkOptions } from '@vnet/topology';
import { CliError } from './errors.js';

/** Mininet's `--link` keys and what they set. */
const KEYS: Record<string, { key: keyof LinkOptions; kind: 'number' | 'time' | 'text' }> = {
  bw: { key: 'bw', kind: 'number' },
  delay: { key: 'delay', kind: 'time' },
  jitter: { key: 'jitter', kind: 'time' },
  loss: { key: 'loss', kind: 'number' },
  max_queue_size: { key: 'maxQueueSize', kind: 'number' },
  corrupt: { key: 'corrupt', kind: 'number' },
  duplicate: { key: 'duplicate', kind: 'number' },
  reorder: { key: 'reorder', kind: 'number' },
};

/**
 * Parses Mininet's `--link` value: a link type (`tc`, or `default` for none) and options,
 * `tc,bw=10,delay=5ms,loss=1`.
 */
export function parseLinkOption(text: string): LinkOptions {
  const [type, ...rest] = text.split(',').map((s) => s.trim());
  if (type !== 'tc' && type !== 'default') throw new CliError(`--link: unknown link type "${type}"; use tc (with options) or default`, 2);
  const out: LinkOptions = {};
  for (const part of rest) {
    const [name, value] = part.split('=', 2);
    const spec = KEYS[name];
    if (!spec || value === undefined || value === '') {
      throw new CliError(
        `--link: "${part}" is not an option; use ${Object.keys(KEYS)
          .map((k) => `${k}=…`)
          .join(', ')}`,
        2,
      );
    }
    if (spec.kind === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new CliError(`--link: ${name}=${value} is not a number`, 2);
      (out as Record<string, unknown>)[spec.key] = n;
    } else {
      (out as Record<string, unknown>)[spec.key] = value;
    }
  }
  return out;
}
