import { TopologyError } from '../errors.js';

/** Splits a command line into words, honouring single and double quotes. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) words.push(m[1] ?? m[2] ?? m[3]);
  return words;
}

/** A usage error of a host tool: printed as the tool's own complaint, the shell carries on. */
export function usage(tool: string, message: string): TopologyError {
  return new TopologyError('bad-option', `${tool}: ${message}`);
}

/** Parses short options with values (`-c 3`, `-c3`) and flags, iputils style. */
export function parseShortOptions(
  tool: string,
  args: string[],
  withValue: string,
  flags: string,
): { opts: Map<string, string>; rest: string[] } {
  const opts = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-') || a === '-') {
      rest.push(a);
      continue;
    }
    const letter = a[1];
    if (withValue.includes(letter)) {
      const value = a.length > 2 ? a.slice(2) : args[++i];
      if (value === undefined) throw usage(tool, `option requires an argument -- '${letter}'`);
      opts.set(letter, value);
    } else if (flags.includes(letter) && a.length === 2) {
      opts.set(letter, '');
    } else {
      throw usage(tool, `invalid option -- '${a.slice(1)}'`);
    }
  }
  return { opts, rest };
}

export function numberOption(tool: string, opts: Map<string, string>, letter: string, fallback: number, min: number, max: number): number {
  const text = opts.get(letter);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw usage(tool, `invalid argument for -${letter}: '${text}' (${min} to ${max})`);
  return n;
}
