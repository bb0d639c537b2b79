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
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, statfsSync, writeFileSync, chmodSync } from 'node:fs';
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
  /** Skills per plugin (20 in the long suite, fewer in the short one). */
  skills: number;
  plugins: string;
  config: string;
  ws: string;
  gitdir: string;
}

export function workAt(root: string, skills = SKILLS_PER_PLUGIN): Work {
  return { root, skills, plugins: join(root, 'plugins'), config: join(root, 'skillsync.yaml'), ws: join(root, 'ws'), gitdir: join(root, 'ws', 'workspace.git') };
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

/** Exit 0, or 3: done, and something (a conflicted proposal) needs a person. */
export const succeeded = (code: number | null): boolean => code === 0 || code === 3;

export function cliOk(w: Work, ...args: string[]): string {
  const r = cliSync(w, ...args);
  if (!succeeded(r.code)) throw new Error(`skillsync ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * Run the CLI; when killAfterMs is given, SIGKILL it then (if still running). For the
 * daemon (args[0] === 'daemon'), `untilReady` sends SIGTERM once it logged "ready".
 */
export interface CliOpts {
  killAfterMs?: number;
  /** Daemon: SIGTERM once it logged "ready". */
  untilReady?: boolean;
  /** Daemon: once ready, call onReady (e.g. change a plugin); the kill timer then starts at that moment. */
  onReady?: () => void;
  /** Daemon: after onReady, SIGTERM once stderr (after ready) matches this. */
  untilAfterReady?: RegExp;
  timeoutMs?: number;
}

export function cliAsync(w: Work, args: string[], opts: CliOpts = {}): Promise<Run & { readyToDoneMs?: number }> {
  return new Promise((res) => {
    const t0 = Date.now();
    let readyAt = 0;
    let readyLen = 0;
    let doneAt = 0;
    const child = spawn(process.execPath, [BIN, '--config', w.config, ...args], { cwd: w.root, env: CHILD_ENV });
    let stdout = '';
    let stderr = '';
    let killed = false;
    let termSent = false;
    child.stdout.on('data', (d) => (stdout += d));
    const timers: NodeJS.Timeout[] = [];
    const armKill = () => {
      if (opts.killAfterMs === undefined) return;
      timers.push(
        setTimeout(() => {
          if (child.exitCode === null && child.signalCode === null) killed = child.kill('SIGKILL');
        }, opts.killAfterMs),
      );
    };
    child.stderr.on('data', (d) => {
      stderr += d;
      if (!readyAt && /"message":"ready"/.test(stderr)) {
        readyAt = Date.now();
        readyLen = stderr.length;
        if (opts.onReady) {
          opts.onReady();
          armKill();
        }
      }
      if (opts.untilReady && !termSent && readyAt) {
        termSent = true;
        child.kill('SIGTERM');
      }
      if (opts.untilAfterReady && !termSent && readyAt && opts.untilAfterReady.test(stderr.slice(readyLen))) {
        doneAt = Date.now();
        termSent = true;
        child.kill('SIGTERM');
      }
    });
    if (opts.killAfterMs !== undefined && !opts.onReady) {
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
      res({ code, signal, stdout, stderr, ms: Date.now() - t0, killed: killed && signal === 'SIGKILL', readyToDoneMs: doneAt ? doneAt - readyAt : undefined });
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
  for (const f of ['lock', 'journal.json']) if (existsSync(join(w.ws, f))) out.push(f);
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
  // A killed lock breaker leaves lock.break: it delays the next stale-lock break by up to 5 s, no more.
  if (existsSync(join(w.ws, 'lock.break'))) out.push('lock.break');
  return out;
}

export function tagsOf(w: Work): Map<string, string> {
  const out = new Map<string, string>();
  for (const [n, oid] of refList(w.gitdir)) if (n.startsWith('refs/tags/')) out.set(n, oid);
  return out;
}

// ---------------------------------------------------------------- scenarios

export type Stage = 'init' | 'enabled' | 'edited' | 'synced' | 'pubedit' | 'published' | 'taken';

export interface Scenario {
  name: string;
  /** The command under test. */
  args: string[];
  /** The base state it starts from (stages are built once and shared). */
  stage: Stage;
  /** Exit codes a rerun may end with besides 0 (with the stderr it must show). */
  rerunMayFail?: RegExp;
  /** Daemon scenarios: what changes once the daemon is ready; the kill lands in the pass it triggers. */
  trigger?: (w: Work) => void;
  /** What the uninterrupted run must have done (problems found; none means right), beyond ending clean. */
  check?: (w: Work) => string[];
}

const STRANGER = 'A stranger took over this plugin id.';

/** The taken-over plugin p0 kept its skills and origin: nothing of the stranger's reached a ref. */
function keptOrigin(w: Work): string[] {
  const problems: string[] = [];
  const record = JSON.parse(git(w.root, ['--git-dir', w.gitdir, 'show', 'main:.skillsync/plugins/p0.json'])) as { source: string };
  if (record.source !== w.plugins) problems.push(`p0's origin became ${record.source}`);
  const hits = gitTry(w.root, ['--git-dir', w.gitdir, 'grep', '-l', '-F', STRANGER, ...refList(w.gitdir).values()]).stdout.trim();
  if (hits) problems.push(`the stranger's content reached a ref: ${hits.split('\n').slice(0, 3).join(', ')}`);
  return problems;
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
  writeSkill(sk('p1', w.skills), skillName('p1', w.skills), prng(2020));
  rmSync(sk('p1', w.skills - 1), { recursive: true, force: true });
  // p2: two fast-forward proposals.
  for (let i = 0; i < 2; i++) editFile(join(sk('p2', i), 'scripts', 'run.sh'), 'append', `echo upstream ${i}`);
}

/**
 * Local edits of p1 s10..s13, committed with git and pushed to main (as a person would),
 * so that upstream changes merge three-way, and the next pass also records their versions.
 */
function localEdits(w: Work): void {
  const clone = join(w.root, 'edits');
  git(w.root, ['clone', '-q', w.gitdir, clone]);
  for (let i = 10; i < 14; i++) editFile(join(clone, 'skills', skillName('p1', i), 'references', 'notes.md'), 'prepend', `Local edit of ${skillName('p1', i)}.`);
  git(clone, ['commit', '-qam', 'local edits of p1 s10..s13']);
  git(clone, ['push', '-q', 'origin', 'HEAD:main']);
  rmTree(clone);
}

export function buildPlugins(w: Work, seed = 1): void {
  const rnd = prng(seed);
  for (const p of PLUGINS) {
    mkdirSync(join(w.plugins, p, '.claude-plugin'), { recursive: true });
    writeFileSync(join(w.plugins, p, '.claude-plugin', 'plugin.json'), JSON.stringify({ name: p, version: '1.0.0', description: `plugin ${p}` }));
    for (let i = 0; i < w.skills; i++) writeSkill(join(w.plugins, p, 'skills', skillName(p, i)), skillName(p, i), rnd);
  }
}

/** How each stage is made from the one before it. */
const STAGES: Record<Stage, { from: Stage | null; make(w: Work): void }> = {
  init: {
    from: null,
    make: (w) => {
      writeConfig(w);
      buildPlugins(w);
      cliOk(w, 'init');
    },
  },
  enabled: { from: 'init', make: (w) => void cliOk(w, 'enable', ...PLUGINS) },
  edited: {
    from: 'enabled',
    make: (w) => {
      localEdits(w);
      upstreamChanges(w);
    },
  },
  synced: {
    from: 'edited',
    make: (w) => {
      cliOk(w, 'sync');
      cliOk(w, 'accept', 'p1/p1-s00');
    },
  },
  pubedit: {
    from: 'enabled',
    make: (w) => {
      const dir = join(w.root, 'edit');
      cpSync(join(w.plugins, 'p2', 'skills', 'p2-s05'), dir, { recursive: true });
      const rnd = prng(55);
      for (let i = 0; i < 40; i++) writeFileSync(join(dir, 'references', `extra-${i}.md`), text(rnd, 4000, `extra ${i}`));
      editFile(join(dir, 'SKILL.md'), 'append', 'Edited locally.');
    },
  },
  // p0 (autoApplyFastForward) is missing from its source for a moment, and a same-id
  // plugin with edited skills is found in another source (class 12, origin takeover).
  taken: {
    from: 'enabled',
    make: (w) => {
      writeFileSync(w.config, readFileSync(w.config, 'utf8').replace('  - ./plugins\n', '  - ./plugins\n  - ./other\n'));
      upstreamChanges(w);
      renameSync(join(w.plugins, 'p0'), join(w.root, 'p0-away'));
      cpSync(join(w.root, 'p0-away'), join(w.root, 'other', 'p0'), { recursive: true });
      for (let i = 0; i < 5; i++) editFile(join(w.root, 'other', 'p0', 'skills', skillName('p0', i), 'SKILL.md'), 'append', STRANGER);
    },
  },
  published: {
    from: 'enabled',
    make: (w) => {
      const dir = join(w.root, 'edit6');
      cpSync(join(w.plugins, 'p2', 'skills', 'p2-s06'), dir, { recursive: true });
      rmSync(join(dir, 'references'), { recursive: true });
      editFile(join(dir, 'SKILL.md'), 'append', 'Edited locally.');
      cliOk(w, 'publish', 'p2-s06', '--from', dir);
    },
  },
};

export const SCENARIOS: Scenario[] = [
  { name: 'enable', args: ['enable', ...PLUGINS], stage: 'init' },
  { name: 'sync', args: ['sync'], stage: 'edited' },
  // After the commit point the proposal is gone: the rerun says so (the state is checked anyway).
  { name: 'accept', args: ['accept', 'p1/p1-s10'], stage: 'synced', rerunMayFail: /no open proposal p1\/p1-s10/ },
  { name: 'publish', args: ['publish', 'p2-s05', '--from', 'EDIT', '-m', 'bigger edit'], stage: 'pubedit' },
  { name: 'rollback', args: ['rollback', 'p2-s06', 'v0001'], stage: 'published' },
  { name: 'daemon', args: ['daemon'], stage: 'edited' },
  // A sync while another source serves p0's id: p0 is origin_changed in every end state.
  { name: 'origin', args: ['sync'], stage: 'taken', check: keptOrigin },
  // The daemon killed in the middle of a pass its watcher started.
  { name: 'daemon-watch', args: ['daemon'], stage: 'enabled', trigger: upstreamChanges },
];

// ---------------------------------------------------------------- trials

/**
 * A place for trials: `work/` (always the same absolute path: plugin records and stat
 * caches hold absolute paths) and templates of the stages, built once.
 */
export class Bench {
  readonly work: Work;
  /** How long a bare `skillsync --version` takes (node startup), measured once. */
  startupMs: number | null = null;
  constructor(
    readonly base: string,
    skills = SKILLS_PER_PLUGIN,
  ) {
    if (skills < 14) throw new Error('the scenarios need at least 14 skills per plugin');
    this.work = workAt(join(base, 'work'), skills);
  }

  template(stage: Stage): string {
    const tpl = join(this.base, `tpl-${stage}`);
    if (existsSync(tpl)) return tpl;
    const { from, make } = STAGES[stage];
    if (from) this.reset(this.template(from));
    else {
      rmTree(this.work.root);
      mkdirSync(this.work.root, { recursive: true });
    }
    make(this.work);
    copyTree(this.work.root, tpl);
    return tpl;
  }

  reset(template: string): void {
    rmTree(this.work.root);
    copyTree(template, this.work.root);
  }

  cleanup(): void {
    if (process.env.SKILLSYNC_FAULT_KEEP) console.log(`fault bench kept at ${this.base}`);
    else rmTree(this.base);
  }
}

export interface Prepared {
  scenario: Scenario;
  bench: Bench;
  work: Work;
  template: string;
  reference: NormState;
  /** Typical duration of the command and of a bare `skillsync --version`. */
  durationMs: number;
  startupMs: number;
}

function resolveArgs(s: Scenario, w: Work): string[] {
  return s.args.map((a) => (a === 'EDIT' ? join(w.root, 'edit') : a));
}

function resetWork(p: Prepared): void {
  p.bench.reset(p.template);
}

/** rm -rf (native: node's recursive rm is several times slower on thousands of files). */
export function rmTree(dir: string): void {
  const r = spawnSync('rm', ['-rf', dir]);
  if (r.status !== 0 || existsSync(dir)) {
    spawnSync('chmod', ['-R', 'u+w', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** cp -a: modes, timestamps and symlinks kept as they are. */
export function copyTree(from: string, to: string): void {
  const r = spawnSync('cp', ['-a', from, to]);
  if (r.status !== 0) cpSync(from, to, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
}

/** The base state of a scenario and its reference (uninterrupted) end state. */
export async function prepare(scenario: Scenario, bench: Bench, opts: { warmup?: boolean } = {}): Promise<Prepared> {
  const work = bench.work;
  const p: Prepared = { scenario, bench, work, template: bench.template(scenario.stage), reference: { refs: {}, upstreamDepth: {} }, durationMs: 0, startupMs: 0 };
  // With warmup, measure twice (the first run warms the page cache) and keep the second.
  let ms = 0;
  for (let i = 0; i < (opts.warmup ? 2 : 1); i++) {
    resetWork(p);
    if (scenario.trigger) {
      // Ready, change the plugins, wait for the pass the watcher starts, stop; then converge with a startup pass.
      const trigger = scenario.trigger;
      const r = await cliAsync(work, resolveArgs(scenario, work), { onReady: () => trigger(work), untilAfterReady: /"message":"pass done"[^\n]*"trigger":"watch"|"trigger":"watch"[^\n]*"message":"pass done"/, timeoutMs: 60_000 });
      if (!succeeded(r.code) || r.readyToDoneMs === undefined) throw new Error(`reference run of ${scenario.name} failed (${r.code}): ${r.stderr.slice(-2000)}`);
      ms = r.readyToDoneMs;
    }
    const r = await runToEnd(work, resolveArgs(scenario, work));
    if (!succeeded(r.code)) throw new Error(`reference run of ${scenario.args.join(' ')} failed (${r.code}): ${r.stderr}`);
    if (!scenario.trigger) ms = r.ms;
  }
  const problems = [...fsckProblems(work.gitdir), ...liveProblems(work, true), ...leftovers(work), ...(scenario.check?.(work) ?? [])];
  if (problems.length) throw new Error(`reference run of ${scenario.name} is not clean: ${problems.join('; ')}`);
  p.reference = normState(work.gitdir);
  p.durationMs = ms;
  if (bench.startupMs === null) {
    // The fastest of three: a busy machine only ever makes it slower.
    let best = Infinity;
    for (let i = 0; i < 3; i++) best = Math.min(best, cliSync(work, '--version').ms);
    bench.startupMs = best;
  }
  p.startupMs = bench.startupMs;
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
  // Triggered daemon passes: counted from the change, up to a bit past the pass's end.
  if (p.scenario.trigger) return Math.round(rnd() * p.durationMs * 1.3);
  // Mostly after node has started (before that nothing is written), up to a bit past the end.
  const lo = Math.min(p.startupMs * 0.8, p.durationMs * 0.6);
  const hi = p.durationMs * 1.1;
  return Math.round(lo + rnd() * Math.max(1, hi - lo));
}

/** One trial: kill, check, rerun (maybe killed too), check, compare with the reference. */
export async function trial(p: Prepared, seed: number): Promise<TrialResult> {
  const rnd = prng(seed);
  const w = p.work;
  const args = resolveArgs(p.scenario, w);
  const t0 = Date.now();
  const lap: string[] = [];
  const mark = (what: string) => lap.push(`${what} ${Date.now() - t0}`);
  resetWork(p);
  mark('reset');
  const baseTags = tagsOf(w);
  const killAtMs = pickDelay(rnd, p);
  const res: TrialResult = { scenario: p.scenario.name, seed, killAtMs, killed: false, secondKill: false, hadLock: false, hadJournal: false, problems: [], garbage: 0 };
  const problem = (when: string, list: string[]) => res.problems.push(...list.map((x) => `${when}: ${x}`));

  const trigger = p.scenario.trigger;
  const first = trigger ? await cliAsync(w, args, { onReady: () => trigger(w), killAfterMs: killAtMs }) : await cliAsync(w, args, { killAfterMs: killAtMs });
  res.killed = first.killed;
  // The load on the machine varies: follow the command's real duration, so kills keep landing inside it.
  if (!first.killed && !trigger && succeeded(first.code)) p.durationMs = Math.round(0.6 * p.durationMs + 0.4 * first.ms);
  if (!first.killed && !succeeded(first.code) && !(p.scenario.args[0] === 'daemon' && first.signal === 'SIGKILL')) {
    problem('first run', [`exited ${first.code}: ${first.stderr.trim().split('\n').slice(-3).join(' | ')}`]);
  }

  // What the kill left: fsck clean, live view complete, no tag of before lost.
  mark('first');
  problem('after kill', fsckProblems(w.gitdir));
  problem('after kill', liveProblems(w, false));
  problem('after kill', p.scenario.check?.(w) ?? []);
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
  mark('checks');
  const last = await runToEnd(w, args);
  mark('rerun');
  recoveryStderr += last.stderr;
  const okExit = succeeded(last.code) || (p.scenario.rerunMayFail !== undefined && last.code === 1 && p.scenario.rerunMayFail.test(last.stderr));
  if (!okExit) problem('rerun', [`exited ${last.code} (${last.signal ?? ''}): ${last.stderr.trim().split('\n').slice(-3).join(' | ')}`]);
  if (/internal error|this is a bug/.test(last.stderr)) problem('rerun', [`internal error: ${last.stderr.trim().split('\n').slice(-3).join(' | ')}`]);
  if (res.hadLock && !/stale workspace lock/.test(recoveryStderr)) {
    problem('rerun', ['a lock was left by the killed process but no stale-lock log line was printed']);
  }

  problem('end', fsckProblems(w.gitdir));
  problem('end', liveProblems(w, true));
  problem('end', leftovers(w));
  problem('end', diffStates(p.reference, normState(w.gitdir)));
  problem('end', p.scenario.check?.(w) ?? []);
  const endTags = tagsOf(w);
  for (const [t, oid] of tagsAfterKill) if (endTags.get(t) !== oid) problem('end', [`tag ${t} present after the kill is lost or moved`]);
  res.garbage = tempGarbage(w).length;
  mark('end');
  if (process.env.SKILLSYNC_FAULT_PROFILE) console.log(`[${p.scenario.name} ${seed}] ms: ${lap.join(', ')}`);
  return res;
}

/**
 * Where a bench lives: /dev/shm when it is a roomy tmpfs (trials copy thousands of
 * small files; on a tmpfs that is ~15x faster than on a disk), else the temp dir.
 * SIGKILL semantics do not depend on the file system: written data is in the page cache.
 * SKILLSYNC_FAULT_DIR overrides.
 */
export function faultBaseDir(label: string): string {
  let root = process.env.SKILLSYNC_FAULT_DIR ?? tmpdir();
  if (!process.env.SKILLSYNC_FAULT_DIR) {
    try {
      const st = statfsSync('/dev/shm');
      if (st.type === 0x01021994 && st.bavail * st.bsize > 2 * 1024 ** 3) root = '/dev/shm';
    } catch {
      /* no /dev/shm */
    }
  }
  const d = join(root, `skillsync-faults-${label}-${process.pid}`);
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
const DIST_CHANGING = /does not provide an export named|ERR_MODULE_NOT_FOUND|Cannot find module .*dist|SyntaxError: .*dist\//;

export async function runScenario(name: string, trials: number, bench: Bench, opts: { firstSeed?: number; warmup?: boolean; reproduce?: string } = {}): Promise<ScenarioSummary> {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`no scenario ${name}`);
  const p = await prepare(s, bench, { warmup: opts.warmup });
  const start = opts.firstSeed ?? 1000 * (SCENARIOS.indexOf(s) + 1);
  const envSeed = process.env.SKILLSYNC_FAULT_SEED;
  const seeds = envSeed ? envSeed.split(',').map(Number) : Array.from({ length: trials }, (_, i) => start + i);
  const results: TrialResult[] = [];
  for (const seed of seeds) {
    let r = await trial(p, seed);
    // Several engineers build dist/ in this checkout: a trial that ran while it was half
    // rewritten fails with an ES module link error. That is not the code under test; retry it.
    for (let again = 0; again < 3 && r.problems.some((x) => DIST_CHANGING.test(x)); again++) {
      console.warn(`[${name} ${seed}] dist/ changed during the trial; running it again`);
      await new Promise((res) => setTimeout(res, 5000));
      r = await trial(p, seed);
    }
    results.push(r);
    if (r.problems.length) console.error(`FAILED ${describeFailure(r)}\n    reproduce: SKILLSYNC_FAULT_SEED=${seed} ${opts.reproduce ?? `npx vitest run --config test/faults/vitest.config.ts test/faults/${name}.test.ts`}`);
  }
  const failed = results.filter((r) => r.problems.length);
  const line =
    `${name}: ${results.length} trials, ${results.filter((r) => r.killed).length} killed mid-run, ${results.filter((r) => r.secondKill).length} reruns killed too, ` +
    `${results.filter((r) => r.hadLock).length} stale locks, ${results.filter((r) => r.hadJournal).length} journals, ` +
    `max temp files left ${Math.max(0, ...results.map((r) => r.garbage))}, ${failed.length} failed ` +
    `(command ~${p.durationMs} ms, node startup ~${Math.round(p.startupMs)} ms)`;
  console.log(line);
  return { line, failures: failed.map(describeFailure), results };
}

/** Trials per scenario for the long suite: SKILLSYNC_FAULT_TRIALS (default 200). */
export const LONG_TRIALS = Number(process.env.SKILLSYNC_FAULT_TRIALS ?? 200);
