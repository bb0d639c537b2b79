// Concurrency: several CLI processes, a running daemon and the git CLI pushing to
// `main` of the workspace repository, all at once. Every command succeeds or fails with
// a clear lock-timeout message; no update is lost (every successful publish is a tagged
// version, every successful push is on main); no ref is corrupted.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BIN, makeEnv, skillMd, type Env } from './helpers/env.js';
import { git, gitTreeOf, gitTry } from './helpers/git.js';
import { fsckProblems, leftovers, liveProblems, workAt, type Work } from './faults/lib.js';

function workOf(e: Env): Work {
  return { ...workAt(e.root), ws: e.workspace, gitdir: e.gitdir, config: e.config, plugins: e.plugins };
}

function config(e: Env, lockTimeoutSeconds: number) {
  writeFileSync(e.config, `workspace: ./ws\nsources:\n  - ./plugins\nlockTimeoutSeconds: ${lockTimeoutSeconds}\ndebounceMs: 50\nschedule: "0 0 1 1 *"\nlog: { level: info }\n`);
}

interface Outcome {
  who: string;
  args: string[];
  code: number;
  stderr: string;
  stdout: string;
}

const LOCK_TIMEOUT = /^skillsync: the workspace is locked by .* waited \d+ s/m;

let env: Env;
let daemon: ChildProcess | null = null;
afterEach(() => {
  daemon?.kill('SIGKILL');
  daemon = null;
});
afterAll(() => env?.cleanup());

describe('many writers at once', () => {
  it('CLI processes, a daemon and git pushes: every command succeeds or times out clearly, nothing is lost', async () => {
    env = makeEnv();
    config(env, 4);
    for (let s = 0; s < 6; s++) env.skill('cp', `cp-s${s}`, { 'SKILL.md': skillMd(`cp-s${s}`), 'references/r.md': `v0 ${s}\n` });
    env.ok('enable', 'cp');
    const edits = join(env.root, 'edits');
    const publishDir = (skill: string, tag: string) => {
      const d = join(edits, `${skill}-${tag}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'SKILL.md'), skillMd(skill, `Version ${tag}.\n`));
      writeFileSync(join(d, 'data.txt'), `${skill} ${tag}\n`.repeat(200));
      return d;
    };
    for (let i = 0; i < 3; i++) env.ok('publish', `loc-${i}`, '--from', publishDir(`loc-${i}`, 'init'), '--new');
    env.ok('publish', 'shared', '--from', publishDir('shared', 'init'), '--new');

    // The daemon.
    let dErr = '';
    let dExit: number | null | undefined;
    daemon = spawn(process.execPath, [BIN, '--config', env.config, 'daemon'], { cwd: env.root });
    daemon.stderr!.on('data', (d) => (dErr += d));
    daemon.stdout!.on('data', () => {});
    daemon.on('exit', (c) => (dExit = c));
    for (let t = Date.now(); !/"message":"ready"/.test(dErr) && dExit === undefined && Date.now() - t < 20_000; ) await new Promise((r) => setTimeout(r, 50));
    expect(dExit, dErr).toBeUndefined();

    const outcomes: Outcome[] = [];
    const cli = (who: string, ...args: string[]) =>
      new Promise<Outcome>((res) => {
        const p = spawn(process.execPath, [BIN, '--config', env.config, ...args], { cwd: env.root });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (code) => {
          const o = { who, args, code: code ?? -1, stdout, stderr };
          outcomes.push(o);
          res(o);
        });
      });

    // Publishers: each owns loc-<i> and also publishes the shared skill.
    const published = new Map<string, string[]>(); // skill -> trees of successful publishes, in order
    const publisher = async (i: number) => {
      for (let n = 0; n < 3; n++) {
        for (const skill of n % 2 === 0 ? [`loc-${i}`, 'shared'] : [`loc-${i}`]) {
          const dir = publishDir(skill, `w${i}-${n}`);
          const tree = gitTreeOf(dir);
          const o = await cli(`publisher ${i}`, '--json', 'publish', skill, '--from', dir);
          if (o.code === 0) {
            expect(JSON.parse(o.stdout)).toMatchObject({ status: 'published', tree });
            published.set(skill, [...(published.get(skill) ?? []), tree]);
          }
        }
      }
    };
    // A syncer and an upstream editor (the daemon also reacts to the edits).
    const syncer = async () => {
      for (let n = 0; n < 3; n++) await cli('syncer', '--json', 'sync');
    };
    const upstream = async () => {
      for (let n = 1; n <= 6; n++) {
        writeFileSync(join(env.plugins, 'cp', 'skills', `cp-s${n % 6}`, 'references', 'r.md'), `v${n} ${n % 6}\n`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    // The git CLI: commits to notes/ in a clone, pushed to main (retried when main moved).
    const clone = join(env.root, 'clone');
    git(env.root, ['clone', '-q', env.gitdir, clone]);
    const pushed: string[] = [];
    const pushFailures: string[] = [];
    const pusher = async () => {
      for (let n = 0; n < 4; n++) {
        const file = `notes/push-${n}.txt`;
        let ok = false;
        for (let attempt = 0; attempt < 20 && !ok; attempt++) {
          gitTry(clone, ['fetch', '-q', 'origin']);
          git(clone, ['reset', '-q', '--hard', 'origin/main']);
          mkdirSync(join(clone, 'notes'), { recursive: true });
          writeFileSync(join(clone, file), `push ${n}\n`);
          git(clone, ['add', file]);
          git(clone, ['commit', '-qm', `push ${n}`]);
          const r = gitTry(clone, ['push', '-q', 'origin', 'HEAD:main']);
          if (r.status === 0) ok = true;
          else if (!/rejected|failed to update ref|cannot lock ref|fetch first|non-fast-forward/.test(r.stderr)) pushFailures.push(r.stderr.trim());
          await new Promise((res) => setTimeout(res, 30));
        }
        if (ok) pushed.push(file);
      }
    };

    await Promise.all([publisher(0), publisher(1), publisher(2), syncer(), upstream(), pusher()]);

    // Every command either succeeded or timed out on the lock with a clear message.
    const unexpected = outcomes.filter((o) => o.code !== 0 && !(o.code === 1 && LOCK_TIMEOUT.test(o.stderr) && o.stderr.trim().split('\n').length === 1));
    expect(unexpected.map((o) => `${o.who}: skillsync ${o.args.join(' ')} → ${o.code}: ${o.stderr.trim()}`)).toEqual([]);
    expect(pushFailures).toEqual([]);
    expect(dExit, dErr.slice(-3000)).toBeUndefined();
    console.log(
      `concurrency: ${outcomes.length} commands, ${outcomes.filter((o) => o.code === 0).length} succeeded, ` +
        `${outcomes.filter((o) => o.code !== 0).length} timed out on the lock; ${pushed.length} git pushes landed`,
    );

    // A last change through skillsync, so the live view reflects the final main.
    const last = env.run('--json', 'publish', 'loc-0', '--from', publishDir('loc-0', 'final'));
    expect(last.code, last.stderr).toBe(0);
    published.set('loc-0', [...(published.get('loc-0') ?? []), gitTreeOf(join(edits, 'loc-0-final'))]);
    const done = env.run('--json', 'sync');
    expect(done.code, done.stderr).toBe(0);

    // No lost git push: every pushed file is on main.
    for (const f of pushed) expect(env.git('show', `main:${f}`), f).toMatch(/^push \d+$/);
    // No lost publish: every successful publish is a version; versions are v0001..vN without gaps.
    for (const [skill, trees] of published) {
      const tags = env
        .git('for-each-ref', '--format=%(refname)', `refs/tags/skills/${skill}/`)
        .split('\n')
        .filter(Boolean)
        .sort();
      expect(tags, skill).toEqual(Array.from({ length: trees.length + 1 }, (_, k) => `refs/tags/skills/${skill}/v${String(k + 1).padStart(4, '0')}`));
      const tagTrees = tags.map((t) => env.git('rev-parse', `${t}^{commit}:skills/${skill}`));
      for (const t of trees) expect(tagTrees, `${skill}: a published tree has no version`).toContain(t);
      if (skill !== 'shared') expect(env.git('rev-parse', `main:skills/${skill}`), `${skill}: main lost the last publish`).toBe(trees[trees.length - 1]);
      else expect(trees).toContain(env.git('rev-parse', 'main:skills/shared'));
    }
    // Upstream edits were all seen: each cp skill is proposed (or published) at its final upstream tree.
    for (let s = 0; s < 6; s++) {
      const up = gitTreeOf(join(env.plugins, 'cp', 'skills', `cp-s${s}`));
      expect(env.git('rev-parse', `refs/upstream/cp/cp-s${s}^{tree}`)).toBe(up);
      const prop = env.gitTry('rev-parse', '--verify', '-q', `refs/heads/proposals/cp/cp-s${s}:skills/cp-s${s}`).stdout.trim();
      expect([prop, env.git('rev-parse', `main:skills/cp-s${s}`)]).toContain(up);
    }
    // No ref corrupted.
    expect(fsckProblems(env.gitdir)).toEqual([]);
    for (const line of env.refs().split('\n').filter(Boolean)) {
      const [name, oid] = line.split(' ');
      expect(oid).toMatch(/^[0-9a-f]{40}$/);
      expect(gitTry(env.root, ['check-ref-format', name]).status).toBe(0);
    }
    expect(liveProblems(workOf(env), true)).toEqual([]);

    const code = await new Promise<number | null>((res) => {
      daemon!.on('exit', (c) => res(c));
      daemon!.kill('SIGTERM');
    });
    daemon = null;
    expect(code).toBe(0);
    expect(leftovers(workOf(env))).toEqual([]);
  }, 120_000);
});

describe('the lock, seen from a second process', () => {
  it('a command that cannot get the lock in time fails with one clear line naming the holder', () => {
    const e = makeEnv();
    try {
      config(e, 1);
      e.skill('alpha', 'one', { 'SKILL.md': skillMd('one') });
      e.ok('init');
      // Held by a live process (this one): not stale.
      writeFileSync(join(e.workspace, 'lock'), JSON.stringify({ pid: process.pid, host: hostname(), start: '', command: 'sync', at: new Date().toISOString() }));
      const refs = e.refs();
      for (const args of [['enable', 'alpha'], ['publish', 'one', '--from', join(e.plugins, 'alpha', 'skills', 'one')]]) {
        const t0 = Date.now();
        const r = e.run(...args);
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(new RegExp(`^skillsync: the workspace is locked by pid ${process.pid} \\(sync\\)`));
        expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
        expect(e.refs()).toBe(refs);
      }
      expect(JSON.parse(readFileSync(join(e.workspace, 'lock'), 'utf8')).pid).toBe(process.pid);
    } finally {
      e.cleanup();
    }
  });

  it('a command waits for a running one and then succeeds', async () => {
    const e = makeEnv();
    try {
      config(e, 30);
      for (let s = 0; s < 30; s++) e.skill('big', `big-${s}`, { 'SKILL.md': skillMd(`big-${s}`), 'r.md': 'x'.repeat(50_000) });
      e.skill('small', 'small-1', { 'SKILL.md': skillMd('small-1') });
      e.ok('init');
      const a = e.runAsync('enable', 'big');
      await new Promise((r) => setTimeout(r, 150));
      const b = e.runAsync('enable', 'small');
      const [ra, rb] = await Promise.all([a, b]);
      expect(ra.code, ra.stderr).toBe(0);
      expect(rb.code, rb.stderr).toBe(0);
      expect(e.git('ls-tree', '--name-only', 'main:skills').split('\n')).toHaveLength(31);
      expect(fsckProblems(e.gitdir)).toEqual([]);
    } finally {
      e.cleanup();
    }
  });
});

describe('changes made with git', () => {
  it('a skill edit pushed to main with git reaches the live view on the next pass', () => {
    const e = makeEnv();
    try {
      e.skill('alpha', 'one', { 'SKILL.md': skillMd('one') });
      e.ok('enable', 'alpha');
      const clone = join(e.root, 'clone');
      git(e.root, ['clone', '-q', e.gitdir, clone]);
      writeFileSync(join(clone, 'skills', 'one', 'SKILL.md'), skillMd('one', 'Edited with git.\n'));
      git(clone, ['commit', '-qam', 'edit one with git']);
      git(clone, ['push', '-q', 'origin', 'HEAD:main']);
      const r = e.run('sync');
      expect(r.code, r.stderr).toBe(0);
      // The push became a version (reconcile) ...
      expect(e.git('rev-parse', 'skills/one/v0002^{commit}:skills/one')).toBe(e.git('rev-parse', 'main:skills/one'));
      // ... and agents read it: the live view follows main.
      expect(liveProblems(workOf(e), true)).toEqual([]);
      expect(readFileSync(join(e.workspace, 'live', 'skills', 'one', 'SKILL.md'), 'utf8')).toContain('Edited with git.');
    } finally {
      e.cleanup();
    }
  });

  it('a proposal merged with `git merge` and pushed is published and visible in the live view after the next pass', () => {
    const e = makeEnv();
    try {
      const src = e.skill('alpha', 'one', { 'SKILL.md': skillMd('one') });
      e.ok('enable', 'alpha');
      writeFileSync(join(src, 'SKILL.md'), skillMd('one', 'Upstream v2.\n'));
      e.ok('sync');
      const clone = join(e.root, 'clone');
      git(e.root, ['clone', '-q', e.gitdir, clone]);
      git(clone, ['merge', '-q', '--no-ff', '-m', 'merge proposal', 'origin/proposals/alpha/one']);
      git(clone, ['push', '-q', 'origin', 'HEAD:main']);
      expect(e.run('sync').code).toBe(0);
      expect(e.git('rev-parse', 'main:skills/one')).toBe(gitTreeOf(src));
      expect(liveProblems(workOf(e), true)).toEqual([]);
    } finally {
      e.cleanup();
    }
  });
});

