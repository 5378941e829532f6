/**
 * Loads a user's TypeScript or JavaScript module (a `--custom` topology file, a `vnet run`
 * script) through esbuild. Imports of vnet's own packages resolve to the copies this CLI runs,
 * so a user's `Topo` subclass is the same class the CLI knows, wherever the file lives.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { CliError } from './errors.js';

/** Resolves `@vnet/*` and `vnet` imports to this CLI's own modules, kept outside the bundle. */
const vnetPackages: Plugin = {
  name: 'vnet-packages',
  setup(b) {
    b.onResolve({ filter: /^(@vnet\/[a-z-]+|vnet)(\/.*)?$/ }, (args) => ({ path: import.meta.resolve(args.path), external: true }));
  },
};

export async function loadUserModule(file: string): Promise<Record<string, unknown>> {
  const entry = resolve(file);
  let code: string;
  try {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      plugins: [vnetPackages],
    });
    code = result.outputFiles[0].text;
  } catch (e) {
    const errors = (e as { errors?: Array<{ text: string; location?: { file: string; line: number } }> }).errors;
    const first = errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
    throw new CliError(`cannot load ${file}: ${where}${first?.text ?? (e as Error).message}`, 2);
  }
  // Everything but vnet and Node's built-ins is inside the bundle, so it can run from anywhere.
  const dir = mkdtempSync(join(tmpdir(), 'vnet-module-'));
  const out = join(dir, 'module.mjs');
  writeFileSync(out, code);
  try {
    return (await import(pathToFileURL(out).href)) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
