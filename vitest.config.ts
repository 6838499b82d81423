import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, so `pnpm test` needs no build first; the
    // package's built exports are checked by their own test (packages/aws-framework/test/exports.test.ts).
    alias: [
      {
        find: /^aws-framework\/testing$/,
        replacement: source('./packages/aws-framework/src/testing/index.ts'),
      },
      { find: /^aws-framework$/, replacement: source('./packages/aws-framework/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    globalSetup: ['./test/buildPackages.ts'],
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts', 'examples/*/test/**/*.test-d.ts'],
    },
    testTimeout: 15_000,
    hookTimeout: 15_000,
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts', 'examples/*/src/**/*.ts'],
      reporter: ['text-summary', 'text'],
    },
  },
});
