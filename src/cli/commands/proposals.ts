import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { listProposals } from '../../workspace/proposals.js';

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
    safety: p.safety,
  }));
  cli.emit(list, () =>
    list.length
      ? list
          .map((p) => `${p.id}  ${p.mergeMode}  ${p.status}${p.conflicts.length ? `  conflicts: ${p.conflicts.join(', ')}` : ''}${p.safety !== 'none' ? `  safety: ${p.safety}` : ''}\n  branch ${p.branch}`)
          .join('\n')
      : 'no open proposals',
  );
  return 0;
};
