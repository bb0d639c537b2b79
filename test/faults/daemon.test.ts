// Crash safety, long run: SIGKILL `skillsync daemon` at random moments, SKILLSYNC_FAULT_TRIALS
// times (default 200); see lib.ts for what each trial checks.
// Reproduce a failing trial: SKILLSYNC_FAULT_SEED=<seed> npx vitest run --config test/faults/vitest.config.ts test/faults/daemon
import { afterAll, expect, it } from 'vitest';
import { Bench, LONG_TRIALS, faultBaseDir, runScenario } from './lib.js';

const bench = new Bench(faultBaseDir('long-daemon'));
afterAll(() => bench.cleanup());

it('daemon: killed at random moments, then rerun, ends exactly as an uninterrupted run', async () => {
  const r = await runScenario('daemon', LONG_TRIALS, bench, { warmup: true });
  expect(r.failures).toEqual([]);
});
