// accept <plugin>/<skill>...: publish proposals as their skills' next versions, in one
// commit. Refused while conflict markers or unresolved binary/delete conflicts remain,
// while a blocking safety finding is in the merged skill, or when main changed the skill
// since the proposal was made. The commit on main reads as a changelog entry; when a
// person committed on the branch, it is a merge commit that keeps their commits.
import { SkillsyncError } from '../core/errors.js';
import { parseTrailers, quotePath, trailerValues, parseVersionTrailers } from '../core/trailers.js';
import { lookupPath } from '../git/tree-editor.js';
import type { Ctx } from './context.js';
import { mutate } from './mutate.js';
import { bindingBlobAt, readProposal, skillTreeAt, type ProposalInfo } from './proposals.js';
import { publishVersions, type PublishEntry } from './publish-versions.js';
import { parseProposalId } from './queries.js';
import { BINDINGS_DIR, parseBinding } from './records.js';
import type { MainState } from './state.js';

export interface AcceptResult {
  id: string;
  skill: string;
  version: string | null;
  commit: string;
  /** main moved straight on (no merge commit was needed). */
  fastForward: boolean;
  status: 'accepted' | 'already_accepted';
}

/** A commit on main's first-parent line that accepted `id` (a rerun after a kill, or a second accept). */
function acceptedEarlier(ctx: Ctx, state: MainState, id: string, limit = 200): { commit: string; version: string | null } | null {
  let cur = state.commit;
  for (let i = 0; cur && i < limit; i++) {
    const c = ctx.store.readCommit(cur);
    const t = parseTrailers(c.message);
    const k = trailerValues(t, 'Accepted-Proposal').indexOf(id);
    if (k >= 0) return { commit: cur, version: parseVersionTrailers(t).find((v) => `${v.plugin}/${v.skill}` === id)?.version ?? null };
    cur = c.parents[0] ?? null;
  }
  return null;
}

function entryFor(ctx: Ctx, state: MainState, p: ProposalInfo): PublishEntry {
  const tipTree = skillTreeAt(ctx, p.tip, p.skill);
  const unresolved = p.conflicts.filter((c) => p.conflictKinds[c] && p.conflictKinds[c] !== 'content');
  if (unresolved.length && !p.edited) {
    throw new SkillsyncError(
      'ECONFLICT',
      `proposal ${p.id} has unresolved ${unresolved.map((c) => `${p.conflictKinds[c]} conflict in ${quotePath(c)}`).join(', ')}; commit the version you want on branch ${p.branch}, then accept again`,
      { id: p.id, files: unresolved },
    );
  }
  const main = state.commit!;
  if (p.parent && p.parent !== main) {
    const sameSkill = skillTreeAt(ctx, p.parent, p.skill) === (state.skills.get(p.skill) ?? null);
    const sameBinding = bindingBlobAt(ctx, p.parent, p.skill) === bindingBlobAt(ctx, main, p.skill);
    if (!sameSkill || !sameBinding) {
      throw new SkillsyncError('ESTALE_PROPOSAL', `main changed ${p.skill} since proposal ${p.id} was made; run 'skillsync sync' to refresh it (or merge main into ${p.branch})`, { id: p.id });
    }
  }
  const bindingEntry = lookupPath(ctx.store, ctx.store.readCommit(p.tip).tree, `${BINDINGS_DIR}/${p.skill}.json`);
  const binding = bindingEntry ? parseBinding(ctx.store.readBlob(bindingEntry.oid), p.skill) : null;
  const changesSkill = tipTree !== (state.skills.get(p.skill) ?? null);
  return {
    skill: p.skill,
    tree: tipTree,
    mode: tipTree === null ? 'removal' : changesSkill ? p.mergeMode : 'already_applied',
    plugin: p.plugin,
    pluginVersion: p.pluginVersion,
    upstreamTree: p.upstreamTree,
    baseTree: p.baseTree,
    localTree: p.localTree,
    binding,
    extra: [['Accepted-Proposal', p.id]],
  };
}

export function acceptProposals(ctx: Ctx, ids: string[]): AcceptResult[] {
  // The same proposal named twice is accepted once.
  const parsed = [...new Set(ids)].map((id) => ({ id, ...parseProposalId(id) }));
  return mutate(ctx, `accept ${ids.join(' ')}`, (state, txn) => {
    const results: AcceptResult[] = [];
    const todo: { p: ProposalInfo; entry: PublishEntry }[] = [];
    for (const { plugin, skill } of parsed) {
      const id = `${plugin}/${skill}`;
      const p = readProposal(ctx, plugin, skill);
      if (!p) {
        const earlier = acceptedEarlier(ctx, state, id);
        if (earlier) {
          results.push({ id, skill, version: earlier.version, commit: earlier.commit, fastForward: false, status: 'already_accepted' });
          continue;
        }
        throw new SkillsyncError('ENO_PROPOSAL', `no open proposal ${plugin}/${skill}; see 'skillsync proposals'`, { id });
      }
      todo.push({ p, entry: entryFor(ctx, state, p) });
    }
    if (!todo.length) return results;
    // A branch someone committed to, or one made on an older main, is merged (its commits are kept).
    const merged = todo.filter(({ p }) => p.parent !== state.commit || p.tip !== p.generated);
    const hint = todo.length === 1 ? `resolve it on branch ${todo[0].p.branch} and commit, then accept again (or reject it)` : 'fix it on its proposal branch, then accept again; nothing was changed';
    const published = publishVersions(
      txn,
      todo.map((t) => t.entry),
      {
        subject: todo.length > 1 ? `accept ${todo.length} proposals` : undefined,
        body: merged.length ? merged.map(({ p }) => `Merge branch '${p.branch}'.`).join('\n') : '',
        extraParents: merged.map(({ p }) => p.tip),
        refusalHint: hint,
      },
    );
    const commit = txn.head!;
    todo.forEach(({ p }, i) => {
      txn.setRef(p.ref, null, p.tip);
      results.push({ id: p.id, skill: p.skill, version: published[i].version, commit, fastForward: !merged.includes(todo[i]), status: 'accepted' });
    });
    return results;
  });
}

export function acceptProposal(ctx: Ctx, id: string): AcceptResult {
  return acceptProposals(ctx, [id])[0];
}
