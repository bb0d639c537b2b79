// A commit that reached main outside skillsync (a direct write that bypassed the
// pre-receive hook) is checked like any publish before anything trusts it. While main
// fails, it is "blocked": no version is tagged, nothing is built on it, and the live
// view keeps serving the last good commit. The state is derived and kept in the cache.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SkillsyncError } from '../core/errors.js';
import { writeFileAtomic } from '../git/fsutil.js';
import { readRef } from '../git/refs.js';
import { lookupPath } from '../git/tree-editor.js';
import type { ObjectStore } from '../git/objects.js';
import { checkRoot, describeProblems, skillTrees, type CheckCtx, type Problem } from './checks.js';
import type { Ctx } from './context.js';
import { MAIN } from './layout.js';

export interface Blocked {
  /** main's tip when it was checked. */
  commit: string;
  /** The first-parent commit that introduced the first problem. */
  at: string;
  skill: string | null;
  problems: Problem[];
  message: string;
}

export interface GateState {
  main: string | null;
  /** The commit the live view and targets serve: main when it passes, else the last good one. */
  served: string | null;
  blocked: Blocked | null;
}

interface GateRecord {
  lastGood: string | null;
  checked: string | null;
  blocked: Blocked | null;
}

export function gateFile(cacheDir: string): string {
  return join(cacheDir, 'main-gate.json');
}

export function readGate(cacheDir: string): GateRecord | null {
  try {
    const r = JSON.parse(readFileSync(gateFile(cacheDir), 'utf8')) as GateRecord;
    return { lastGood: r.lastGood ?? null, checked: r.checked ?? null, blocked: r.blocked ?? null };
  } catch {
    return null;
  }
}

function writeGate(ctx: Ctx, rec: GateRecord): void {
  try {
    writeFileAtomic(gateFile(ctx.paths.cache), JSON.stringify(rec));
  } catch (err) {
    ctx.log.debug(`could not save the main check: ${(err as Error).message}`);
  }
}

const rootOf = (store: ObjectStore, commit: string) => store.readCommit(commit).tree;

/** Walk main's first-parent line back to the commit that introduced `path` as it is at `tip`. */
function introducedAt(store: ObjectStore, tip: string, path: string): string {
  const want = lookupPath(store, rootOf(store, tip), path)?.oid ?? null;
  let cur = tip;
  for (let i = 0; i < 1000; i++) {
    const parent = store.readCommit(cur).parents[0];
    if (!parent || (lookupPath(store, rootOf(store, parent), path)?.oid ?? null) !== want) return cur;
    cur = parent;
  }
  return cur;
}

/** Check commit `tip` against the skills of `good` (known to pass); null when it passes. */
export function checkCommit(ctx: CheckCtx, tip: string, good: string | null): Blocked | null {
  const before = good ? skillTrees(ctx.store, rootOf(ctx.store, good)) : new Map<string, string>();
  const r = checkRoot(ctx, rootOf(ctx.store, tip), before);
  if (r.ok) return null;
  const first = r.problems.find((p) => p.severity === 'error')!;
  const m = /^skills\/([^/]+)/.exec(first.path);
  const at = introducedAt(ctx.store, tip, first.path.split('/').slice(0, 2).join('/'));
  const errors = r.problems.filter((p) => p.severity === 'error');
  return { commit: tip, at, skill: m ? m[1] : null, problems: errors.slice(0, 10), message: describeProblems(r) };
}

/** Where main stands: checked (and recorded) when it moved outside skillsync. */
export function gateMain(ctx: Ctx, record = true): GateState {
  const main = readRef(ctx.refs, MAIN);
  const rec = readGate(ctx.paths.cache) ?? { lastGood: null, checked: null, blocked: null };
  if (!main) return { main, served: null, blocked: null };
  if (main === rec.lastGood) return { main, served: main, blocked: null };
  if (main === rec.checked && rec.blocked) return { main, served: rec.lastGood, blocked: rec.blocked };
  let blocked: Blocked | null;
  try {
    blocked = checkCommit(ctx, main, rec.lastGood);
  } catch (err) {
    // Missing or unreadable objects on main are a reason to block too, never to serve it.
    const message = `commit ${main.slice(0, 12)} cannot be checked: ${(err as Error).message}`;
    blocked = { commit: main, at: main, skill: null, problems: [{ rule: 'unreadable', path: '', message, severity: 'error' }], message };
  }
  const next: GateRecord = blocked ? { lastGood: rec.lastGood, checked: main, blocked } : { lastGood: main, checked: main, blocked: null };
  if (record) writeGate(ctx, next);
  return { main, served: next.lastGood, blocked };
}

export function blockedMessage(b: Blocked, served: string | null): string {
  const where = b.at === b.commit ? `commit ${b.commit.slice(0, 12)}` : `commit ${b.at.slice(0, 12)} (main is at ${b.commit.slice(0, 12)})`;
  const serving = served ? `the live view keeps serving ${served.slice(0, 12)}` : 'nothing is served from it';
  return `main is blocked at ${where}${b.skill ? `, skill ${b.skill}` : ''}: ${b.message}; ${serving}; fix main with git (revert the commit or push a fix)`;
}

/** Refuse to build on a blocked main: a new commit on top would carry its content forward. */
export function assertMainOpen(ctx: Ctx): void {
  const g = gateMain(ctx);
  if (g.blocked) throw new SkillsyncError('EMAIN_BLOCKED', blockedMessage(g.blocked, g.served), { commit: g.blocked.commit, at: g.blocked.at, skill: g.blocked.skill });
}

/** skillsync moved main from `old` (known good) to `next` through its own checked publish path. */
export function carryGood(ctx: Ctx, old: string | null, next: string): void {
  const rec = readGate(ctx.paths.cache);
  if ((rec?.lastGood ?? null) !== old) return;
  writeGate(ctx, { lastGood: next, checked: next, blocked: null });
}

/** The root tree the live view serves (null: nothing yet). */
export function servedTree(ctx: Ctx): string | null {
  const g = gateMain(ctx);
  return g.served ? rootOf(ctx.store, g.served) : null;
}

/** The commit to tag for a change made with git: the one that introduced it, unless that commit fails the checks (then main's checked tip). */
export function servableCommit(ctx: Ctx, commit: string, tip: string): string {
  if (commit === tip) return tip;
  try {
    return checkCommit(ctx, commit, tip) ? tip : commit;
  } catch {
    return tip;
  }
}
