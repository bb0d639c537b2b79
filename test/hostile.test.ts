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
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { BIN, makeEnv, snapshotFs, type Env, type RunResult } from './helpers/env.js';
import { raceUnavailable, startSwapper } from './helpers/race.js';
import { git, gitTreeOf, gitTry } from './helpers/git.js';
import { HOSTILE, skillMd, type HostileFixture } from './fixtures/hostile/corpus.js';
import { liveProblems, fsckProblems, leftovers, normState, diffStates, rmTree, workAt, type Work } from './faults/lib.js';

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
    // A pass waits for fresh files to settle (up to three times): give it room on a busy machine.
    const deadline = Date.now() + 15_000;
    let passes = 0;
    while (Date.now() < deadline && passes < 6) {
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

// ------------------------------------------------------------------ races with the file system

/** Run the CLI with a bound: a command blocked forever (a FIFO read) is killed and reported as -2. */
function runBounded(e: Env, ms: number, ...args: string[]): Promise<RunResult> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [BIN, '--config', e.config, ...args], { cwd: e.root });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), ms);
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code, sig) => {
      clearTimeout(timer);
      res({ code: sig === 'SIGKILL' ? -2 : (code ?? -1), stdout, stderr });
    });
  });
}

/** Every tree a ref of the workspace can reach, as `<tree-path> <blob>` lines of git ls-tree -r. */
function reachableFiles(e: Env): string[] {
  const out: string[] = [];
  const commits = e.gitTry('rev-list', '--all').stdout.split('\n').filter(Boolean);
  for (const c of commits) out.push(...e.gitTry('ls-tree', '-r', c).stdout.split('\n').filter(Boolean));
  return out;
}

function endState(e: Env): string[] {
  const w = workOf(e);
  return [...fsckProblems(e.gitdir), ...liveProblems(w, true), ...leftovers(w)];
}

const RACE = raceUnavailable();

describe.skipIf(RACE !== null)('races with the file system: paths swapped with renameat2(RENAME_EXCHANGE) while a snapshot reads', () => {
  let env: Env;
  let outside: string;
  beforeAll(() => {
    env = makeEnv();
    outside = join(env.root, 'outside');
    mkdirSync(join(outside, 'secret-refs'), { recursive: true });
    writeFileSync(join(outside, 'secret-refs', 'secret.md'), 'TOP SECRET, outside every source\n');
  });
  afterAll(() => env?.cleanup());

  /**
   * A plugin whose victim skill is snapshotted last, after many others: the time between
   * discovery and the victim's snapshot is long enough for a swap to fall inside it.
   */
  function victimPlugin(plugin: string, skill: string, files: Record<string, string>): string {
    for (let i = 0; i < 150; i++) env.skill(plugin, `a-${plugin}-${i}`, { 'SKILL.md': skillMd(`a-${plugin}-${i}`) });
    return env.skill(plugin, skill, { 'SKILL.md': skillMd(skill), ...files });
  }

  /** Passes of `sync <plugin>` while `a` and `b` are swapped; each must end within `ms`. */
  async function passesWhileSwapping(plugin: string, skill: string, a: string, b: string, passes: number, opts: { ms?: number; holdMs?: [number, number] } = {}): Promise<RunResult[]> {
    const swapper = startSwapper(a, b, 120, { holdMs: opts.holdMs });
    const out: RunResult[] = [];
    try {
      for (let i = 0; i < passes; i++) {
        if (out.some((r) => r.code === -2)) break; // one blocked pass is enough to fail
        // Something new upstream each pass: every pass reads the folder, not only the stat cache.
        writeFileSync(join(env.plugins, plugin, 'skills', skill, 'counter.md'), `pass ${i}\n`);
        out.push(await runBounded(env, opts.ms ?? 30_000, '--json', 'sync', plugin));
      }
    } finally {
      await swapper.stop();
    }
    return out;
  }

  function expectClean(runs: RunResult[]) {
    for (const r of runs) {
      expect(r.code, `a pass did not finish: ${r.stderr}`).not.toBe(-2);
      expect(r.stderr).not.toMatch(/internal error|this is a bug|\n\s+at /);
      for (const l of r.stderr.trim().split('\n').filter(Boolean)) expect(l).toMatch(/^skillsync: /);
    }
    expect(endState(env)).toEqual([]);
  }

  it('a folder of a skill swapped for a link to outside: nothing outside is read or published', async () => {
    const dir = victimPlugin('swapdir', 'z-dir', { 'refs/inside.md': 'inside\n' });
    env.ok('enable', 'swapdir');
    const decoy = join(outside, 'decoy-refs');
    symlinkSync(join(outside, 'secret-refs'), decoy);
    const runs = await passesWhileSwapping('swapdir', 'z-dir', join(dir, 'refs'), decoy, 6, { holdMs: [50, 400] });
    expectClean(runs);
    const secret = gitTry(env.root, ['hash-object', join(outside, 'secret-refs', 'secret.md')]).stdout.trim();
    expect(env.gitTry('cat-file', '-e', secret).status, 'the outside file became an object of the workspace').not.toBe(0);
    expect(runs.some((r) => /symlink/.test(r.stderr + r.stdout)), 'no pass saw the link').toBe(true);
  }, 180_000);

  it('the skill folder itself swapped for a link to outside: refused, never followed', async () => {
    const dir = victimPlugin('swapskill', 'z-skill', { 'a.md': 'a\n' });
    env.ok('enable', 'swapskill');
    mkdirSync(join(outside, 'fake-skill'), { recursive: true });
    writeFileSync(join(outside, 'fake-skill', 'SKILL.md'), skillMd('z-skill', 'Outside body, never to be published.\n'));
    writeFileSync(join(outside, 'fake-skill', 'counter.md'), 'outside counter\n');
    const decoy = join(outside, 'decoy-skill');
    symlinkSync(join(outside, 'fake-skill'), decoy);
    const runs = await passesWhileSwapping('swapskill', 'z-skill', dir, decoy, 10, { holdMs: [50, 400] });
    expectClean(runs);
    const fake = gitTry(env.root, ['hash-object', join(outside, 'fake-skill', 'SKILL.md')]).stdout.trim();
    expect(env.gitTry('cat-file', '-e', fake).status, 'the outside SKILL.md became an object of the workspace').not.toBe(0);
  }, 180_000);

  it('SKILL.md swapped for one with ---js front matter after discovery checked it: the stored bytes are checked, never published', async () => {
    const dir = victimPlugin('swapmd', 'z-md', { 'a.md': 'a\n' });
    env.ok('enable', 'swapmd');
    const evil = join(outside, 'evil-SKILL.md');
    writeFileSync(evil, `---js\n{ name: require('fs').writeFileSync(${JSON.stringify(join(outside, 'CANARY'))}, 'ran') }\n---\nbody\n`);
    const evilOid = gitTry(env.root, ['hash-object', evil]).stdout.trim();
    const runs = await passesWhileSwapping('swapmd', 'z-md', join(dir, 'SKILL.md'), evil, 10, { holdMs: [50, 400] });
    expectClean(runs);
    const published = reachableFiles(env).filter((l) => l.endsWith('\tSKILL.md') || l.endsWith('/SKILL.md'));
    expect(published.filter((l) => l.includes(evilOid)), 'a ---js SKILL.md reached a ref').toEqual([]);
    expect(existsSync(join(outside, 'CANARY'))).toBe(false);
    expect(runs.some((r) => /EFRONTMATTER_LANG|front matter/.test(r.stderr + r.stdout)), 'no pass saw the swapped SKILL.md').toBe(true);
  }, 180_000);

  it('a file swapped for a link to a FIFO: no read blocks, the lock is released, other commands go on', async () => {
    const dir = env.skill('swapfifo', 'v-fifo', { 'SKILL.md': skillMd('v-fifo'), 'notes.md': 'notes\n' });
    env.ok('enable', 'swapfifo');
    const fifo = join(outside, 'fifo');
    const mk = spawnSync('mkfifo', [fifo]);
    expect(mk.status).toBe(0);
    const decoy = join(outside, 'decoy-fifo');
    symlinkSync(fifo, decoy);
    const runs = await passesWhileSwapping('swapfifo', 'v-fifo', join(dir, 'notes.md'), decoy, 20, { ms: 10_000 });
    expectClean(runs);
    const st = env.run('status');
    expect(st.code, st.stderr).toBe(0);
  }, 180_000);
});

describe('a file written in two halves with a pause between them', () => {
  let env: Env;
  let writer: ChildProcess | null = null;
  afterAll(() => {
    writer?.kill('SIGKILL');
    env?.cleanup();
  });

  for (const pauseMs of [150, 300]) {
    it(`is never observed half-written (pause ${pauseMs} ms); a pass that cannot get a stable read retries that skill only`, async () => {
      env ??= makeEnv();
      const plugin = `halves${pauseMs}`;
      const full = (c: string) => `${c}`.repeat(64 * 1024);
      const slowName = `slow${pauseMs}`;
      const dir = env.skill(plugin, slowName, { 'SKILL.md': skillMd(slowName), 'data.md': full('A') });
      env.skill(plugin, `calm${pauseMs}`, { 'SKILL.md': skillMd(`calm${pauseMs}`) });
      env.ok('enable', plugin);
      const file = join(dir, 'data.md');
      // Truncate, write the first half, pause, write the rest; then a quiet moment.
      const script = `const fs=require('fs');const f=${JSON.stringify(file)};const sleep=(ms)=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0,ms);let i=0;for(;;){const c=(i++%2)?'A':'B';const s=c.repeat(${64 * 1024});const fd=fs.openSync(f,'w');fs.writeSync(fd,s.slice(0,s.length/2));sleep(${pauseMs});fs.writeSync(fd,s.slice(s.length/2));fs.closeSync(fd);sleep(700);}`;
      writer = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
      const good = new Set([full('A'), full('B')].map((c) => {
        writeFileSync(join(env.root, 'probe.md'), c);
        return gitTry(env.root, ['hash-object', join(env.root, 'probe.md')]).stdout.trim();
      }));
      let retried = 0;
      const seen = new Set<string>();
      try {
        for (let i = 0; i < 6; i++) {
          await new Promise((r) => setTimeout(r, 97 * i));
          const r = await env.runAsync('--json', 'sync', plugin);
          expect(r.stderr).not.toMatch(/internal error|this is a bug/);
          expect(r.code, r.stderr).toBe(0);
          const res = JSON.parse(r.stdout).plugins[0];
          const slow = res.skills.find((s: { name: string }) => s.name === slowName);
          if (slow?.action === 'retry_next_pass') retried++;
          // The other skill of the plugin is never held back by the busy one.
          expect(res.status).not.toBe('error');
          const blob = env.gitTry('rev-parse', `refs/upstream/${plugin}/${slowName}:data.md`).stdout.trim();
          seen.add(blob);
          expect(good.has(blob), `observed a half-written data.md (${blob})`).toBe(true);
        }
      } finally {
        writer.kill('SIGKILL');
        writer = null;
      }
      for (const l of reachableFiles(env).filter((x) => x.endsWith(`\tskills/${slowName}/data.md`))) expect(good.has(l.split(/\s+/)[2]!), l).toBe(true);
      expect(endState(env)).toEqual([]);
      console.log(`pause ${pauseMs} ms: ${retried} of 6 passes retried the skill, ${seen.size} distinct observations`);
    }, 120_000);
  }
});

// ------------------------------------------------------------------ long names

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
