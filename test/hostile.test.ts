// Hostile input: the corpus of test/fixtures/hostile/corpus.ts, all in one "directory of
// plugins" source, run through the real CLI (`plugins --json`, `status`, `enable`,
// `sync`). Each fixture must end with its expected error or warning; `main` unchanged
// when enable fails; `git fsck --strict` clean; nothing written outside the workspace;
// no code run. Dynamic cases (a plugin that disappears during a sync, files that change
// while they are snapshotted) are below the table.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NAME_BYTES } from '../src/core/names.js';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, makeEnv, snapshotFs, type Env } from './helpers/env.js';
import { git, gitTreeOf, gitTry } from './helpers/git.js';
import { HOSTILE, skillMd, type HostileFixture } from './fixtures/hostile/corpus.js';
import { copyTree, liveProblems, fsckProblems, normState, diffStates, rmTree } from './faults/lib.js';
import { churnSuite, endState, halvesSuite, originSuite, swapSuite, workOf } from './faults/hostile-races.js';


const idOf = (f: HostileFixture) => f.id ?? f.name;

describe('hostile corpus', () => {
  let env: Env;
  let outside: string;
  let canary: string;
  let before: Map<string, string>;
  let discoveryStderr = '';
  let listed: { id: string; skills: { name: string }[]; warnings?: string[] }[] = [];
  type EnableOut = { plugin: string; status: string; error?: { code: string; message: string }; skills?: { name: string; safety?: unknown[] }[]; warnings?: string[] };
  const results = new Map<string, EnableOut>();
  const batches: { kind: string; code: number; stdout: string; stderr: string; refsChanged: boolean; enabled: string[] }[] = [];

  beforeAll(() => {
    env = makeEnv();
    outside = join(env.root, 'outside');
    mkdirSync(join(outside, 'secret-dir'), { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET\n');
    writeFileSync(join(outside, 'secret-dir', 'SKILL.md'), skillMd('secret-dir'));
    canary = join(outside, 'CANARY-code-ran');
    for (const f of HOSTILE) {
      const dir = join(env.plugins, f.name);
      mkdirSync(dir, { recursive: true });
      f.build({ dir, outside, canary });
    }
    env.ok('init');
    before = snapshotFs(env.root, [env.workspace]);
    const r = env.run('--json', 'plugins');
    expect(r.code, r.stderr).toBe(0);
    discoveryStderr = r.stderr;
    listed = JSON.parse(r.stdout);
    // One `enable` per outcome kind, in table order (own-a before own-b): good ones first.
    for (const kind of ['enabled', 'enableFails', 'discoveryError'] as const) {
      const ids = HOSTILE.filter((f) => f.expect.kind === kind).map(idOf);
      const refs = env.refs();
      // `--` would be taken as an id: ids that look like options cannot be passed; they are covered by discovery.
      const r = env.run('--json', 'enable', ...ids.filter((i) => !i.startsWith('-')));
      const out = JSON.parse(r.stdout || '[]') as EnableOut[];
      batches.push({ kind, code: r.code, stdout: r.stdout, stderr: r.stderr, refsChanged: env.refs() !== refs, enabled: out.filter((o) => o.status !== 'error').map((o) => o.plugin) });
      for (const o of out) results.set(o.plugin, o);
    }
  });

  afterAll(() => env?.cleanup());

  it('has at least 40 fixtures, each with a distinct folder', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(40);
    expect(new Set(HOSTILE.map((f) => f.name.toLowerCase())).size).toBe(HOSTILE.length);
  });

  it('enable of only failing plugins changes no ref and reports each failure on its own line', () => {
    for (const b of batches.filter((x) => x.kind !== 'enabled')) {
      expect(b.code, b.kind).toBe(1);
      expect(b.enabled, `${b.kind}: these were enabled`).toEqual([]);
      expect(b.refsChanged, `${b.kind}: a failing enable changed refs`).toBe(false);
      for (const l of b.stderr.trim().split('\n')) expect(l).toMatch(/^skillsync: /);
      expect(b.stderr).not.toMatch(/internal error|this is a bug|\n\s+at /);
    }
    expect(batches.find((x) => x.kind === 'enabled')!.code).toBe(0);
  });

  it('a single failing enable prints one line `skillsync: <message>`, exit 1', () => {
    for (const id of ['json-syntax', 'file-symlink-out', 'skills-dotdot', 'fifo']) {
      const refs = env.refs();
      const r = env.run('enable', id);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^skillsync: /);
      expect(env.refs()).toBe(refs);
    }
  });

  it('an error about a file inside a skill says which skill (and plugin) it is in', () => {
    // A plugin may hold hundreds of skills: "symlink in skill: secret.txt" does not say where to look.
    for (const [id, skill] of [['file-symlink-out', 'leak2'], ['fifo', 'piped'], ['bad-filename', 'badname']]) {
      const r = env.run('enable', id);
      expect(r.code).toBe(1);
      expect(r.stderr, `enable ${id}`).toMatch(new RegExp(skill));
    }
  });

  for (const f of HOSTILE) {
    it(`${f.name}: ${f.why} → ${f.expect.kind}`, () => {
      const id = idOf(f);
      const plugin = listed.find((p) => p.id === id);
      const res = results.get(id);
      const exp = f.expect;
      if (exp.kind === 'discoveryError') {
        // `plugins` warns with the code, the plugin is not listed, enable fails and changes nothing.
        const lines = discoveryStderr.split('\n').filter((l) => l.includes(f.name) || l.includes(JSON.stringify(id)) || l.includes(id));
        expect(lines.join('\n'), `no ${exp.code} warning for ${f.name} in:\n${discoveryStderr}`).toMatch(exp.code);
        for (const l of lines) expect(l).toMatch(/^skillsync: warning: /);
        expect(plugin, `${id} should not be listed`).toBeUndefined();
        if (!id.startsWith('-')) {
          expect(res?.status, `enable ${id}`).toBe('error');
          if (exp.enableFails) expect(res?.error?.message).toMatch(exp.enableFails);
        }
      } else if (exp.kind === 'enableFails') {
        expect(plugin, `${id} should be listed`).toBeDefined();
        expect(res?.status, `enable ${id}: ${JSON.stringify(res)}`).toBe('error');
        expect(res?.error?.message).toMatch(exp.message);
        if (exp.code) expect(res?.error?.code).toMatch(exp.code);
      } else {
        expect(plugin, `${id} should be listed`).toBeDefined();
        expect(res?.status, `enable ${id}: ${JSON.stringify(res)}`).toBe('enabled');
        const text = [...(res?.warnings ?? []), ...(plugin?.warnings ?? []), discoveryStderr, ...batches.map((b) => b.stderr)].join('\n');
        if (exp.warning) expect(text).toMatch(exp.warning);
        if (exp.safety) expect(JSON.stringify(res?.skills)).toMatch(exp.safety);
        expect(plugin!.skills.map((s) => s.name).sort()).toEqual([...exp.skills].sort());
        for (const s of exp.skills) {
          // Byte-identical: the tree on main is what git itself gives for the source folder.
          const src = join(env.plugins, f.name, 'skills', s);
          expect(env.git('rev-parse', `main:skills/${s}`), s).toBe(gitTreeOf(src));
        }
      }
      if (exp.kind !== 'enabled') {
        // Nothing of it in the workspace: no plugin record, no observation.
        expect(env.gitTry('rev-parse', '--verify', '-q', `main:.skillsync/plugins/${id}.json`).status).not.toBe(0);
        expect(env.refs()).not.toContain(`refs/upstream/${id}/`);
      }
      expect(existsSync(canary), 'front matter code was executed').toBe(false);
    });
  }

  it('status and sync still work with every hostile plugin present', () => {
    const st = env.run('status');
    // exit 3: something needs a person (the corpus is full of broken plugins).
    expect([0, 3], st.stderr).toContain(st.code);
    const refs = env.refs();
    // --offline: the corpus has a remote entry (its fetch failing is a state of its own).
    const sy = env.run('--json', 'sync', '--offline');
    expect(sy.stderr).not.toMatch(/internal error|this is a bug/);
    expect([0, 3], sy.stderr).toContain(sy.code);
    // Nothing changed upstream: a second pass changes no ref.
    expect(env.refs()).toBe(refs);
    expect(fsckProblems(env.gitdir)).toEqual([]);
    expect(liveProblems(workOf(env), true)).toEqual([]);
  });

  it('every ref name is one git accepts', () => {
    for (const line of env.refs().split('\n').filter(Boolean)) {
      const name = line.split(' ')[0];
      expect(gitTry(env.root, ['check-ref-format', name]).status, name).toBe(0);
    }
  });

  it('nothing was written outside the workspace and no code ran', () => {
    expect(existsSync(canary)).toBe(false);
    const after = snapshotFs(env.root, [env.workspace]);
    expect([...after].filter(([p, v]) => before.get(p) !== v)).toEqual([]);
    expect([...before.keys()].filter((p) => !after.has(p))).toEqual([]);
    expect(existsSync(join(outside, 'secret.txt'))).toBe(true);
    // The secret never became an object of the workspace repository.
    const r = env.gitTry('cat-file', '-e', gitTry(env.root, ['hash-object', join(outside, 'secret.txt')]).stdout.trim());
    expect(r.status).not.toBe(0);
    expect(fsckProblems(env.gitdir)).toEqual([]);
  });
});

// ------------------------------------------------------------------ dynamic hostility

function bigPlugin(e: Env, id: string, skills: number, files: number, bytes: number) {
  for (let s = 0; s < skills; s++) {
    const f: Record<string, string> = { 'SKILL.md': skillMd(`${id}-k${s}`) };
    for (let i = 0; i < files; i++) f[`references/r${i}.md`] = `${id} ${s} ${i}\n`.repeat(Math.ceil(bytes / 12));
    e.skill(id, `${id}-k${s}`, f);
  }
}

describe('a plugin that disappears in the middle of a sync', () => {
  let env: Env;
  afterAll(() => env?.cleanup());

  it('ends with a clear error or a missing status, main unchanged or consistently updated, and the next pass completes', async () => {
    env = makeEnv();
    bigPlugin(env, 'vanish', 8, 4, 20_000);
    env.ok('enable', 'vanish');
    // Upstream changes to every skill, so the sync has work to do when the folder goes away.
    for (let s = 0; s < 8; s++) writeFileSync(join(env.plugins, 'vanish', 'skills', `vanish-k${s}`, 'references', 'r0.md'), `changed ${s}\n`);
    const backup = join(env.root, 'ws-backup');
    copyTree(env.workspace, backup);
    const restore = () => {
      rmTree(env.workspace);
      copyTree(backup, env.workspace);
    };
    // The reference: what an undisturbed sync gives.
    const t0 = Date.now();
    const ref = env.run('--json', 'sync');
    const dur = Date.now() - t0;
    expect(ref.code, ref.stderr).toBe(0);
    const reference = normState(env.gitdir);
    const src = join(env.plugins, 'vanish');
    const away = join(env.root, 'vanish-away');
    for (let i = 0; i < 3; i++) {
      restore();
      const child = env.runAsync('--json', 'sync');
      await new Promise((r) => setTimeout(r, Math.round((dur * (i + 0.5)) / 3)));
      renameSync(src, away);
      const r = await child;
      expect(r.stderr).not.toMatch(/internal error|this is a bug/);
      expect([0, 1]).toContain(r.code);
      if (r.code === 1) expect(r.stderr).toMatch(/^skillsync: /m);
      else expect(['missing', 'synced', 'update_pending']).toContain(JSON.parse(r.stdout).plugins[0].status);
      expect(fsckProblems(env.gitdir)).toEqual([]);
      expect(liveProblems(workOf(env), true)).toEqual([]);
      // Nothing of the plugin was deleted from main.
      for (let s = 0; s < 8; s++) expect(env.gitTry('rev-parse', '--verify', '-q', `main:skills/vanish-k${s}`).status).toBe(0);
      // While it is gone, a pass reports it missing and changes nothing (once is enough).
      if (i === 0) {
        const refs = env.refs();
        const gone = env.run('--json', 'sync');
        expect(gone.code, gone.stderr).toBe(0);
        expect(JSON.parse(gone.stdout).plugins[0].status).toBe('missing');
        expect(env.refs()).toBe(refs);
      }
      // It comes back: the next pass ends exactly where an undisturbed one does.
      renameSync(away, src);
      const last = env.run('--json', 'sync');
      expect(last.code, last.stderr).toBe(0);
      expect(diffStates(reference, normState(env.gitdir)), `trial ${i}`).toEqual([]);
    }
  }, 120_000);
});

describe('names that collide or git refuses, through publish and later upstream additions', () => {
  let env: Env;
  afterAll(() => env?.cleanup());

  it('refuses unsafe names and case twins, changing nothing', () => {
    env = makeEnv();
    env.skill('alpha', 'tool', { 'SKILL.md': skillMd('tool') });
    env.skill('beta', 'other', { 'SKILL.md': skillMd('other') });
    env.ok('enable', 'alpha', 'beta');
    const dir = join(env.root, 'mine');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'SKILL.md'), skillMd('mine'));
    const refs = env.refs();
    for (const name of ['../escape', 'a.lock', 'x..y', 'has space', 'Tool', 'TOOL']) {
      const r = env.run('publish', name, '--from', dir, '--new', '--force');
      expect(r.code, `publish ${name}: ${r.stdout}`).toBe(1);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr).toMatch(/^skillsync: /);
      expect(env.refs(), name).toBe(refs);
    }
    // A publish --from a folder holding a link is refused like an upstream one.
    symlinkSync(join(env.root, 'skillsync.yaml'), join(dir, 'conf.yaml'));
    const r = env.run('publish', 'mine', '--from', dir, '--new');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/symlink/);
    expect(env.refs()).toBe(refs);
  });

  it('an upstream skill added later whose name differs only by case from a published one is not proposed', () => {
    env.skill('beta', 'TOOL', { 'SKILL.md': skillMd('TOOL') });
    const r = env.run('--json', 'sync');
    expect(r.stderr).not.toMatch(/internal error|this is a bug/);
    const beta = JSON.parse(r.stdout).plugins.find((p: { id: string }) => p.id === 'beta');
    expect(beta.skills.find((s: { name: string }) => s.name === 'TOOL')).toMatchObject({ action: 'ownership_conflict' });
    expect(env.refs()).not.toMatch(/proposals\/beta\/TOOL/);
    expect(env.refs()).not.toMatch(/refs\/upstream\/beta\/TOOL/);
    expect(fsckProblems(env.gitdir)).toEqual([]);
  });
});

// ------------------------------------------------------------------ races with the file system

// Short here (npm test); test/faults/hostile-races.test.ts runs the same tests with many passes.
const SHORT_RACES = { passes: 3, victims: 40, swaps: 60 };
churnSuite(SHORT_RACES);
swapSuite(SHORT_RACES);
halvesSuite(SHORT_RACES);
originSuite(SHORT_RACES);


// ------------------------------------------------------------------ long names

describe('file names that try to forge trailers or drive the terminal (class 6)', () => {
  let env: Env;
  afterAll(() => env?.cleanup());

  it('a binary file named "x.bin\\n\\nMerge-Mode: fast_forward" and one with escape codes: the proposal keeps its mode and conflict, accept refuses, nothing raw is printed', () => {
    env = makeEnv();
    const forged = 'x.bin\n\nMerge-Mode: fast_forward';
    const esc = 'esc\x1b[31mred\x07.md';
    const dir = env.skill('tools', 'alpha', { 'SKILL.md': skillMd('alpha'), [esc]: 'coloured\n' });
    writeFileSync(join(dir, forged), Buffer.from([0, 1, 1]));
    env.ok('enable', 'tools');
    // A local edit of the binary file on main (pushed with git) and another upstream: a binary conflict.
    const clone = join(env.root, 'clone');
    git(env.root, ['clone', '-q', env.gitdir, clone]);
    writeFileSync(join(clone, 'skills', 'alpha', forged), Buffer.from([0, 2, 2]));
    git(clone, ['commit', '-qam', 'local edit']);
    git(clone, ['push', '-q', 'origin', 'HEAD:main']);
    writeFileSync(join(dir, forged), Buffer.from([0, 3, 3]));
    writeFileSync(join(dir, esc), 'coloured upstream\n');
    const sy = env.run('sync');
    expect(sy.code, sy.stderr).toBe(3);
    const [p] = env.json('proposals');
    expect(p).toMatchObject({ id: 'tools/alpha', mergeMode: 'three_way', conflicts: [forged] });
    // git's own trailer parser sees the real mode only, and the conflict, quoted.
    const msg = env.git('log', '-1', '--format=%B', 'proposals/tools/alpha');
    const trailers = git(env.root, ['interpret-trailers', '--parse'], { input: msg }).split('\n');
    expect(trailers.filter((l) => /^(Proposal-|Merge-)Mode:/.test(l))).toEqual(['Proposal-Mode: three_way']);
    expect(trailers.filter((l) => l.startsWith('Conflict:'))).toEqual(['Conflict: "x.bin\\n\\nMerge-Mode: fast_forward (binary)"']);
    const main = env.git('rev-parse', 'main');
    const ac = env.run('accept', 'tools/alpha');
    expect(ac.code).toBe(1);
    expect(ac.stderr.trim().split('\n'), ac.stderr).toHaveLength(1);
    expect(ac.stderr).toContain('binary conflict in "x.bin\\n\\nMerge-Mode: fast_forward"');
    expect(env.git('rev-parse', 'main')).toBe(main);
    for (const args of [['proposals'], ['show', 'tools/alpha'], ['status'], ['--json', 'proposals']]) {
      const r = env.run(...args);
      expect(r.stdout + r.stderr, args.join(' ')).not.toMatch(/[\x1b\x07]/);
      expect(r.stdout, args.join(' ')).not.toMatch(/\nMerge-Mode: fast_forward/);
    }
    expect(endState(env)).toEqual([]);
  });
});

describe('the longest names a limit allows, and one byte more', () => {
  let env: Env;
  afterAll(() => env?.cleanup());

  it('a plugin id and a skill name of MAX_NAME_BYTES go through enable, sync, accept, targets, disable; one byte more is a discovery error naming both', () => {
    env = makeEnv({ configExtra: 'targets:\n  - { path: ./tcopy, mode: copy }\n  - { path: ./tlink }\n' });
    mkdirSync(join(env.root, 'tcopy'));
    mkdirSync(join(env.root, 'tlink'));
    const pid = 'p'.repeat(MAX_NAME_BYTES);
    const skill = 's'.repeat(MAX_NAME_BYTES);
    const over = 'o'.repeat(MAX_NAME_BYTES + 1);
    env.skill(pid, skill, { 'SKILL.md': skillMd(skill) });
    env.skill('overlong', over, { 'SKILL.md': skillMd(over) });
    env.skill('overlong', 'fine', { 'SKILL.md': skillMd('fine') });
    const all: string[] = [];
    const step = (...args: string[]) => {
      const r = env.run(...args);
      all.push(r.stderr);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      return r;
    };
    const pl = env.run('plugins');
    expect(pl.stderr).toMatch(/overlong.*ENAME_UNSAFE|ENAME_UNSAFE.*overlong/);
    expect(pl.stderr).toMatch(new RegExp(`${MAX_NAME_BYTES + 1} bytes long`));
    const refs = env.refs();
    const bad = env.run('enable', 'overlong');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(env.refs()).toBe(refs);
    step('enable', pid);
    writeFileSync(join(env.plugins, pid, 'skills', skill, 'SKILL.md'), skillMd(skill, 'Changed upstream.\n'));
    step('sync');
    expect(env.refs()).toContain(`refs/heads/proposals/${pid}/${skill}`);
    step('accept', `${pid}/${skill}`);
    expect(readFileSync(join(env.workspace, 'live', 'skills', skill, 'SKILL.md'), 'utf8')).toContain('Changed upstream.');
    expect(readFileSync(join(env.root, 'tcopy', skill, 'SKILL.md'), 'utf8')).toContain('Changed upstream.');
    expect(readFileSync(join(env.root, 'tlink', skill, 'SKILL.md'), 'utf8')).toContain('Changed upstream.');
    step('disable', pid, '--yes');
    step('enable', pid);
    step('sync');
    for (const s of all) expect(s).not.toMatch(/ENAMETOOLONG|internal error|this is a bug/);
    expect(endState(env)).toEqual([]);
  }, 120_000);
});

// ------------------------------------------------------------------ the live view repairs itself

describe('the live view is verified on every pass', () => {
  let env: Env;
  afterAll(() => env?.cleanup());

  it('a deleted link, an edited or added checkout file and a stray entry are restored from git, each named in one warning', () => {
    env = makeEnv();
    env.skill('viewed', 'one', { 'SKILL.md': skillMd('one'), 'a.md': 'a\n' });
    env.skill('viewed', 'two', { 'SKILL.md': skillMd('two'), 'b.md': 'b\n' });
    env.ok('enable', 'viewed');
    const live = join(env.workspace, 'live', 'skills');
    const w = workOf(env);
    expect(liveProblems(w, true)).toEqual([]);
    // 1. The link of `one` is deleted: every pass since trusted its marker file.
    rmSync(join(live, 'one'));
    let r = env.run('sync');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/live view: live\/skills\/one was missing; restored/);
    expect(liveProblems(w, true)).toEqual([]);
    // 2. A file of the checkout `two` reads is edited (made writable first, as anyone could).
    const b = join(live, 'two', 'b.md');
    chmodSync(b, 0o644);
    appendFileSync(b, 'tampered\n');
    writeFileSync(join(live, 'two', 'extra.md'), 'added\n');
    r = env.run('sync');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => /live view/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^skillsync: warning: live view: checkouts\/[0-9a-f]{40} \(skills\/two\) was changed on disk: .*"b\.md" modified.*"extra\.md" added.*restored from git/);
    expect(readFileSync(b, 'utf8')).toBe('b\n');
    expect(existsSync(join(live, 'two', 'extra.md'))).toBe(false);
    expect(liveProblems(w, true)).toEqual([]);
    // 3. Something that is not a published skill appears in live/skills.
    mkdirSync(join(live, 'intruder'));
    writeFileSync(join(live, 'intruder', 'SKILL.md'), skillMd('intruder'));
    r = env.run('sync');
    expect(r.stderr).toMatch(/live view: live\/skills\/"intruder" is not a published skill; removed/);
    expect(liveProblems(w, true)).toEqual([]);
    // 4. Nothing wrong: a pass says nothing about the live view.
    r = env.run('sync');
    expect(r.stderr).not.toMatch(/live view/);
    expect(endState(env)).toEqual([]);
  }, 60_000);
});

// ------------------------------------------------------------------ smaller boundaries

describe('errors blame the right thing and stay short', () => {
  let env: Env;
  afterEach(() => env?.cleanup());

  const asNobody = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', '0']).status === 0;
  it.skipIf(process.getuid?.() === 0 && !asNobody)('a file in a source that may not be read blames that file in the source, not the workspace', () => {
    env = makeEnv();
    const dir = env.skill('locked', 'sealed', { 'SKILL.md': skillMd('sealed'), 'private.md': 'not for you\n' });
    chmodSync(join(dir, 'private.md'), 0o000);
    // root reads anything: run the CLI as an unprivileged user who owns the workspace.
    const root = process.getuid?.() === 0;
    if (root) spawnSync('chown', ['-R', '65534:65534', env.root]);
    const run = (...args: string[]) => {
      const argv = [process.execPath, BIN, '--config', env.config, ...args];
      const r = root ? spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...argv], { cwd: env.root, encoding: 'utf8' }) : spawnSync(argv[0]!, argv.slice(1), { cwd: env.root, encoding: 'utf8' });
      return { code: r.status ?? -1, stderr: r.stderr };
    };
    expect(run('init').code).toBe(0);
    const r = run('enable', 'locked');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/locked\/sealed: cannot read .*private\.md in the plugin source: permission denied; fix its permissions in the source/);
    expect(r.stderr).not.toMatch(/workspace/);
  });

  it('a damaged git source is named as such, with what repairs it; the message never sends the user to fsck the workspace', () => {
    env = makeEnv();
    const repo = join(env.root, 'market');
    mkdirSync(join(repo, 'skills', 'tool'), { recursive: true });
    writeFileSync(join(repo, 'skills', 'tool', 'SKILL.md'), skillMd('tool'));
    writeFileSync(join(repo, 'skills', 'tool', 'notes.md'), 'notes that will go missing\n');
    git(repo, ['init', '-q', '-b', 'main']);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-qm', 'plugin']);
    writeFileSync(env.config, `workspace: ./ws\nsources:\n  - { git: ./market, ref: main }\n`);
    env.ok('init');
    const pristine = join(env.root, 'market.orig');
    cpSync(repo, pristine, { recursive: true });
    // A missing blob (read by the snapshot), a garbled tree (read by discovery), a missing commit (the source itself).
    for (const [what, damage] of [['HEAD:skills/tool/notes.md', 'missing'], ['HEAD:skills/tool', 'garbled'], ['HEAD', 'missing']] as const) {
      rmSync(repo, { recursive: true, force: true });
      cpSync(pristine, repo, { recursive: true });
      const oid = git(repo, ['rev-parse', what]);
      const file = join(repo, '.git', 'objects', oid.slice(0, 2), oid.slice(2));
      rmSync(file);
      if (damage === 'garbled') writeFileSync(file, 'not zlib');
      const r = env.run('enable', 'market');
      expect(r.code, what).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBeLessThanOrEqual(2); // the damage, and (source-wide) that nothing was found
      expect(r.stderr, what).toMatch(/the git source .*market@main is damaged \((corrupt loose object|object) [0-9a-f]{40}.*\); repair that repository or clone it again.*the workspace is fine/);
      expect(r.stderr).not.toMatch(/fsck' on|workspace repository/);
      expect(endState(env)).toEqual([]);
    }
  });

  it('a 200 KB config value is not echoed back whole; log.level must be one word', () => {
    env = makeEnv();
    writeFileSync(env.config, `workspace: ./ws\nsources: [./plugins]\nschedule: "${'* '.repeat(100_000)}"\n`);
    let r = env.run('status');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^skillsync: config: schedule: /);
    expect(r.stderr.length).toBeLessThan(400);
    writeFileSync(env.config, `workspace: ./ws\nsources: [./plugins]\n${'k'.repeat(200_000)}: 1\n`);
    r = env.run('status');
    expect(r.code).toBe(1);
    expect(r.stderr.length).toBeLessThan(600);
    writeFileSync(env.config, `workspace: ./ws\nsources: [./plugins]\nlog: { level: [warn] }\n`);
    r = env.run('status');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config: log\.level: must be error, warn, info or debug/);
  });
});
