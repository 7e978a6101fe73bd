import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// One project per kind of suite so each can run alone (npm run test:hardening etc.)
// and servers/browsers get timeouts that fit them.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['schemas/**/*.test.ts', 'runner/**/*.test.ts', 'examples/**/*.test.ts'], environment: 'node' } },
      { plugins: [react()], test: { name: 'designer', include: ['designer/**/*.test.{ts,tsx}'], environment: 'jsdom' } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false } },
      { test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 300_000, fileParallelism: false } },
      { test: { name: 'cluster', include: ['test/cluster/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 120_000, fileParallelism: false } },
      {
        test: {
          name: 'hardening',
          include: ['test/hardening/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          // Sums the counters the suite files write and prints the one-line summary at the end.
          globalSetup: ['test/hardening/harness/global-setup.ts'],
          // The leak test compares heap before and after, which needs gc() on demand.
          execArgv: ['--expose-gc'],
        },
      },
    ],
  },
});
