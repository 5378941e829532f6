/**
 * A user's Node.js program for a virtual host, made ready on the main thread: esbuild bundles
 * it (TypeScript too), so that the host's worker can run it with `net`, `http`, `dgram` and
 * `dns` from the host's own stack.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { TopologyError } from './errors.js';

/** What a host's worker needs to run a program. */
export interface ProgramSpec {
  /** The bundle (see `bundleProgram`), and the id its banner looks itself up by. */
  code: string;
  id: string;
  /** The entry file, as given, for `process.argv[1]` and messages. */
  file: string;
  args: string[];
  /** Host names the program may connect to, with their addresses (the network's /etc/hosts). */
  hosts: Record<string, string>;
}

/** Built-ins a program gets from its host (its stack), or is refused (they would reach the real network). */
const HOSTED = ['net', 'http', 'dgram', 'dns', 'dns/promises', 'https', 'tls', 'http2'];

/** The globals a program sees as its own (the runner provides them, per program). */
const SCOPE = [
  'require',
  'process',
  'console',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
];

/**
 * Bundles `file` as an ES module (so top-level await works) whose `net`, `http`, `dgram` and
 * `dns` imports, and whose `process`, `console` and timers, come from the program's runner: a
 * banner takes them from `globalThis.__vnetPrograms` under the program's id. A file that does
 * not build is a `bad-option` error naming the place.
 */
export async function bundleProgram(file: string, id: string): Promise<string> {
  const hosted: Plugin = {
    name: 'vnet-hosted-builtins',
    setup(b) {
      const filter = new RegExp(`^(node:)?(${HOSTED.map((m) => m.replace('/', '\\/')).join('|')})$`);
      b.onResolve({ filter }, (args) => ({ path: args.path.replace(/^node:/, ''), namespace: 'vnet-hosted' }));
      // CommonJS, so that default and named imports both work through esbuild's interop.
      b.onLoad({ filter: /.*/, namespace: 'vnet-hosted' }, (args) => ({
        contents: `module.exports = __vnetRequire(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
  try {
    const result = await build({
      entryPoints: [resolve(file)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      plugins: [hosted],
      banner: {
        js: `const { ${SCOPE.join(', ')} } = globalThis.__vnetPrograms.get(${JSON.stringify(id)}); const __vnetRequire = require;`,
      },
      // Stack traces name the user's file, not a data: URL.
      footer: { js: `//# sourceURL=${pathToFileURL(resolve(file)).href}` },
    });
    return result.outputFiles[0].text;
  } catch (e) {
    const errors = (e as { errors?: Array<{ text: string; location?: { file: string; line: number } }> }).errors;
    const first = errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
    throw new TopologyError('bad-option', `node: cannot load ${file}: ${where}${first?.text ?? (e as Error).message}`);
  }
}
