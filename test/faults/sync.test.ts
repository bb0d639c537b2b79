// Crash safety, long run: SIGKILL `skillsync sync` at random moments (see lib.ts).
// Reproduce a failing trial: SKILLSYNC_FAULT_SEED=<seed> npx vitest run --config test/faults/vitest.config.ts test/faults/sync
import { expect, it } from 'vitest';
import { LONG_TRIALS, runScenario } from './lib.js';

it('sync: killed at random moments, then rerun, ends exactly as an uninterrupted run', async () => {
  const r = await runScenario('sync', LONG_TRIALS, 'long');
  expect(r.failures).toEqual([]);
});
