// Versions for changes made with plain git: when main's skills/<skill> differs from
// the tree of the skill's latest version tag (a proposal merged with `git merge`, an
// edit pushed to main), the commit that introduced it is tagged as the next version.
// Only skills that changed since the last reconciled main are looked at.
import { readReconciled, writeReconciled } from './reconciled-marker.js';
import { parseTrailers, parseVersionTrailers, trailerMap, type MergeMode } from '../core/trailers.js';
import { recordVersion } from './publish-versions.js';
import type { Ctx } from './context.js';
import { mutate } from './mutate.js';
import { servableCommit } from './main-gate.js';
import { readStateAt, type MainState } from './state.js';
import { latestVersion } from './versions.js';
import { skillTreeAt } from './proposals.js';

/** The oldest commit on main's first-parent line that already has `tree` at skills/<skill>. */
function introducingCommit(ctx: Ctx, head: string, skill: string, tree: string): string {
  let cur = head;
  for (let i = 0; i < 1000; i++) {
    const parents = ctx.store.readCommit(cur).parents;
    if (!parents.length || skillTreeAt(ctx, parents[0], skill) !== tree) return cur;
    cur = parents[0];
  }
  return cur;
}

export function reconcileVersions(ctx: Ctx): string[] {
  let done: string[] = [];
  const marker = readReconciled(ctx);
  const finalMain = mutate(ctx, 'reconcile versions', (state: MainState, txn) => {
    done = [];
    if (!state.commit || state.commit === marker) return state.commit;
    let before = new Map<string, string>();
    if (marker) {
      try {
        before = readStateAt(ctx, marker).skills;
      } catch {
        before = new Map();
      }
    }
    for (const [skill, tree] of state.skills) {
      if (before.get(skill) === tree) continue;
      const last = latestVersion(ctx, skill);
      if (last && skillTreeAt(ctx, last.commit, skill) === tree) continue;
      const commit = servableCommit(ctx, introducingCommit(ctx, state.commit, skill, tree), state.commit);
      const c = ctx.store.readCommit(commit);
      const t = parseTrailers(c.message);
      const own = parseVersionTrailers(t).find((v) => v.skill === skill);
      const mode: MergeMode = own ? own.mode : trailerMap(t).Proposal || c.parents.length > 1 ? 'merged_by_git' : 'external';
      const version = recordVersion(txn, skill, commit, mode, c.message.split('\n')[0]);
      done.push(`${skill}@${version}`);
    }
    return state.commit;
  });
  for (const d of done) ctx.log.info(`recorded version ${d} for a change made with git`);
  if (!ctx.dryRun) writeReconciled(ctx, finalMain);
  return done;
}
