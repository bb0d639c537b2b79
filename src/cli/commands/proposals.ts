import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { listProposals, skillTreeAt } from '../../workspace/proposals.js';
import { findingLine, skillSafety } from '../../workspace/safety-view.js';

export const proposals: Command = async (cli, argv) => {
  need(parseArgs(argv, {}), 0, 'proposals');
  const ctx = cli.ctx();
  const list = listProposals(ctx).map((p) => ({
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
    // What accepting would publish: its findings (the recorded trailer is safetyTrailer).
    safety: ((t) => (t ? skillSafety(ctx, t, p.skill).findings : []))(skillTreeAt(ctx, p.tip, p.skill)),
    safetyTrailer: p.safety,
  }));
  cli.emit(list, () =>
    list.length
      ? list
          .map((p) => `${p.id}  ${p.mergeMode}  ${p.status}${p.conflicts.length ? `  conflicts: ${p.conflicts.join(', ')}` : ''}${p.safety.length ? `  safety: ${findingLine(p.safety[0])}${p.safety.length > 1 ? ` (+${p.safety.length - 1})` : ''}` : ''}\n  branch ${p.branch}`)
          .join('\n')
      : 'no open proposals',
  );
  return 0;
};
