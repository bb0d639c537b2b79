// Crash safety, long run: SIGKILL `skillsync rollback` at random moments (see lib.ts).
// Reproduce a failing trial: SKILLSYNC_FAULT_SEED=<seed> npx vitest run --config test/faults/vitest.config.ts test/faults/rollback
import { expect, it } from 'vitest';
import { LONG_TRIALS, runScenario } from './lib.js';

it('rollback: killed at random moments, then rerun, ends exactly as an uninterrupted run', async () => {
  const r = await runScenario('rollback', LONG_TRIALS, 'long');
  expect(r.failures).toEqual([]);
});
