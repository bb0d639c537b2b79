// Crash safety of targets in `npm test`: a few trials of test/faults/targets.test.ts.
import { afterAll, expect, it } from 'vitest';
import { faultBaseDir, rmTree } from './faults/lib.js';
import { runTargetFaults } from './faults/targets-lib.js';

const TRIALS = Number(process.env.SKILLSYNC_SHORT_FAULT_TRIALS ?? 2);
const base = faultBaseDir('short-targets');
afterAll(() => rmTree(base));
const day = Math.floor(Date.now() / 86_400_000) % 1000;

it(`copy-mode swap killed: old or new, completed by the next pass (${TRIALS} trials)`, async () => {
  expect((await runTargetFaults('swap', base, TRIALS, day * 1000 + 900)).failures).toEqual([]);
}, 180_000);

it(`capture killed: the edit stays, published once by the next pass (${TRIALS} trials)`, async () => {
  expect((await runTargetFaults('capture', base, TRIALS, day * 1000 + 950)).failures).toEqual([]);
}, 180_000);
