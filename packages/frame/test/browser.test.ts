import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// @vnet/frame must run in browsers (the playground decodes frames there): bundling it for the
// browser platform fails if any Node built-in module is imported, and the bundle must not lean
// on Node globals either.
describe('browser safety', () => {
  it('bundles for the browser with no Node built-ins or globals', async () => {
    const result = await build({
      entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0].text;
    expect(code).not.toMatch(/\bBuffer\.|\bprocess\.|require\(/);
    expect(code.length).toBeGreaterThan(10_000);
  });
});
