// Publishing captured edits: the next version of each skill, `Merge-Mode: local_edit`,
// one commit for all skills of one capture and one tag per skill. The checks run first;
// an edit that fails them is returned with the reason and nothing is published for it.
import { lookupPath } from '../git/tree-editor.js';
import type { Ctx } from '../workspace/context.js';
import { checkPublishable } from '../workspace/checks.js';
import { publishVersions } from '../workspace/publish-versions.js';
import type { Txn } from '../workspace/txn.js';

export interface EditEntry {
  skill: string;
  tree: string;
  /** The published tree the edit started from. */
  baseTree: string;
  /** Where it was edited, for the commit body. */
  where: string;
}

/** Why a tree may not be published as `skill`, or null: the checks every tree on main passes. */
export function refusal(ctx: Ctx, skill: string, tree: string): string | null {
  if (!lookupPath(ctx.store, tree, 'SKILL.md')) return 'the folder has no SKILL.md at its top';
  const r = checkPublishable(ctx, skill, tree);
  if (r.ok) return null;
  const errors = r.problems.filter((p) => p.severity === 'error');
  return `${errors.length > 1 ? `${errors.length} problems, first: ` : ''}${errors[0].message}`;
}

/** Publish every entry on `txn` in one commit (the one publish path); returns skill → version. */
export function publishEdits(txn: Txn, entries: EditEntry[]): Map<string, string> {
  const { state } = txn;
  const todo = entries.filter((e) => state.skills.get(e.skill) !== e.tree);
  const out = new Map<string, string>();
  if (!todo.length) return out;
  const published = publishVersions(
    txn,
    todo.map((e) => ({ skill: e.skill, tree: e.tree, mode: 'local_edit' as const, plugin: state.bindings.get(e.skill)?.plugin, baseTree: e.baseTree, localTree: e.tree, note: `local edit captured in ${e.where}` })),
    {
      subject: todo.length > 1 ? `local edits captured: ${todo.length} skills` : undefined,
      body: todo.map((e) => `${e.skill}: edited in ${e.where}`).join('\n'),
    },
  );
  for (const v of published) if (v.version) out.set(v.skill, v.version);
  return out;
}
