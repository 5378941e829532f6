import { readdirSync } from 'node:fs';
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// One project per package plus the cross-package tests. Workspace packages resolve to their
// TypeScript sources through the `development` export condition, so no build is needed to test.
const conditions = ['development', ...defaultServerConditions];
const packages = readdirSync(new URL('./packages', import.meta.url)).map((dir) => `packages/${dir}`);

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    projects: [...packages, 'tests'].map((root) => ({
      extends: true,
      test: { name: root.replace('packages/', ''), root, include: ['test/**/*.test.ts', '*.test.ts'] },
    })),
  },
});
