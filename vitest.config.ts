import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests (pure and Node-side), and end-to-end tests that start the core
// and drive Debian's Chromium. `npm test` runs both (scripts/test.mjs).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // A page on a loaded 2-core machine can take seconds to show what a poll waits for;
          // vitest's 1 s default made such polls flaky.
          expect: { poll: { timeout: 10_000 } },
          fileParallelism: false,
        },
      },
    ],
  },
});
