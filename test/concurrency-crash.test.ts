// Crash safety in `npm test`: a short run of the fault-injection suite (test/faults/,
// `npm run test:faults` runs it long) and deterministic reproductions of the crash
// points it found, each built as exactly the on-disk state a SIGKILL at that point leaves.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readdirSync, rmSync, writeFileSync, mkdirSync, cpSync, readFileSync, utimesSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { makeEnv, skillMd, type Env } from './helpers/env.js';
import { Bench, SCENARIOS, faultBaseDir, liveProblems, fsckProblems, runScenario, workAt, leftovers, type Work } from './faults/lib.js';

const SHORT_TRIALS = Number(process.env.SKILLSYNC_SHORT_FAULT_TRIALS ?? 2);

describe('SIGKILL at random moments (short run; `npm run test:faults` runs 200 per command)', () => {
  // A smaller fixture than the long run (14 skills per plugin instead of 20), other seeds each day.
  const bench = new Bench(faultBaseDir('short'), 14);
  afterAll(() => bench.cleanup());
  const day = Math.floor(Date.now() / 86_400_000);
  for (const s of SCENARIOS) {
    it(`${s.name}: ${SHORT_TRIALS} trial(s)`, async () => {
      const r = await runScenario(s.name, SHORT_TRIALS, bench, {
        firstSeed: (day % 1000) * 1000 + SCENARIOS.indexOf(s) * 100,
        reproduce: `npx vitest run test/concurrency-crash.test.ts -t '${s.name}: '`,
      });
      expect(r.failures).toEqual([]);
    }, 120_000);
  }
});

let env: Env;
afterEach(() => env?.cleanup());

function work(e: Env): Work {
  return { ...workAt(e.root), ws: e.workspace, gitdir: e.gitdir, config: e.config, plugins: e.plugins };
}

function twoSkills(e: Env) {
  e.skill('alpha', 'one', { 'SKILL.md': skillMd('one'), 'references/a.md': 'a\n', 'scripts/x.sh': { content: '#!/bin/sh\n', mode: 0o755 } });
  e.skill('alpha', 'two', { 'SKILL.md': skillMd('two'), 'references/b.md': 'b\n' });
}

describe('crash points, reproduced exactly', () => {
  it('killed after main moved but before the live view was updated: the rerun brings the live view up to date', () => {
    // The state a SIGKILL leaves between `rmSync(journal)` and `refreshLive()` in applyTxn:
    // main, tags and observations complete, no journal, live/ and cache/live.json as before.
    env = makeEnv();
    twoSkills(env);
    env.ok('init');
    env.ok('enable', 'alpha');
    const live = join(env.workspace, 'live', 'skills');
    for (const n of readdirSync(live)) rmSync(join(live, n));
    rmSync(join(env.workspace, 'cache', 'live.json'), { force: true });
    expect(existsSync(join(env.workspace, 'journal.json'))).toBe(false);

    // Rerunning the interrupted command must end as an uninterrupted run: live view included.
    env.ok('enable', 'alpha');
    expect(liveProblems(work(env), true)).toEqual([]);
  });

  it('killed after main moved but before the live view was updated: the next sync brings the live view up to date', () => {
    env = makeEnv();
    twoSkills(env);
    env.ok('enable', 'alpha');
    const live = join(env.workspace, 'live', 'skills');
    for (const n of readdirSync(live)) rmSync(join(live, n));
    rmSync(join(env.workspace, 'cache', 'live.json'), { force: true });
    env.ok('sync');
    expect(liveProblems(work(env), true)).toEqual([]);
  });

  it('a retired checkout half-removed by a killed process is never reused by the live view', () => {
    // updateLive removes retired checkouts (rmReadonly) once their grace period is over; a
    // SIGKILL in the middle of that leaves checkouts/<tree> with part of its files, and
    // cache/live.json still listing it as retired. A rollback to that tree must not link it.
    env = makeEnv();
    twoSkills(env);
    env.ok('enable', 'alpha');
    const v1 = env.git('rev-parse', 'main:skills/one');
    const edit = join(env.root, 'edit');
    cpSync(join(env.plugins, 'alpha', 'skills', 'one'), edit, { recursive: true });
    writeFileSync(join(edit, 'SKILL.md'), skillMd('one', 'Edited.\n'));
    env.ok('publish', 'one', '--from', edit);
    expect(env.git('rev-parse', 'main:skills/one')).not.toBe(v1);
    // The interrupted removal of checkouts/<v1>: one file and its folder are already gone.
    const co = join(env.workspace, 'checkouts', v1);
    expect(existsSync(co)).toBe(true);
    chmodSync(co, 0o755);
    chmodSync(join(co, 'references'), 0o755);
    rmSync(join(co, 'references'), { recursive: true });
    rmSync(join(co, 'SKILL.md'));

    env.ok('rollback', 'one', 'v0001');
    expect(env.git('rev-parse', 'main:skills/one')).toBe(v1);
    expect(liveProblems(work(env), true)).toEqual([]);
  });

  it('a lock left empty by a process killed between creating and writing it is broken, with a log line', () => {
    // tryCreate opens `lock` with O_EXCL, then writes its JSON: a kill in between leaves an empty file.
    env = makeEnv();
    twoSkills(env);
    env.ok('init');
    writeFileSync(join(env.workspace, 'lock'), '');
    const old = new Date(Date.now() - 10_000);
    utimesSync(join(env.workspace, 'lock'), old, old);
    const r = env.run('enable', 'alpha');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/stale workspace lock/);
    expect(leftovers(work(env))).toEqual([]);
  });

  it('a lock of a killed process (pid gone) is broken at once, with a log line naming it', () => {
    env = makeEnv();
    twoSkills(env);
    env.ok('init');
    writeFileSync(join(env.workspace, 'lock'), JSON.stringify({ pid: 2 ** 22 + 17, host: hostname(), start: '1', command: 'sync', at: new Date().toISOString() }));
    // "At once" without a clock: with a lock timeout of 0 there is one try, so waiting would fail.
    writeFileSync(env.config, readFileSync(env.config, 'utf8').replace('lockTimeoutSeconds: 20', 'lockTimeoutSeconds: 0'));
    const r = env.run('enable', 'alpha');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/removing stale workspace lock of pid \d+ \(sync\)/);
    expect(fsckProblems(env.gitdir)).toEqual([]);
  });

  it('a ref lock left by a process killed inside updateRef does not fail the rerun', () => {
    // updateRef creates refs/heads/main.lock, writes it, renames it over the ref: a SIGKILL
    // in between leaves main.lock (and the workspace lock of a dead pid). The rerun comes
    // right away, while main.lock is younger than the 2 s after which it counts as stale.
    env = makeEnv();
    twoSkills(env);
    env.ok('enable', 'alpha');
    const edit = join(env.root, 'edit');
    cpSync(join(env.plugins, 'alpha', 'skills', 'one'), edit, { recursive: true });
    writeFileSync(join(edit, 'SKILL.md'), skillMd('one', 'Edited.\n'));
    writeFileSync(join(env.gitdir, 'refs', 'heads', 'main.lock'), '');
    writeFileSync(join(env.workspace, 'lock'), JSON.stringify({ pid: 2 ** 22 + 19, host: hostname(), start: '1', command: 'publish one', at: new Date().toISOString() }));
    const r = env.run('publish', 'one', '--from', edit);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/stale workspace lock/);
    expect(env.git('rev-parse', 'main:skills/one')).toBe(env.git('rev-parse', 'skills/one/v0002^{commit}:skills/one'));
    expect(leftovers(work(env))).toEqual([]);
  });

  it('a packed-refs.lock left by a process killed while writing packed-refs does not fail the rerun', () => {
    env = makeEnv();
    for (let i = 0; i < 20; i++) env.skill('many', `m${i}`, { 'SKILL.md': skillMd(`m${i}`) });
    env.ok('enable', 'many');
    writeFileSync(join(env.gitdir, 'packed-refs.lock'), '');
    // A fresh ref lock may be a live git process's: only a stale one (seconds old) is removed.
    const old = Date.now() / 1000 - 30;
    utimesSync(join(env.gitdir, 'packed-refs.lock'), old, old);
    writeFileSync(join(env.workspace, 'lock'), JSON.stringify({ pid: 2 ** 22 + 23, host: hostname(), start: '1', command: 'sync', at: new Date().toISOString() }));
    for (let i = 0; i < 20; i++) writeFileSync(join(env.plugins, 'many', 'skills', `m${i}`, 'SKILL.md'), skillMd(`m${i}`, 'v2\n'));
    const r = env.run('sync');
    expect(r.code, r.stderr).toBe(0);
    // Every proposal is there, and a reject (which deletes refs) works at once too.
    expect(env.git('for-each-ref', '--format=%(refname)', 'refs/heads/proposals/many/').split('\n')).toHaveLength(20);
    writeFileSync(join(env.gitdir, 'packed-refs.lock'), '');
    utimesSync(join(env.gitdir, 'packed-refs.lock'), old, old);
    const rj = env.run('reject', 'many/m0');
    expect(rj.code, rj.stderr).toBe(0);
    expect(leftovers(work(env))).toEqual([]);
  });

  it('a journal whose main update never happened is discarded; one whose main update happened is completed', () => {
    env = makeEnv();
    twoSkills(env);
    env.ok('enable', 'alpha'); // one commit for the whole plugin
    env.ok('pause', 'alpha'); // a second commit, so main^ exists
    const main = env.git('rev-parse', 'main');
    // Killed after writing the journal, before the compare-and-swap of main.
    mkdirSync(env.workspace, { recursive: true });
    writeFileSync(
      join(env.workspace, 'journal.json'),
      JSON.stringify({ main: { old: main, new: '1'.repeat(40) }, ops: [{ name: 'refs/tags/skills/one/v0099', oid: main, expected: null }], command: 'publish one', at: new Date().toISOString() }),
    );
    const r = env.run('sync');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/interrupted before it changed main/);
    expect(env.gitTry('rev-parse', '--verify', '-q', 'refs/tags/skills/one/v0099').status).not.toBe(0);
    expect(env.git('rev-parse', 'main')).toBe(main);
    // Killed after main moved: the tag of the version is created by the next command.
    const parent = env.git('rev-parse', 'main^');
    env.git('update-ref', 'refs/heads/main', parent);
    writeFileSync(
      join(env.workspace, 'journal.json'),
      JSON.stringify({ main: { old: main, new: parent }, ops: [{ name: 'refs/tags/skills/one/v0099', oid: parent, expected: null }], command: 'publish one', at: new Date().toISOString() }),
    );
    const r2 = env.run('status');
    expect(r2.code).toBe(0);
    const r3 = env.run('sync');
    expect(r3.code).toBe(0);
    expect(r3.stderr).toMatch(/completing 'publish one'/);
    expect(env.git('rev-parse', 'refs/tags/skills/one/v0099')).toBe(parent);
    expect(existsSync(join(env.workspace, 'journal.json'))).toBe(false);
    expect(readFileSync(join(env.gitdir, 'HEAD'), 'utf8')).toContain('refs/heads/main');
  });
});
