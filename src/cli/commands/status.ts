import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { workspaceStatus } from '../../workspace/inspect.js';
import { targetLines } from '../../targets/status-lines.js';

export const status: Command = async (cli, argv) => {
  need(parseArgs(argv, {}), 0, 'status');
  const s = workspaceStatus(cli.ctx());
  cli.emit(s, () => {
    const lines = [
      `workspace  ${s.workspace}`,
      `main       ${s.main ?? '(no commits yet)'}`,
      `skills     ${s.skills}`,
      `plugins    ${Object.entries(s.plugins).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`,
      `proposals  ${s.proposals.open} open, ${s.proposals.edited} edited, ${s.proposals.stale} stale`,
    ];
    if (s.lock) lines.push(`lock       ${s.lock}`);
    if (s.interruptedCommand) lines.push(`interrupted '${s.interruptedCommand}': the next command completes it`);
    for (const e of s.discoveryErrors) lines.push(`error      ${e.source}${e.path ? '/' + e.path : ''}: ${e.message}`);
    lines.push(...targetLines(s.targets));
    return lines.join('\n');
  });
  return 0;
};
