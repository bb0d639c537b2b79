// Ref locks at exact crash points, long run: each mutating command SIGKILLed just before
// and just after every `.lock` it creates in workspace.git, and (after) again in its rerun
// at every lock the rerun takes (first × second). No timing involved: every window is hit once.
// The short form (the proposal-branch lock of accept) is in test/hostile-refs.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeEnv, skillMd, type Env } from '../helpers/env.js';
import { everyKillPoint, killBase, reset } from './kill-points.js';

let env: Env;
beforeAll(() => {
  env = makeEnv();
  for (const s of ['alpha', 'beta']) env.skill('tools', s, { 'SKILL.md': skillMd(s), 'references/r.md': `${s}\n` });
  env.ok('init');
});
afterAll(() => env.cleanup());

const CASES: { name: string; args: string[]; prepare: (e: Env) => void; mayFail?: RegExp }[] = [
  { name: 'enable', args: ['enable', 'tools'], prepare: () => {} },
  {
    name: 'sync',
    args: ['sync'],
    prepare: (e) => {
      e.ok('enable', 'tools');
      for (const s of ['alpha', 'beta']) writeFileSync(join(e.plugins, 'tools', 'skills', s, 'SKILL.md'), skillMd(s, 'Upstream change.\n'));
    },
  },
  { name: 'accept', args: ['accept', 'tools/alpha'], prepare: (e) => void e.ok('sync'), mayFail: /no open proposal tools\/alpha/ },
  { name: 'reject', args: ['reject', 'tools/beta'], prepare: () => {}, mayFail: /no open proposal tools\/beta/ },
  {
    name: 'publish',
    args: ['publish', 'alpha', '--from', 'EDIT'],
    prepare: (e) => {
      cpSync(join(e.plugins, 'tools', 'skills', 'alpha'), join(e.root, 'edit'), { recursive: true });
      writeFileSync(join(e.root, 'edit', 'SKILL.md'), skillMd('alpha', 'Edited here.\n'));
    },
  },
  { name: 'rollback', args: ['rollback', 'alpha', 'v0001'], prepare: () => {} },
  // 34 new refs: created in packed-refs at once (its lock), replayed as loose refs.
  { name: 'enable (bulk refs)', args: ['enable', 'many'], prepare: (e) => { for (let i = 0; i < 17; i++) e.skill('many', `m${i}`, { 'SKILL.md': skillMd(`m${i}`) }); } },
];

// Each case starts from the state the ones before it left (built uninterrupted).
describe('every ref lock of every command, killed before and after it appears, rerun killed too', () => {
  for (const c of CASES) {
    it(c.name, () => {
      c.prepare(env);
      const args = c.args.map((a) => (a === 'EDIT' ? join(env.root, 'edit') : a));
      const base = killBase(env, args);
      let points = 0;
      for (const before of [false, true]) {
        // A second kill in the rerun, at each lock it takes, after each first kill that left a lock.
        const r = everyKillPoint(env, base, args, { before, pairs: !before, mayFail: c.mayFail });
        points += r.points;
        expect(r.problems).toEqual([]);
      }
      console.log(`${c.name}: ${points} kill points, all clean`);
      expect(points).toBeGreaterThan(0);
      // The next case starts from this command's uninterrupted end state.
      reset(env, base);
      env.ok(...args);
    });
  }
});
