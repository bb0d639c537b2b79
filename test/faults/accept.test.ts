// Crash safety, long run: SIGKILL `skillsync accept` at random moments (see lib.ts).
// Reproduce a failing trial: SKILLSYNC_FAULT_SEED=<seed> npx vitest run --config test/faults/vitest.config.ts test/faults/accept
import { expect, it } from 'vitest';
import { LONG_TRIALS, runScenario } from './lib.js';

it('accept: killed at random moments, then rerun, ends exactly as an uninterrupted run', async () => {
  const r = await runScenario('accept', LONG_TRIALS, 'long');
  expect(r.failures).toEqual([]);
});
