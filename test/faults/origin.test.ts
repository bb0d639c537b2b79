// Crash safety, long run: SIGKILL `skillsync sync` (p0's id served by another source) at random moments, SKILLSYNC_FAULT_TRIALS
// times (default 200); see lib.ts for what each trial checks.
// Reproduce a failing trial: SKILLSYNC_FAULT_SEED=<seed> npx vitest run --config test/faults/vitest.config.ts test/faults/origin
import { afterAll, expect, it } from 'vitest';
import { Bench, LONG_TRIALS, faultBaseDir, runScenario } from './lib.js';

const bench = new Bench(faultBaseDir('long-origin'));
afterAll(() => bench.cleanup());

it('sync while another source serves an enabled plugin id (origin takeover): killed at random moments, then rerun, ends exactly as an uninterrupted run', async () => {
  const r = await runScenario('origin', LONG_TRIALS, bench, { warmup: true });
  expect(r.failures).toEqual([]);
});
