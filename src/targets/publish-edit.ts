// Publishing captured edits: the next version of each skill, `Merge-Mode: local_edit`,
// one commit for all skills of one capture and one tag per skill. The checks run first;
// an edit that fails them is returned with the reason and nothing is published for it.
import { formatSafetyTrailer } from '../core/safety/index.js';
import { lookupPath } from '../git/tree-editor.js';
import type { Ctx } from '../workspace/context.js';
import { checkPublishable } from '../workspace/checks.js';
import { safetyOf } from '../workspace/skill-files.js';
import { nextVersion } from '../workspace/versions.js';
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

/** Publish every entry on `txn` in one commit; returns skill → version. */
export function publishEdits(txn: Txn, entries: EditEntry[]): Map<string, string> {
  const { ctx, state } = txn;
  const out = new Map<string, string>();
  const tags: { skill: string; version: string; subject: string }[] = [];
  const trailers: Record<string, string | undefined> = {};
  for (const e of entries) {
    if (state.skills.get(e.skill) === e.tree) continue;
    const version = nextVersion(ctx, e.skill);
    txn.setSkill(e.skill, e.tree);
    out.set(e.skill, version);
    tags.push({ skill: e.skill, version, subject: `${e.skill} ${version}: local edit captured in ${e.where}` });
  }
  if (!tags.length) return out;
  const one = entries.find((e) => e.skill === tags[0].skill)!;
  if (tags.length === 1) {
    Object.assign(trailers, {
      Skill: one.skill,
      'Skill-Version': tags[0].version,
      Plugin: state.bindings.get(one.skill)?.plugin,
      'Base-Tree': one.baseTree,
      'Local-Tree': one.tree,
      'Merge-Mode': 'local_edit',
      Safety: formatSafetyTrailer(safetyOf(ctx, one.tree)),
    });
  } else {
    trailers['Merge-Mode'] = 'local_edit';
  }
  const subject = tags.length === 1 ? tags[0].subject : `local edits captured: ${tags.map((t) => `${t.skill} ${t.version}`).join(', ')}`;
  const body = entries.filter((e) => out.has(e.skill)).map((e) => `${e.skill}: edited in ${e.where}`).join('\n');
  const commit = txn.commit(subject, body, trailers);
  for (const t of tags) txn.tag(t.skill, t.version, commit, `${t.subject}\n\nSkill: ${t.skill}\nSkill-Version: ${t.version}\nMerge-Mode: local_edit\n`);
  return out;
}
