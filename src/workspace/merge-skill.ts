// The three-way merge of one stored skill tree (base, local, upstream), with the
// merged files written as objects; conflicts keep git's markers in text files.
import { mergeTrees, type FlatTree } from '../core/merge/tree.js';
import { EMPTY_TREE } from '../git/hash.js';
import { flattenTree, writeFlatTree } from '../git/tree-editor.js';
import type { TreeMode } from '../git/tree.js';
import type { Ctx } from './context.js';

/** The regular files of a stored tree by path (what the tree merge works on). */
function filesOf(ctx: Ctx, tree: string | null): FlatTree {
  const out: FlatTree = new Map();
  if (!tree) return out;
  for (const [p, e] of flattenTree(ctx.store, tree)) {
    if (e.mode === '100644' || e.mode === '100755') out.set(p, { mode: e.mode, oid: e.oid });
  }
  return out;
}

/** The three-way tree merge of one skill, stored; returns the merged tree and conflicts. */
export function mergeSkill(ctx: Ctx, base: string, local: string, upstream: string): { tree: string; conflicts: { path: string; kind: string }[] } {
  const res = mergeTrees(filesOf(ctx, base), filesOf(ctx, local), filesOf(ctx, upstream), (oid) => ctx.store.readBlob(oid), {
    labels: ['local', 'base', 'upstream'],
  });
  const files = new Map<string, { mode: TreeMode; oid: string }>();
  for (const [path, f] of res.files) files.set(path, { mode: f.mode, oid: f.oid ?? ctx.store.writeBlob(f.content!) });
  return { tree: files.size ? writeFlatTree(ctx.store, files) : EMPTY_TREE, conflicts: res.conflicts.map((c) => ({ path: c.path, kind: c.kind })) };
}
