import type { Command } from '../context.js';
import { listProposals, type ProposalInfo } from '../../workspace/proposals.js';
import { safetyList } from '../safety-view.js';

export function proposalJson(p: ProposalInfo) {
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
    safety: safetyList(p.safety),
  };
}

export const proposals: Command = async (cli) => {
  const list = listProposals(cli.ctx()).map(proposalJson);
  cli.emit(list, () =>
    list.length
      ? cli.table(
          ['PROPOSAL', 'MODE', 'STATE', 'CONFLICTS', 'SAFETY'],
          list.map((p) => [p.id, p.mergeMode, p.status, p.conflicts.join(', ') || '-', p.safety.map((f) => f.rule).join(', ') || '-']),
        ) + (cli.tty ? `\n\nreview: skillsync show <id>, skillsync diff <id>; then skillsync accept <id> or skillsync reject <id>` : '')
      : 'no open proposals',
  );
  return 0;
};
