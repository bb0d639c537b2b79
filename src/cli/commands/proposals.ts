import type { Command } from '../context.js';
import { listProposals, skillTreeAt, type ProposalInfo } from '../../workspace/proposals.js';
import { skillSafety } from '../../workspace/safety-view.js';
import type { Ctx } from '../../workspace/context.js';
import { safetyList } from '../safety-view.js';
import { quotePath } from '../../core/trailers.js';

/** What accepting would publish: the findings of the proposal's tree (allowances applied), else its trailer. */
function proposalSafety(ctx: Ctx | undefined, p: ProposalInfo) {
  const tree = ctx ? skillTreeAt(ctx, p.tip, p.skill) : null;
  return ctx && tree ? skillSafety(ctx, tree, p.skill).findings : safetyList(p.safety);
}

export function proposalJson(p: ProposalInfo, ctx?: Ctx) {
  return {
    id: p.id,
    plugin: p.plugin,
    skill: p.skill,
    branch: p.branch,
    mergeMode: p.mergeMode,
    conflicts: p.conflicts,
    baseTree: p.baseTree,
    upstreamTree: p.upstreamTree,
    localTree: p.localTree,
    commit: p.tip,
    status: p.status,
    safety: proposalSafety(ctx, p),
  };
}

export const proposals: Command = async (cli) => {
  const ctx = cli.ctx();
  const list = listProposals(ctx).map((p) => proposalJson(p, ctx));
  cli.emit(list, () =>
    list.length
      ? cli.table(
          ['PROPOSAL', 'MODE', 'STATE', 'CONFLICTS', 'SAFETY'],
          list.map((p) => [p.id, p.mergeMode, p.status, p.conflicts.map(quotePath).join(', ') || '-', [...new Set(p.safety.map((f) => `${f.severity} ${f.rule}`))].join(', ') || '-']),
        ) + (cli.tty ? `\n\nreview: skillsync show <id>, skillsync diff <id>; then skillsync accept <id> or skillsync reject <id>` : '')
      : 'no open proposals',
  );
  return 0;
};
