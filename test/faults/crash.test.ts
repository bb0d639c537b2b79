// Crash safety, the long run: SKILLSYNC_FAULT_TRIALS trials per scenario (default 200)
// of enable, sync, accept, publish, rollback and the daemon, each SIGKILLed at a random
// moment, checked, rerun and compared with an uninterrupted run. Reproduce one trial
// with SKILLSYNC_FAULT_SEED=<seed> SKILLSYNC_FAULT_SCENARIOS=<name>.
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS, describeFailure, faultBaseDir, prepare, rmTree, trial, type TrialResult } from './lib.js';

const TRIALS = Number(process.env.SKILLSYNC_FAULT_TRIALS ?? 200);
const ONLY = process.env.SKILLSYNC_FAULT_SCENARIOS?.split(',');
const SEED = process.env.SKILLSYNC_FAULT_SEED ? Number(process.env.SKILLSYNC_FAULT_SEED) : null;
const base = faultBaseDir('long');
afterAll(() => rmTree(base));

describe('SIGKILL at random moments', () => {
  for (const s of SCENARIOS.filter((x) => !ONLY || ONLY.includes(x.name))) {
    it(`${s.name}: ${SEED !== null ? 'seed ' + SEED : TRIALS + ' trials'}`, async () => {
      const p = await prepare(s, base);
      const seeds = SEED !== null ? [SEED] : Array.from({ length: TRIALS }, (_, i) => 1000 * (SCENARIOS.indexOf(s) + 1) + i);
      const results: TrialResult[] = [];
      for (const seed of seeds) {
        const r = await trial(p, seed);
        results.push(r);
        if (r.problems.length) console.error(`FAILED ${describeFailure(r)}`);
      }
      const failed = results.filter((r) => r.problems.length);
      const killed = results.filter((r) => r.killed).length;
      console.log(
        `${s.name}: ${results.length} trials, ${killed} killed mid-run, ${results.filter((r) => r.secondKill).length} reruns killed too, ` +
          `${results.filter((r) => r.hadLock).length} stale locks, ${results.filter((r) => r.hadJournal).length} journals, ` +
          `max temp garbage ${Math.max(0, ...results.map((r) => r.garbage))}, ${failed.length} failed ` +
          `(command ~${p.durationMs} ms, startup ~${Math.round(p.startupMs)} ms)`,
      );
      expect(failed.map(describeFailure)).toEqual([]);
    });
  }
});
