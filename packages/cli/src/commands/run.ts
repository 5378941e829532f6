import { loadUserModule } from '../load-module.js';

/**
 * `vnet run script.ts [args]`: runs an automation script, which sees its own arguments in
 * `process.argv.slice(2)`, as if started with `node script.js args`.
 */
export async function runScript(script: string, args: string[]): Promise<number> {
  const saved = process.argv;
  process.argv = [saved[0], script, ...args];
  try {
    const mod = await loadUserModule(script);
    // A script may also export a main function instead of doing its work at the top level.
    if (typeof mod.default === 'function') await (mod.default as () => unknown)();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } finally {
    process.argv = saved;
  }
}
