// The long fault-injection suite (`npm run test:faults`); excluded from `npm test`,
// which runs a few trials of it from test/concurrency-crash.test.ts instead.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/faults/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 3 * 60 * 60_000,
    hookTimeout: 10 * 60_000,
  },
});
