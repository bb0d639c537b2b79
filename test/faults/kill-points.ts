// Exact crash points for the ref locks (class 11 of issue 10): a command is SIGKILLed at
// the Nth system call that creates a `.lock` in workspace.git (see kill-at-lock.mjs),
// its rerun maybe killed the same way, and the next complete run must end exactly as an
// uninterrupted one, with no lock left. Deterministic: no timing involved.
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BIN, type Env } from '../helpers/env.js';
import { copyTree, diffStates, fsckProblems, leftovers, liveProblems, normState, rmTree, workAt, type NormState, type Work } from './lib.js';

const PRELOAD = pathToFileURL(fileURLToPath(new URL('./kill-at-lock.mjs', import.meta.url))).href;

export interface KillRun {
  code: number | null;
  killed: boolean;
  stderr: string;
}

/** Run the CLI, SIGKILLed at its nth ref-lock creation (after it, or just before it); 0 = not killed. */
export function runKilledAt(env: Env, args: string[], n: number, before = false, match = ''): KillRun {
  const r = spawnSync(process.execPath, ['--import', PRELOAD, BIN, '--config', env.config, ...args], {
    cwd: env.root,
    encoding: 'utf8',
    env: { ...process.env, SKILLSYNC_DEBUG: '', SKILLSYNC_KILL_AT_LOCK: String(n), SKILLSYNC_KILL_BEFORE: before ? '1' : '', SKILLSYNC_KILL_MATCH: match },
  });
  return { code: r.status, killed: r.signal === 'SIGKILL', stderr: r.stderr };
}

export const workOf = (env: Env): Work => ({ ...workAt(env.root), ws: env.workspace, gitdir: env.gitdir, config: env.config, plugins: env.plugins });

/** A workspace state to restart from, and the end state of an uninterrupted run from it. */
export interface KillBase {
  template: string;
  reference: NormState;
}

export function killBase(env: Env, args: string[]): KillBase {
  const template = `${env.root}/kill-template`;
  rmTree(template);
  copyTree(env.workspace, template);
  const r = runKilledAt(env, args, 0);
  if (r.code !== 0 && r.code !== 3) throw new Error(`uninterrupted ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  const base = { template, reference: normState(env.gitdir) };
  reset(env, base);
  return base;
}

export function reset(env: Env, base: KillBase): void {
  rmTree(env.workspace);
  copyTree(base.template, env.workspace);
}

export interface KillOpts {
  /** Kill just before the lock's creation instead of just after it. */
  before?: boolean;
  /** Count only locks whose path contains this. */
  match?: string;
  /** An exit 1 of the rerun with this message is fine (the command's work was done). */
  mayFail?: RegExp;
}

/**
 * Kill at `first` (then at `second` in the rerun, when given), run to the end, and list
 * what is wrong. `landed`: the first kill happened (false: the command took fewer locks);
 * `secondLanded` the same for the rerun's.
 */
export function killTrial(env: Env, base: KillBase, args: string[], first: number, opts: KillOpts & { second?: number } = {}): { landed: boolean; secondLanded: boolean; problems: string[] } {
  reset(env, base);
  const w = workOf(env);
  const one = runKilledAt(env, args, first, opts.before, opts.match);
  if (!one.killed) return { landed: false, secondLanded: false, problems: [] };
  const problems: string[] = [];
  const at = `kill at lock ${first}${opts.before ? ' (before)' : ''}${opts.second ? ` then ${opts.second}` : ''}`;
  problems.push(...fsckProblems(env.gitdir).map((p) => `${at}, after kill: ${p}`));
  const secondLanded = opts.second ? runKilledAt(env, args, opts.second, opts.before, opts.match).killed : false;
  const last = runKilledAt(env, args, 0);
  const ok = last.code === 0 || last.code === 3 || (opts.mayFail !== undefined && last.code === 1 && opts.mayFail.test(last.stderr));
  if (!ok) problems.push(`${at}: rerun exited ${last.code}: ${last.stderr.trim()}`);
  if (/this is a bug|internal error/.test(last.stderr)) problems.push(`${at}: rerun: ${last.stderr.trim()}`);
  for (const p of [...fsckProblems(env.gitdir), ...leftovers(w), ...liveProblems(w, true), ...diffStates(base.reference, normState(env.gitdir))]) problems.push(`${at}, end: ${p}`);
  return { landed: true, secondLanded, problems };
}

/** Every first kill point (and, with pairs, every first × second), until a kill no longer lands. */
export function everyKillPoint(env: Env, base: KillBase, args: string[], opts: KillOpts & { pairs?: boolean; max?: number } = {}): { points: number; problems: string[] } {
  const problems: string[] = [];
  let points = 0;
  for (let n = 1; n <= (opts.max ?? 50); n++) {
    const t = killTrial(env, base, args, n, opts);
    if (!t.landed) break;
    points++;
    problems.push(...t.problems);
    if (!opts.pairs) continue;
    for (let m = 1; m <= (opts.max ?? 50); m++) {
      const t2 = killTrial(env, base, args, n, { ...opts, second: m });
      problems.push(...t2.problems);
      if (!t2.secondLanded) break; // the rerun took fewer locks than m
      points++;
    }
  }
  return { points, problems };
}
