// Crash safety, long run: SIGKILL `skillsync accept` at random moments, SKILLSYNC_FAULT_TRIALS
// times (default 200); see lib.ts for what each trial checks.
// Reproduce a failing trial: SKILLSYNC_FAULT_SEED=<seed> npx vitest run --config test/faults/vitest.config.ts test/faults/accept
import { afterAll, expect, it } from 'vitest';
import { Bench, LONG_TRIALS, faultBaseDir, runScenario } from './lib.js';

const bench = new Bench(faultBaseDir('long-accept'));
afterAll(() => bench.cleanup());

it('accept: killed at random moments, then rerun, ends exactly as an uninterrupted run', async () => {
  const r = await runScenario('accept', LONG_TRIALS, bench, { warmup: true });
  expect(r.failures).toEqual([]);
});
