// The conformance suite alone, as the mode-switch test runs it in a child process: without the root
// config's package build and type tests, which the suite does not need (and which would rebuild
// dist/ under the tests running beside it).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['conformance/test/**/*.test.ts'],
    testTimeout: 15_000,
    hookTimeout: 15_000,
  },
});
