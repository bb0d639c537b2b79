// accept <plugin>/<skill>: publish a proposal as the skill's next version. Refused
// while conflict markers or unresolved binary/delete conflicts remain, or while a
// blocking safety finding is in the merged skill. Fast-forwards main when nothing
// moved; otherwise a merge commit that keeps both sides.
import { SkillsyncError } from '../core/errors.js';
import { formatSafetyTrailer } from '../core/safety/index.js';
import { isBinary } from '../core/merge/text.js';
import { flattenTree, lookupPath } from '../git/tree-editor.js';
import { BINDINGS_DIR, parseBinding } from './records.js';
import type { Ctx } from './context.js';
import { mutate } from './mutate.js';
import { bindingBlobAt, hasConflictMarkers, readProposal, skillTreeAt } from './proposals.js';
import { parseProposalId } from './reject.js';
import { describeFinding, safetyOf } from './skill-files.js';
import { nextVersion } from './versions.js';

export interface AcceptResult {
  id: string;
  skill: string;
  version: string | null;
  commit: string;
  fastForward: boolean;
}

export function acceptProposal(ctx: Ctx, id: string): AcceptResult {
  const { plugin, skill } = parseProposalId(id);
  return mutate(ctx, `accept ${id}`, (state, txn) => {
    const p = readProposal(ctx, plugin, skill);
    if (!p) throw new SkillsyncError('ENO_PROPOSAL', `no open proposal ${plugin}/${skill}; see 'skillsync proposals'`, { id });
    const tipTree = skillTreeAt(ctx, p.tip, skill);

    // 1. Conflicts must be resolved.
    if (tipTree) {
      const files = flattenTree(ctx.store, tipTree);
      const marked: string[] = [];
      for (const [path, e] of files) {
        const buf = ctx.store.readBlob(e.oid);
        if (!isBinary(buf) && hasConflictMarkers(buf.toString('utf8'))) marked.push(path);
      }
      if (marked.length) {
        throw new SkillsyncError('ECONFLICT', `proposal ${p.id} still has conflict markers in ${marked.join(', ')}; resolve them on branch ${p.branch} and commit, then accept again`, { id: p.id, files: marked });
      }
    }
    const unresolved = p.conflicts.filter((c) => p.conflictKinds[c] && p.conflictKinds[c] !== 'content');
    if (unresolved.length && !p.edited) {
      throw new SkillsyncError(
        'ECONFLICT',
        `proposal ${p.id} has unresolved ${unresolved.map((c) => `${p.conflictKinds[c]} conflict in ${c}`).join(', ')}; commit the version you want on branch ${p.branch}, then accept again`,
        { id: p.id, files: unresolved },
      );
    }

    // 2. Safety of what would be published.
    let safety = 'none';
    if (tipTree) {
      const report = safetyOf(ctx, tipTree);
      if (report.blocked) {
        const f = report.findings.find((x) => !x.allowed && ctx.config.safety.block.includes(x.severity))!;
        throw new SkillsyncError('ESAFETY_BLOCKED', `proposal ${p.id} is blocked by the safety check: ${describeFinding(f)}; reject it or fix it on the branch`, { id: p.id, findings: report.findings });
      }
      safety = formatSafetyTrailer(report);
    }

    // 3. main must not have changed this skill since the proposal was made.
    const main = state.commit!;
    if (p.parent && p.parent !== main) {
      const sameSkill = skillTreeAt(ctx, p.parent, skill) === (state.skills.get(skill) ?? null);
      const sameBinding = bindingBlobAt(ctx, p.parent, skill) === bindingBlobAt(ctx, main, skill);
      if (!sameSkill || !sameBinding) {
        throw new SkillsyncError('ESTALE_PROPOSAL', `main changed ${skill} since proposal ${p.id} was made; run 'skillsync sync' to refresh it (or merge main into ${p.branch})`, { id: p.id });
      }
    }

    const changesSkill = tipTree !== (state.skills.get(skill) ?? null);
    const version = changesSkill && tipTree ? nextVersion(ctx, skill) : null;
    const bindingEntry = lookupPath(ctx.store, ctx.store.readCommit(p.tip).tree, `${BINDINGS_DIR}/${skill}.json`);
    const fastForward = p.parent === main && p.tip === p.generated && (version === null || version === p.predictedVersion);
    let commit: string;
    const subject = tipTree ? `${skill} ${version ?? ''}: accept ${p.mergeMode} update from ${plugin}`.replace('  ', ' ') : `${skill}: removed, as plugin ${plugin} did upstream`;
    if (fastForward) {
      txn.head = p.tip;
      commit = p.tip;
    } else {
      txn.setSkill(skill, tipTree);
      txn.setBinding(skill, bindingEntry ? parseBinding(ctx.store.readBlob(bindingEntry.oid), skill) : null);
      commit = txn.commit(subject, `Merge branch '${p.branch}'.`, {
        Skill: skill,
        'Skill-Version': version ?? undefined,
        Plugin: plugin,
        'Upstream-Tree': p.upstreamTree ?? undefined,
        'Base-Tree': p.baseTree ?? undefined,
        'Local-Tree': p.localTree ?? undefined,
        'Merge-Mode': p.mergeMode,
        Safety: safety,
      }, [p.tip]);
    }
    if (version) txn.tag(skill, version, commit, `${subject}\n\nSkill: ${skill}\nSkill-Version: ${version}\nPlugin: ${plugin}\nMerge-Mode: ${p.mergeMode}\n`);
    txn.setRef(p.ref, null, p.tip);
    return { id: p.id, skill, version, commit, fastForward };
  });
}
