// Fault injection: run a mutating skillsync command (or the daemon) in a child process,
// SIGKILL it at a random moment, check the invariants of "Safe" on what it left, rerun
// it (sometimes killing the rerun too) and compare the end state with an uninterrupted
// run. Used by test/faults/crash.test.ts (long, `npm run test:faults`) and by
// test/concurrency-crash.test.ts (a few trials in `npm test`).
//
// Every trial of one kind runs at the same absolute path (plugin records and stat caches
// hold absolute paths), reset from a template copy of the prepared base state, so the
// normalised state of an interrupted-then-rerun workspace is comparable with the
// reference produced by an uninterrupted run.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BIN } from '../helpers/env.js';
import { git, gitTry } from '../helpers/git.js';

// ---------------------------------------------------------------- seeded randomness

/** mulberry32: small, fast, good enough to pick delays and contents reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'skill agent tool file merge tree commit branch review update plugin source upstream local version proposal safety script asset reference'.split(' ');

function text(rnd: () => number, bytes: number, tag: string): string {
  let s = `# ${tag}\n\n`;
  while (s.length < bytes) {
    const n = 6 + Math.floor(rnd() * 10);
    const line: string[] = [];
    for (let i = 0; i < n; i++) line.push(WORDS[Math.floor(rnd() * WORDS.length)]);
    s += line.join(' ') + '.\n';
  }
  return s;
}

// ---------------------------------------------------------------- git tree hashing (test-side oracle)

function sha1(type: string, body: Buffer): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}

/** The git tree oid of a directory on disk, computed here (not by skillsync). Empty dirs are skipped like git does. */
export function hashTree(dir: string): string | null {
  const entries: { name: string; mode: string; oid: string; dir: boolean }[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) {
      const oid = hashTree(p);
      if (oid) entries.push({ name, mode: '40000', oid, dir: true });
    } else if (st.isSymbolicLink()) {
      entries.push({ name, mode: '120000', oid: sha1('blob', Buffer.from(readlinkSync(p))), dir: false });
    } else {
      entries.push({ name, mode: st.mode & 0o100 ? '100755' : '100644', oid: sha1('blob', readFileSync(p)), dir: false });
    }
  }
  if (!entries.length) return null;
  const key = (e: { name: string; dir: boolean }) => Buffer.from(e.dir ? e.name + '/' : e.name);
  entries.sort((a, b) => Buffer.compare(key(a), key(b)));
  const body = Buffer.concat(entries.flatMap((e) => [Buffer.from(`${e.mode} ${e.name}\0`), Buffer.from(e.oid, 'hex')]));
  return sha1('tree', body);
}

// ---------------------------------------------------------------- the fixture

export const SKILLS_PER_PLUGIN = 20;
export const PLUGINS = ['p0', 'p1', 'p2'];
export const skillName = (p: string, i: number) => `${p}-s${String(i).padStart(2, '0')}`;

/** Write one skill folder: SKILL.md, a script, two references and a binary asset. */
export function writeSkill(dir: string, name: string, rnd: () => number, variant = ''): void {
  const files: Record<string, string | Buffer> = {
    'SKILL.md': `---\nname: ${name}\ndescription: The ${name} skill${variant ? ' (' + variant + ')' : ''}.\n---\n${text(rnd, 1500, name + variant)}`,
    'scripts/run.sh': `#!/bin/sh\necho ${name}\n`,
    'references/guide.md': text(rnd, 3000 + Math.floor(rnd() * 3000), `guide ${name}`),
    'references/notes.md': text(rnd, 2000 + Math.floor(rnd() * 2000), `notes ${name}`),
    'assets/data.bin': Buffer.from(Array.from({ length: 4096 }, () => Math.floor(rnd() * 256))),
  };
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    if (rel.endsWith('.sh')) chmodSync(p, 0o755);
  }
}

/** Replace or extend lines of one file of a skill (an upstream or local edit). */
export function editFile(path: string, how: 'append' | 'prepend', line: string): void {
  const old = readFileSync(path, 'utf8');
  writeFileSync(path, how === 'append' ? old + line + '\n' : old.replace(/\n/, `\n${line}\n`));
}

export interface Work {
  root: string;
  plugins: string;
  config: string;
  ws: string;
  gitdir: string;
}

export function workAt(root: string): Work {
  return { root, plugins: join(root, 'plugins'), config: join(root, 'skillsync.yaml'), ws: join(root, 'ws'), gitdir: join(root, 'ws', 'workspace.git') };
}

export function writeConfig(w: Work): void {
  writeFileSync(
    w.config,
    [
      'workspace: ./ws',
      'sources:',
      '  - ./plugins',
      'lockTimeoutSeconds: 30',
      'schedule: "0 0 1 1 *"',
      'debounceMs: 50',
      'autoApplyFastForward: [p0]',
      'log: { level: info }',
      '',
    ].join('\n'),
  );
}

// ---------------------------------------------------------------- running the CLI

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  killed: boolean;
}

const CHILD_ENV = { ...process.env, SKILLSYNC_DEBUG: '1', SKILLSYNC_AUTHOR_NAME: '', SKILLSYNC_AUTHOR_EMAIL: '' };

export function cliSync(w: Work, ...args: string[]): Run {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, '--config', w.config, ...args], { cwd: w.root, encoding: 'utf8', env: CHILD_ENV });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0, killed: false };
}

export function cliOk(w: Work, ...args: string[]): string {
  const r = cliSync(w, ...args);
  if (r.code !== 0) throw new Error(`skillsync ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * Run the CLI; when killAfterMs is given, SIGKILL it then (if still running). For the
 * daemon (args[0] === 'daemon'), `untilReady` sends SIGTERM once it logged "ready".
 */
export function cliAsync(w: Work, args: string[], opts: { killAfterMs?: number; untilReady?: boolean; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((res) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, '--config', w.config, ...args], { cwd: w.root, env: CHILD_ENV });
    let stdout = '';
    let stderr = '';
    let killed = false;
    let termSent = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (opts.untilReady && !termSent && /"message":"ready"/.test(stderr)) {
        termSent = true;
        child.kill('SIGTERM');
      }
    });
    const timers: NodeJS.Timeout[] = [];
    if (opts.killAfterMs !== undefined) {
      timers.push(
        setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) {
            killed = child.kill('SIGKILL');
          }
        }, opts.killAfterMs),
      );
    }
    timers.push(
      setTimeout(() => {
        stderr += '\n[fault harness: timed out, SIGKILL]\n';
        child.kill('SIGKILL');
      }, opts.timeoutMs ?? 120_000),
    );
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      res({ code, signal, stdout, stderr, ms: Date.now() - t0, killed: killed && signal === 'SIGKILL' });
    });
  });
}

/** Run a command to its end: one-shot commands normally, the daemon until ready, then SIGTERM. */
export function runToEnd(w: Work, args: string[]): Promise<Run> {
  return cliAsync(w, args, { untilReady: args[0] === 'daemon' });
}

// ---------------------------------------------------------------- normalised state

export interface NormState {
  /** ref name → tree of what it points at (tags and commits peeled). */
  refs: Record<string, string>;
  /** refs/upstream/* → number of observation commits in its chain. */
  upstreamDepth: Record<string, number>;
}

export function refList(gitdir: string): Map<string, string> {
  const out = new Map<string, string>();
  const r = gitTry(tmpdir(), ['--git-dir', gitdir, 'for-each-ref', '--format=%(refname) %(objectname)']);
  if (r.status !== 0) throw new Error(`for-each-ref failed: ${r.stderr}`);
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const [name, oid] = line.split(' ');
    out.set(name, oid);
  }
  return out;
}

export function normState(gitdir: string): NormState {
  const refs = [...refList(gitdir).keys()].sort();
  const state: NormState = { refs: {}, upstreamDepth: {} };
  if (!refs.length) return state;
  const trees = git(tmpdir(), ['--git-dir', gitdir, 'rev-parse', ...refs.map((r) => `${r}^{tree}`)]).split('\n');
  refs.forEach((r, i) => (state.refs[r] = trees[i]));
  const up = refs.filter((r) => r.startsWith('refs/upstream/'));
  if (up.length) {
    const parents = new Map<string, string[]>();
    for (const line of git(tmpdir(), ['--git-dir', gitdir, 'rev-list', '--parents', ...up]).split('\n')) {
      const [c, ...ps] = line.split(' ');
      if (c) parents.set(c, ps);
    }
    const tips = git(tmpdir(), ['--git-dir', gitdir, 'rev-parse', ...up]).split('\n');
    up.forEach((r, i) => {
      let n = 0;
      for (let c: string | undefined = tips[i]; c; c = parents.get(c)?.[0]) n++;
      state.upstreamDepth[r] = n;
    });
  }
  return state;
}

/** Human-readable differences between two normalised states (empty when equal). */
export function diffStates(want: NormState, got: NormState): string[] {
  const out: string[] = [];
  const names = new Set([...Object.keys(want.refs), ...Object.keys(got.refs)]);
  for (const n of [...names].sort()) {
    if (want.refs[n] !== got.refs[n]) out.push(`${n}: want ${want.refs[n] ?? '(none)'}, got ${got.refs[n] ?? '(none)'}`);
  }
  for (const n of Object.keys(want.upstreamDepth)) {
    if (want.upstreamDepth[n] !== got.upstreamDepth[n]) out.push(`${n}: chain depth want ${want.upstreamDepth[n]}, got ${got.upstreamDepth[n]}`);
  }
  return out;
}

// ---------------------------------------------------------------- invariants

export function fsckProblems(gitdir: string): string[] {
  if (!existsSync(join(gitdir, 'HEAD'))) return [];
  const r = gitTry(tmpdir(), ['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling', '--no-progress']);
  return r.status === 0 ? [] : [`git fsck --strict failed (${r.status}): ${(r.stdout + r.stderr).trim().split('\n').slice(0, 8).join(' | ')}`];
}

/**
 * The live view: every entry of live/skills is a symlink to checkouts/<tree> whose
 * contents hash to <tree>. With `main`, also: exactly main's skills, each at main's tree.
 */
export function liveProblems(w: Work, main: boolean): string[] {
  const out: string[] = [];
  const liveSkills = join(w.ws, 'live', 'skills');
  if (!existsSync(liveSkills)) return main && mainSkills(w).size ? ['live/skills is missing'] : [];
  const seen = new Map<string, string>();
  for (const name of readdirSync(liveSkills)) {
    const p = join(liveSkills, name);
    if (name.startsWith('.')) {
      if (main) out.push(`live/skills/${name}: temporary entry left behind`);
      continue;
    }
    const st = lstatSync(p);
    if (!st.isSymbolicLink()) {
      out.push(`live/skills/${name} is not a symlink`);
      continue;
    }
    const target = readlinkSync(p);
    const tree = target.split('/').pop() ?? '';
    const abs = resolve(liveSkills, target);
    if (!existsSync(abs)) {
      out.push(`live/skills/${name} -> ${target}: dangling`);
      continue;
    }
    const h = hashTree(abs);
    if (h !== tree) out.push(`live/skills/${name} -> ${target}: incomplete checkout (content hashes to ${h})`);
    seen.set(name, tree);
  }
  if (main) {
    const want = mainSkills(w);
    for (const [s, t] of want) if (seen.get(s) !== t) out.push(`live/skills/${s}: want ${t}, got ${seen.get(s) ?? '(none)'}`);
    for (const s of seen.keys()) if (!want.has(s)) out.push(`live/skills/${s}: not on main`);
  }
  return out;
}

export function mainSkills(w: Work): Map<string, string> {
  const out = new Map<string, string>();
  const r = gitTry(tmpdir(), ['--git-dir', w.gitdir, 'ls-tree', 'main:skills']);
  if (r.status !== 0) return out;
  for (const line of r.stdout.split('\n')) {
    const m = /^0?40000 tree ([0-9a-f]{40})\t(.+)$/.exec(line);
    if (m) out.set(m[2], m[1]);
  }
  return out;
}

/** Lock files (workspace lock, journal, git .lock files) that should not outlive a finished command. */
export function leftovers(w: Work): string[] {
  const out: string[] = [];
  for (const f of ['lock', 'lock.break', 'journal.json']) if (existsSync(join(w.ws, f))) out.push(f);
  const walk = (d: string, rel: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const r = rel ? `${rel}/${n}` : n;
      if (n.endsWith('.lock')) out.push(`workspace.git/${r}`);
      else if (statSync(p, { throwIfNoEntry: false })?.isDirectory() && !r.startsWith('objects')) walk(p, r);
    }
  };
  walk(w.gitdir, '');
  return out;
}

/** Temporary files a killed process may leave: counted, they must not grow without bound. */
export function tempGarbage(w: Work): string[] {
  const out: string[] = [];
  const scan = (d: string, rel: string) => {
    if (!existsSync(d)) return;
    for (const n of readdirSync(d)) if (n.startsWith('.tmp-') || n.startsWith('tmp')) out.push(`${rel}/${n}`);
  };
  scan(join(w.gitdir, 'skillsync-tmp'), 'workspace.git/skillsync-tmp');
  scan(join(w.ws, 'checkouts'), 'checkouts');
  scan(join(w.ws, 'live', 'skills'), 'live/skills');
  scan(join(w.ws, 'cache'), 'cache');
  return out;
}

export function tagsOf(w: Work): Map<string, string> {
  const out = new Map<string, string>();
  for (const [n, oid] of refList(w.gitdir)) if (n.startsWith('refs/tags/')) out.set(n, oid);
  return out;
}

// ---------------------------------------------------------------- scenarios

export interface Scenario {
  name: string;
  /** The command under test. */
  args: string[];
  /** Bring a fresh work dir (plugins + config written, nothing else) to the base state. */
  prepare(w: Work): void;
  /** Exit codes a rerun may end with besides 0 (with the stderr it must show). */
  rerunMayFail?: RegExp;
}

/** Upstream edits for the sync/daemon/accept scenarios (deterministic). */
function upstreamChanges(w: Work): void {
  const sk = (p: string, i: number) => join(w.plugins, p, 'skills', skillName(p, i));
  // p0 (autoApplyFastForward): five fast-forwards, applied on main as new versions.
  for (let i = 0; i < 5; i++) editFile(join(sk('p0', i), 'SKILL.md'), 'append', `Upstream p0 change ${i}.`);
  // p1: five fast-forward proposals.
  for (let i = 0; i < 5; i++) editFile(join(sk('p1', i), 'references', 'guide.md'), 'append', `Upstream p1 change ${i}.`);
  // p1: three clean three-way merges (local edit in notes.md, upstream edit in guide.md) ...
  for (let i = 10; i < 13; i++) editFile(join(sk('p1', i), 'references', 'guide.md'), 'append', `Upstream three-way ${i}.`);
  // ... and one conflict (both edit the same line region of notes.md).
  editFile(join(sk('p1', 13), 'references', 'notes.md'), 'prepend', 'Upstream conflicting line.');
  // p1: an addition and a removal.
  writeSkill(sk('p1', 20), skillName('p1', 20), prng(2020));
  rmSync(sk('p1', 19), { recursive: true, force: true });
  // p2: two fast-forward proposals.
  for (let i = 0; i < 2; i++) editFile(join(sk('p2', i), 'scripts', 'run.sh'), 'append', `echo upstream ${i}`);
}

/** Local edits published on main for p1 s10..s13, so that upstream changes merge three-way. */
function localEdits(w: Work): void {
  for (let i = 10; i < 14; i++) {
    const name = skillName('p1', i);
    const dir = join(w.root, 'edits', name);
    cpSync(join(w.ws, 'live', 'skills', name), dir, { recursive: true });
    chmodRw(dir);
    editFile(join(dir, 'references', 'notes.md'), 'prepend', `Local edit of ${name}.`);
    cliOk(w, 'publish', name, '--from', dir, '-m', 'local edit');
  }
}

function chmodRw(dir: string): void {
  chmodSync(dir, 0o755);
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    const st = lstatSync(p);
    if (st.isDirectory()) chmodRw(p);
    else chmodSync(p, (st.mode & 0o111 ? 0o755 : 0o644));
  }
}

export function buildPlugins(w: Work, seed = 1): void {
  const rnd = prng(seed);
  for (const p of PLUGINS) {
    mkdirSync(join(w.plugins, p, '.claude-plugin'), { recursive: true });
    writeFileSync(join(w.plugins, p, '.claude-plugin', 'plugin.json'), JSON.stringify({ name: p, version: '1.0.0', description: `plugin ${p}` }));
    for (let i = 0; i < SKILLS_PER_PLUGIN; i++) writeSkill(join(w.plugins, p, 'skills', skillName(p, i)), skillName(p, i), rnd);
  }
}

const enableAll = (w: Work) => cliOk(w, 'enable', ...PLUGINS);

export const SCENARIOS: Scenario[] = [
  {
    name: 'enable',
    args: ['enable', ...PLUGINS],
    prepare: (w) => void cliOk(w, 'init'),
  },
  {
    name: 'sync',
    args: ['sync'],
    prepare: (w) => {
      enableAll(w);
      localEdits(w);
      upstreamChanges(w);
    },
  },
  {
    name: 'accept',
    args: ['accept', 'p1/p1-s10'],
    prepare: (w) => {
      enableAll(w);
      localEdits(w);
      upstreamChanges(w);
      cliOk(w, 'sync');
      cliOk(w, 'accept', 'p1/p1-s00');
    },
    // After the commit point the proposal is gone: the rerun says so (state is checked anyway).
    rerunMayFail: /no open proposal p1\/p1-s10/,
  },
  {
    name: 'publish',
    args: ['publish', 'p2-s05', '--from', 'EDIT', '-m', 'bigger edit'],
    prepare: (w) => {
      enableAll(w);
      const dir = join(w.root, 'edit');
      cpSync(join(w.plugins, 'p2', 'skills', 'p2-s05'), dir, { recursive: true });
      const rnd = prng(55);
      for (let i = 0; i < 40; i++) writeFileSync(join(dir, 'references', `extra-${i}.md`), text(rnd, 4000, `extra ${i}`));
      editFile(join(dir, 'SKILL.md'), 'append', 'Edited locally.');
    },
  },
  {
    name: 'rollback',
    args: ['rollback', 'p2-s06', 'v0001'],
    prepare: (w) => {
      enableAll(w);
      const dir = join(w.root, 'edit6');
      cpSync(join(w.plugins, 'p2', 'skills', 'p2-s06'), dir, { recursive: true });
      rmSync(join(dir, 'references'), { recursive: true });
      editFile(join(dir, 'SKILL.md'), 'append', 'Edited locally.');
      cliOk(w, 'publish', 'p2-s06', '--from', dir);
    },
  },
  {
    name: 'daemon',
    args: ['daemon'],
    prepare: (w) => {
      enableAll(w);
      localEdits(w);
      upstreamChanges(w);
    },
  },
];

// ---------------------------------------------------------------- trials

export interface Prepared {
  scenario: Scenario;
  base: string; // holds template/ and work/
  work: Work;
  template: string;
  reference: NormState;
  referenceTags: Map<string, string>;
  /** Typical duration of the command and of a bare `skillsync --version`. */
  durationMs: number;
  startupMs: number;
}

function resolveArgs(s: Scenario, w: Work): string[] {
  return s.args.map((a) => (a === 'EDIT' ? join(w.root, 'edit') : a));
}

function resetWork(p: Prepared): void {
  rmTree(p.work.root);
  cpSync(p.template, p.work.root, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
}

export function rmTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    spawnSync('chmod', ['-R', 'u+w', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Build the base state of a scenario once, and its reference (uninterrupted) end state. */
export async function prepare(scenario: Scenario, baseDir: string): Promise<Prepared> {
  const base = join(baseDir, scenario.name);
  const template = join(base, 'template');
  const work = workAt(join(base, 'work'));
  rmTree(base);
  mkdirSync(work.root, { recursive: true });
  writeConfig(work);
  buildPlugins(work);
  scenario.prepare(work);
  cpSync(work.root, template, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  const p: Prepared = { scenario, base, work, template, reference: { refs: {}, upstreamDepth: {} }, referenceTags: new Map(), durationMs: 0, startupMs: 0 };
  // Measure twice (the first run warms caches), keep the second as the reference.
  let ms = 0;
  for (let i = 0; i < 2; i++) {
    resetWork(p);
    const r = await runToEnd(work, resolveArgs(scenario, work));
    if (r.code !== 0) throw new Error(`reference run of ${scenario.args.join(' ')} failed (${r.code}): ${r.stderr}`);
    ms = r.ms;
  }
  const problems = [...fsckProblems(work.gitdir), ...liveProblems(work, true), ...leftovers(work)];
  if (problems.length) throw new Error(`reference run of ${scenario.name} is not clean: ${problems.join('; ')}`);
  p.reference = normState(work.gitdir);
  p.referenceTags = tagsOf(work);
  p.durationMs = ms;
  const t0 = Date.now();
  for (let i = 0; i < 3; i++) cliSync(work, '--version');
  p.startupMs = (Date.now() - t0) / 3;
  return p;
}

export interface TrialResult {
  scenario: string;
  seed: number;
  killAtMs: number;
  /** Whether the kill landed before the command ended. */
  killed: boolean;
  secondKill: boolean;
  hadLock: boolean;
  hadJournal: boolean;
  problems: string[];
  garbage: number;
}

function pickDelay(rnd: () => number, p: Prepared): number {
  // Mostly after node has started (before that nothing is written), up to a bit past the end.
  const lo = p.startupMs * 0.6;
  const hi = p.durationMs * 1.1;
  return Math.round(lo + rnd() * Math.max(1, hi - lo));
}

/** One trial: kill, check, rerun (maybe killed too), check, compare with the reference. */
export async function trial(p: Prepared, seed: number): Promise<TrialResult> {
  const rnd = prng(seed);
  const w = p.work;
  const args = resolveArgs(p.scenario, w);
  resetWork(p);
  const baseTags = tagsOf(w);
  const killAtMs = pickDelay(rnd, p);
  const res: TrialResult = { scenario: p.scenario.name, seed, killAtMs, killed: false, secondKill: false, hadLock: false, hadJournal: false, problems: [], garbage: 0 };
  const problem = (when: string, list: string[]) => res.problems.push(...list.map((x) => `${when}: ${x}`));

  const first = await cliAsync(w, args, { killAfterMs: killAtMs });
  res.killed = first.killed;
  if (!first.killed && first.code !== 0 && !(p.scenario.args[0] === 'daemon' && first.signal === 'SIGKILL')) {
    problem('first run', [`exited ${first.code}: ${first.stderr.trim().split('\n').slice(-3).join(' | ')}`]);
  }

  // What the kill left: fsck clean, live view complete, no tag of before lost.
  problem('after kill', fsckProblems(w.gitdir));
  problem('after kill', liveProblems(w, false));
  const tagsAfterKill = tagsOf(w);
  for (const [t, oid] of baseTags) if (tagsAfterKill.get(t) !== oid) problem('after kill', [`tag ${t} lost or moved`]);
  res.hadLock = existsSync(join(w.ws, 'lock'));
  res.hadJournal = existsSync(join(w.ws, 'journal.json'));

  // Rerun; one time in four the rerun is killed as well (recovery must be crash-safe too).
  let recoveryStderr = '';
  if (rnd() < 0.25) {
    const second = await cliAsync(w, args, { killAfterMs: pickDelay(rnd, p) });
    res.secondKill = second.killed;
    recoveryStderr += second.stderr;
    problem('after second kill', fsckProblems(w.gitdir));
    problem('after second kill', liveProblems(w, false));
  }
  const last = await runToEnd(w, args);
  recoveryStderr += last.stderr;
  const okExit = last.code === 0 || (p.scenario.rerunMayFail !== undefined && last.code === 1 && p.scenario.rerunMayFail.test(last.stderr));
  if (!okExit) problem('rerun', [`exited ${last.code} (${last.signal ?? ''}): ${last.stderr.trim().split('\n').slice(-3).join(' | ')}`]);
  if (/internal error|this is a bug/.test(last.stderr)) problem('rerun', [`internal error: ${last.stderr.trim().split('\n').slice(-3).join(' | ')}`]);
  if (res.hadLock && !/stale workspace lock/.test(recoveryStderr)) {
    problem('rerun', ['a lock was left by the killed process but no stale-lock log line was printed']);
  }

  problem('end', fsckProblems(w.gitdir));
  problem('end', liveProblems(w, true));
  problem('end', leftovers(w));
  problem('end', diffStates(p.reference, normState(w.gitdir)));
  const endTags = tagsOf(w);
  for (const [t, oid] of tagsAfterKill) if (endTags.get(t) !== oid) problem('end', [`tag ${t} present after the kill is lost or moved`]);
  res.garbage = tempGarbage(w).length;
  return res;
}

export function faultBaseDir(label: string): string {
  const d = join(tmpdir(), `skillsync-faults-${label}-${process.pid}`);
  mkdirSync(d, { recursive: true });
  return d;
}

export function describeFailure(r: TrialResult): string {
  return `[${r.scenario}] seed=${r.seed} killAt=${r.killAtMs}ms killed=${r.killed} secondKill=${r.secondKill} lock=${r.hadLock} journal=${r.hadJournal}\n    ${r.problems.join('\n    ')}`;
}

// ---------------------------------------------------------------- a whole scenario

export interface ScenarioSummary {
  line: string;
  failures: string[];
  results: TrialResult[];
}

/**
 * Prepare a scenario and run `trials` trials (seeds firstSeed, firstSeed+1, ...), or the
 * single seed in SKILLSYNC_FAULT_SEED. Failures are printed as they happen, with their seed.
 */
export async function runScenario(name: string, trials: number, label: string, firstSeed?: number): Promise<ScenarioSummary> {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  const base = faultBaseDir(`${label}-${name}`);
  try {
    const p = await prepare(s, base);
    const start = firstSeed ?? 1000 * (SCENARIOS.indexOf(s) + 1);
    const envSeed = process.env.SKILLSYNC_FAULT_SEED;
    const seeds = envSeed ? envSeed.split(',').map(Number) : Array.from({ length: trials }, (_, i) => start + i);
    const results: TrialResult[] = [];
    for (const seed of seeds) {
      const r = await trial(p, seed);
      results.push(r);
      if (r.problems.length) console.error(`FAILED ${describeFailure(r)}\n    reproduce: SKILLSYNC_FAULT_SEED=${seed} npx vitest run --config test/faults/vitest.config.ts test/faults/${name}`);
    }
    const failed = results.filter((r) => r.problems.length);
    const line =
      `${name}: ${results.length} trials, ${results.filter((r) => r.killed).length} killed mid-run, ${results.filter((r) => r.secondKill).length} reruns killed too, ` +
      `${results.filter((r) => r.hadLock).length} stale locks, ${results.filter((r) => r.hadJournal).length} journals, ` +
      `max temp files left ${Math.max(0, ...results.map((r) => r.garbage))}, ${failed.length} failed ` +
      `(command ~${p.durationMs} ms, node startup ~${Math.round(p.startupMs)} ms)`;
    console.log(line);
    return { line, failures: failed.map(describeFailure), results };
  } finally {
    rmTree(base);
  }
}

/** Trials per scenario for the long suite: SKILLSYNC_FAULT_TRIALS (default 200). */
export const LONG_TRIALS = Number(process.env.SKILLSYNC_FAULT_TRIALS ?? 200);
