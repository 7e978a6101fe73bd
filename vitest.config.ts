import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// One project per kind of suite so each can run alone (npm run test:hardening etc.)
// and servers/browsers get timeouts that fit them. Suites that start servers, processes or
// browsers run one group after another (groupOrder): on two cores they would starve each other.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['schemas/**/*.test.ts', 'runner/**/*.test.ts', 'examples/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        plugins: [react()],
        test: { name: 'designer', include: ['designer/**/*.test.{ts,tsx}'], environment: 'jsdom' },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          sequence: { groupOrder: 2 },
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cluster',
          sequence: { groupOrder: 3 },
          include: ['test/cluster/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'hardening',
          sequence: { groupOrder: 4 },
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
