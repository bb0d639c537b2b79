// Trees checked before their names become paths: a whole tree (with the path of every
// bad entry) or one tree object. Trees found clean are remembered on the store, so a
// pass re-checks only trees it has not seen.
import { checkTreeEntries, printable, type EntryRule, type TreeLevel } from '../core/tree-entries.js';
import { SkillsyncError } from '../core/errors.js';
import { EMPTY_TREE } from './hash.js';
import type { ObjectStore } from './objects.js';

export interface TreeProblem {
  rule: EntryRule;
  /** Path of the entry, relative to where the check started (prefix included). */
  path: string;
  message: string;
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}/${name}` : name;
}

/** Problems of one tree object's own entries, each naming its path under prefix. */
export function checkTreeObject(store: ObjectStore, oid: string, level: TreeLevel, prefix = ''): TreeProblem[] {
  if (oid === EMPTY_TREE || store.checkedTrees(level).has(oid)) return [];
  const o = store.readRaw(oid);
  if (o.type !== 'tree') return [{ rule: 'corrupt', path: prefix, message: `${printable(prefix)} is a ${o.type}, not a tree` }];
  const problems = checkTreeEntries(o.body, level).map((p) => {
    const path = join(prefix, p.entry);
    return { rule: p.rule, path, message: `${printable(path)}: ${p.message}` };
  });
  if (problems.length === 0) store.checkedTrees(level).add(oid);
  return problems;
}

/** Problems anywhere under a tree (stops descending below a bad tree). */
export function checkTreeDeep(store: ObjectStore, oid: string, level: TreeLevel, prefix = '', limit = 20): TreeProblem[] {
  const deepKey = `deep:${level}`;
  if (oid === EMPTY_TREE || store.checkedTrees(deepKey).has(oid)) return [];
  const own = checkTreeObject(store, oid, level, prefix);
  if (own.length) return own.slice(0, limit);
  const out: TreeProblem[] = [];
  for (const e of store.readTree(oid)) {
    if (e.mode !== '40000') continue;
    out.push(...checkTreeDeep(store, e.oid, level, join(prefix, e.name), limit - out.length));
    if (out.length >= limit) break;
  }
  if (out.length === 0) store.checkedTrees(deepKey).add(oid);
  return out;
}

export function treeEntryError(problems: TreeProblem[], where = ''): SkillsyncError {
  const p = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new SkillsyncError('ETREE_ENTRY', `${where ? where + ': ' : ''}${p.message}${more}; nothing from this tree was written`, { path: p.path, rule: p.rule, problems: problems.slice(0, 20) });
}

/** Throw ETREE_ENTRY naming the first bad path under a tree. */
export function assertTreeDeep(store: ObjectStore, oid: string, level: TreeLevel, prefix = '', where = ''): void {
  const problems = checkTreeDeep(store, oid, level, prefix);
  if (problems.length) throw treeEntryError(problems, where);
}

/** Throw ETREE_ENTRY when one tree object's own entries are bad. */
export function assertTreeObject(store: ObjectStore, oid: string, level: TreeLevel, prefix = '', where = ''): void {
  const problems = checkTreeObject(store, oid, level, prefix);
  if (problems.length) throw treeEntryError(problems, where);
}
