// Crash safety of targets, long run: SIGKILL `sync` while it swaps versions into a
// copy-mode target and while it captures edits made there (see targets-lib.ts).
// Reproduce: SKILLSYNC_FAULT_SEED=<seed> npx vitest run --config test/faults/vitest.config.ts test/faults/targets
import { afterAll, expect, it } from 'vitest';
import { LONG_TRIALS, faultBaseDir, rmTree } from './lib.js';
import { runTargetFaults } from './targets-lib.js';

const base = faultBaseDir('long-targets');
afterAll(() => rmTree(base));

it('copy-mode swap: killed at random moments, each folder is old or new, the rerun completes it', async () => {
  expect((await runTargetFaults('swap', base, LONG_TRIALS, 9000)).failures).toEqual([]);
});

it('capture: killed at random moments, each folder stays as edited, the rerun publishes it once', async () => {
  expect((await runTargetFaults('capture', base, LONG_TRIALS, 9500)).failures).toEqual([]);
});
