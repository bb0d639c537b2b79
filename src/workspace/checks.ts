// The checks every tree on `main` passes, whichever road it took (a skillsync command,
// a `git push`, a direct write): valid tree entries, no unresolved conflict markers,
// the safety policy, consistent `.skillsync/` records. Proposal branches may hold
// markers; main may not. Reads only objects, so the pre-receive hook runs it too.
import { checkSafety, type Allowance, type SafetyPolicy, type SafetyReport } from '../core/safety/index.js';
import { readAllowances } from './allowances.js';
import { MAIN } from './layout.js';
import { readRef, type Refs } from '../git/refs.js';
import { printable } from '../core/tree-entries.js';
import { unsafeNameReason } from '../core/names.js';
import { checkTreeDeep, checkTreeObject } from '../git/tree-check.js';
import { EMPTY_TREE } from '../git/hash.js';
import type { ObjectStore } from '../git/objects.js';
import type { TreeEntry } from '../git/tree.js';
import { lookupPath } from '../git/tree-editor.js';
import { fileHasConflictMarkers } from '../core/merge/markers.js';
import { BINDINGS_DIR, PLUGINS_DIR, SKILLS_DIR, parseBinding, parsePluginRecord } from './records.js';

export type ProblemSeverity = 'error' | 'warning';

export interface Problem {
  /** tree-entry rule, 'conflict-marker', a safety rule id, or 'record' */
  rule: string;
  /** Path from the root of main (skills/<skill>/...). */
  path: string;
  message: string;
  severity: ProblemSeverity;
}

export interface CheckResult {
  ok: boolean;
  problems: Problem[];
  /** The safety report of a skill tree (for the Safety trailer), when it was run. */
  safety?: SafetyReport;
}

/** What the checks need: objects and the safety policy (a full Ctx satisfies it). */
export interface CheckCtx {
  store: ObjectStore;
  config: { safety: SafetyPolicy };
  /** With refs, the allowances recorded on main apply when none are given. */
  refs?: Refs;
}

/** The allowances a person recorded on main (`allow`). */
function mainAllowances(ctx: CheckCtx): Allowance[] {
  const main = ctx.refs ? readRef(ctx.refs, MAIN) : null;
  return main ? readAllowances(ctx.store, ctx.store.readCommit(main).tree) : [];
}

function result(problems: Problem[], safety?: SafetyReport): CheckResult {
  return { ok: !problems.some((p) => p.severity === 'error'), problems, safety };
}

function files(store: ObjectStore, tree: string, prefix = ''): { path: string; entry: TreeEntry }[] {
  const out: { path: string; entry: TreeEntry }[] = [];
  if (tree === EMPTY_TREE) return out;
  for (const e of store.readTree(tree)) {
    const p = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.mode === '40000') out.push(...files(store, e.oid, p));
    else out.push({ path: p, entry: e });
  }
  return out;
}

/** May `tree` be published as skills/<skill>? `allowances`: the decisions recorded in main. */
export function checkPublishable(ctx: CheckCtx, skill: string, tree: string, given?: readonly Allowance[]): CheckResult {
  const base = `${SKILLS_DIR}/${skill}`;
  const bad = unsafeNameReason(skill);
  if (bad) return result([{ rule: 'name', path: base, message: `skill name ${printable(skill)} ${bad}`, severity: 'error' }]);
  const entries = checkTreeDeep(ctx.store, tree, 'skill', base);
  if (entries.length) return result(entries.map((p) => ({ rule: p.rule, path: p.path, message: p.message, severity: 'error' })));
  const problems: Problem[] = [];
  const read = files(ctx.store, tree).map(({ path, entry }) => ({ path, content: ctx.store.readBlob(entry.oid), mode: entry.mode === '100755' ? 0o100755 : 0o100644 }));
  for (const f of read) {
    if (fileHasConflictMarkers(f.content)) {
      const path = `${base}/${f.path}`;
      problems.push({ rule: 'conflict-marker', path, message: `${printable(path)} has unresolved conflict markers`, severity: 'error' });
    }
  }
  const allowances = given ?? mainAllowances(ctx);
  const safety = checkSafety(read, ctx.config.safety, { skill, tree, allowances });
  const block = new Set(ctx.config.safety.block);
  for (const f of safety.findings) {
    const path = `${base}/${f.path}`;
    problems.push({
      rule: f.rule,
      path,
      message: `${printable(path)}${f.line ? ':' + f.line : ''}: ${f.rule} (${f.severity}): ${f.message}`,
      severity: block.has(f.severity) && !f.allowed ? 'error' : 'warning',
    });
  }
  return result(problems, safety);
}

function recordProblem(path: string, message: string): Problem {
  return { rule: 'record', path, message: `${printable(path)}: ${message}`, severity: 'error' };
}

/** The `.skillsync/` records of a root tree: each parses, is named after its file, and bindings point at skills that exist. */
export function checkRecords(ctx: CheckCtx, root: string): CheckResult {
  const problems: Problem[] = [];
  const dirOf = (path: string): TreeEntry[] => {
    const e = lookupPath(ctx.store, root, path);
    if (!e) return [];
    if (e.mode !== '40000') {
      problems.push(recordProblem(path, 'is not a folder'));
      return [];
    }
    const own = checkTreeObject(ctx.store, e.oid, 'skill', path);
    for (const p of own) problems.push({ rule: p.rule, path: p.path, message: p.message, severity: 'error' });
    return own.length ? [] : ctx.store.readTree(e.oid);
  };
  const json = (dir: string, e: TreeEntry): string | null => {
    const path = `${dir}/${e.name}`;
    if (e.mode === '40000' || !e.name.endsWith('.json')) {
      problems.push(recordProblem(path, 'is not a .json record'));
      return null;
    }
    return e.name.slice(0, -5);
  };
  const skillsEntry = lookupPath(ctx.store, root, SKILLS_DIR);
  const skills = new Set<string>();
  if (skillsEntry?.mode === '40000') for (const e of ctx.store.readTree(skillsEntry.oid)) skills.add(e.name);
  // Each record of a folder that parses and is named after its file goes to `use`.
  const eachRecord = <T>(dir: string, kind: 'plugin' | 'binding', field: 'id' | 'skill', parse: (buf: Buffer, name: string) => T, use: (name: string, rec: T) => void) => {
    for (const e of dirOf(dir)) {
      const name = json(dir, e);
      if (name === null) continue;
      const path = `${dir}/${e.name}`;
      try {
        const buf = ctx.store.readBlob(e.oid);
        const named = (JSON.parse(buf.toString('utf8')) as Record<string, unknown>)[field];
        const rec = parse(buf, name);
        if (named !== undefined && named !== name) problems.push(recordProblem(path, `names ${field === 'id' ? 'plugin' : 'skill'} ${printable(String(named))}, not ${printable(name)}`));
        use(name, rec);
      } catch {
        problems.push(recordProblem(path, `is not a valid ${kind} record`));
      }
    }
  };
  const plugins = new Set<string>();
  eachRecord(PLUGINS_DIR, 'plugin', 'id', parsePluginRecord, (id) => plugins.add(id));
  eachRecord(BINDINGS_DIR, 'binding', 'skill', parseBinding, (skill, b) => {
    const path = `${BINDINGS_DIR}/${skill}.json`;
    if (!plugins.has(b.plugin)) problems.push(recordProblem(path, `binds to plugin ${printable(b.plugin)}, which has no record`));
    if (b.status !== 'disabled' && !skills.has(skill)) problems.push(recordProblem(path, `binds ${SKILLS_DIR}/${printable(skill)}, which does not exist`));
  });
  return result(problems);
}

/** The skill trees of a root tree, by name (empty when there is no skills/ folder). */
export function skillTrees(store: ObjectStore, root: string): Map<string, string> {
  const out = new Map<string, string>();
  const e = lookupPath(store, root, SKILLS_DIR);
  if (e?.mode === '40000') for (const s of store.readTree(e.oid)) out.set(s.name, s.mode === '40000' ? s.oid : `file:${s.oid}`);
  return out;
}

/**
 * Check a root tree for main: records, the skills/ folder itself, and every skill whose
 * tree differs from `before` (the skills of a commit already known good).
 */
export function checkRoot(ctx: CheckCtx, root: string, before: Map<string, string> = new Map()): CheckResult {
  const problems: Problem[] = [...checkRecords(ctx, root).problems];
  const allowances = readAllowances(ctx.store, root);
  const skillsEntry = lookupPath(ctx.store, root, SKILLS_DIR);
  if (skillsEntry && skillsEntry.mode !== '40000') problems.push(recordProblem(SKILLS_DIR, 'is not a folder'));
  else if (skillsEntry) {
    const own = checkTreeObject(ctx.store, skillsEntry.oid, 'skill', SKILLS_DIR);
    for (const p of own) problems.push({ rule: p.rule, path: p.path, message: p.message, severity: 'error' });
    if (own.length === 0) {
      for (const [skill, tree] of skillTrees(ctx.store, root)) {
        if (before.get(skill) === tree) continue;
        if (tree.startsWith('file:')) {
          problems.push(recordProblem(`${SKILLS_DIR}/${skill}`, 'is a file; a skill is a folder'));
          continue;
        }
        problems.push(...checkPublishable(ctx, skill, tree, allowances).problems);
      }
    }
  }
  return result(problems);
}

/** One line for a person: the first blocking problem (and how many more). */
export function describeProblems(r: CheckResult): string {
  const errors = r.problems.filter((p) => p.severity === 'error');
  if (errors.length === 0) return 'no problems';
  return errors[0].message + (errors.length > 1 ? ` (and ${errors.length - 1} more)` : '');
}
