// Hostile input: the corpus of test/fixtures/hostile/corpus.ts, all in one "directory of
// plugins" source, run through the real CLI (`plugins --json`, `status`, `enable`,
// `sync`). Each fixture must end with its expected error or warning; `main` unchanged
// when enable fails; `git fsck --strict` clean; nothing written outside the workspace;
// no code run. Dynamic cases (a plugin that disappears during a sync, files that change
// while they are snapshotted) are below the table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, writeFileSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { makeEnv, snapshotFs, type Env } from './helpers/env.js';
import { gitTreeOf, gitTry } from './helpers/git.js';
import { HOSTILE, skillMd, type HostileFixture } from './fixtures/hostile/corpus.js';
import { liveProblems, fsckProblems, normState, diffStates, rmTree, workAt, type Work } from './faults/lib.js';

function workOf(e: Env): Work {
  return { ...workAt(e.root), ws: e.workspace, gitdir: e.gitdir, config: e.config, plugins: e.plugins };
}

const idOf = (f: HostileFixture) => f.id ?? f.name;

describe('hostile corpus', () => {
  let env: Env;
  let outside: string;
  let canary: string;
  let before: Map<string, string>;
  let discoveryStderr = '';
  let listed: { id: string; skills: { name: string }[]; warnings?: string[] }[] = [];
  type EnableOut = { plugin: string; status: string; error?: string; code?: string; skills?: { name: string; safety?: string }[]; warnings?: string[] };
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
          if (exp.enableFails) expect(res?.error).toMatch(exp.enableFails);
        }
      } else if (exp.kind === 'enableFails') {
        expect(plugin, `${id} should be listed`).toBeDefined();
        expect(res?.status, `enable ${id}: ${JSON.stringify(res)}`).toBe('error');
        expect(res?.error).toMatch(exp.message);
        if (exp.code) expect(res?.code).toMatch(exp.code);
      } else {
        expect(plugin, `${id} should be listed`).toBeDefined();
        expect(res?.status, `enable ${id}: ${JSON.stringify(res)}`).toBe('enabled');
        const text = [...(res?.warnings ?? []), ...(plugin?.warnings ?? []), discoveryStderr].join('\n');
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
    expect(st.code, st.stderr).toBe(0);
    const refs = env.refs();
    // --offline: the corpus has a remote entry (its fetch failing is a state of its own).
    const sy = env.run('--json', 'sync', '--offline');
    expect(sy.stderr).not.toMatch(/internal error|this is a bug/);
    expect(sy.code, sy.stderr).toBe(0);
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
    cpSync(env.workspace, backup, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    const restore = () => {
      rmTree(env.workspace);
      cpSync(backup, env.workspace, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
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
      // While it is gone, a pass reports it missing and changes nothing.
      const refs = env.refs();
      const gone = env.run('--json', 'sync');
      expect(gone.code, gone.stderr).toBe(0);
      expect(JSON.parse(gone.stdout).plugins[0].status).toBe('missing');
      expect(env.refs()).toBe(refs);
      // It comes back: the next pass ends exactly where an undisturbed one does.
      renameSync(away, src);
      const last = env.run('--json', 'sync');
      expect(last.code, last.stderr).toBe(0);
      expect(diffStates(reference, normState(env.gitdir)), `trial ${i}`).toEqual([]);
    }
  }, 120_000);
});

describe('files that change while they are snapshotted', () => {
  let env: Env;
  let writer: ChildProcess | null = null;
  afterAll(() => {
    writer?.kill('SIGKILL');
    env?.cleanup();
  });

  it('every observed tree is a state the folder really had (never a torn file), or the pass says it kept changing', async () => {
    env = makeEnv();
    const A = 'A'.repeat(512 * 1024);
    const B = 'B'.repeat(700 * 1024);
    const dir = env.skill('churn', 'busy', { 'SKILL.md': skillMd('busy'), 'one.md': A, 'two.md': A });
    env.ok('enable', 'churn');
    // The trees the folder can have: each file fully A or fully B.
    const states = new Set<string>();
    for (const one of [A, B]) {
      for (const two of [A, B]) {
        writeFileSync(join(dir, 'one.md'), one);
        writeFileSync(join(dir, 'two.md'), two);
        states.add(gitTreeOf(dir));
      }
    }
    // A writer that rewrites the files in place (truncate + write), as fast as it can.
    const script = `const fs=require('fs');const A=${JSON.stringify('A')}.repeat(${A.length});const B=${JSON.stringify('B')}.repeat(${B.length});let i=0;for(;;){const c=(i++%2)?A:B;fs.writeFileSync(${JSON.stringify(join(dir, 'one.md'))},c);fs.writeFileSync(${JSON.stringify(join(dir, 'two.md'))},c);}`;
    writer = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const seen: string[] = [];
    let changing = 0;
    const deadline = Date.now() + 4000;
    let passes = 0;
    while (Date.now() < deadline && passes < 8) {
      passes++;
      const r = await env.runAsync('--json', 'sync', 'churn');
      expect(r.stderr).not.toMatch(/internal error|this is a bug/);
      if (r.code !== 0) {
        expect(r.stderr).toMatch(/kept changing|changed while it was read|disappeared while it was read/);
        changing++;
      }
      const obs = env.gitTry('rev-parse', 'refs/upstream/churn/busy^{tree}').stdout.trim();
      seen.push(obs);
      expect(states.has(obs), `observed tree ${obs} is not a state the folder had`).toBe(true);
      const prop = env.gitTry('rev-parse', '--verify', '-q', 'refs/heads/proposals/churn/busy:skills/busy');
      if (prop.status === 0) expect(states.has(prop.stdout.trim()), 'the proposal holds a torn snapshot').toBe(true);
    }
    writer.kill('SIGKILL');
    writer = null;
    expect(passes).toBeGreaterThan(2);
    expect(fsckProblems(env.gitdir)).toEqual([]);
    console.log(`snapshot under churn: ${passes} passes, ${changing} reported the folder kept changing, ${new Set(seen).size} distinct trees observed`);
  }, 60_000);
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
