import type { Command } from '../context.js';
import { workspaceStatus } from '../../workspace/inspect.js';
import { describeDaemon, readDaemonStatus } from '../../daemon/state-file.js';
import { targetLines } from '../../targets/status-lines.js';

const counts = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';

export const status: Command = async (cli) => {
  const exists = cli.hasWorkspace();
  const s = { ...workspaceStatus(cli.view()), exists };
  const d = readDaemonStatus(s.workspace);
  Object.assign(s, { daemon: d.running ? d.state : null });
  cli.emit(s, () => {
    const lines = [
      `config     ${s.config ?? '(none: --workspace only)'}`,
      `workspace  ${s.workspace}${exists ? '' : "  (not created yet: 'skillsync init' or 'skillsync enable')"}`,
      `main       ${s.main ?? '(no commits yet)'}`,
      `skills     ${s.skills} published${Object.keys(s.skillStates).length ? ` (${counts(s.skillStates)})` : ''}`,
      `plugins    ${counts(s.plugins)}`,
      `proposals  ${s.proposals.open} open, ${s.proposals.edited} edited, ${s.proposals.stale} stale${s.proposals.conflicted ? `, ${s.proposals.conflicted} with conflicts` : ''}`,
    ];
    if (s.mainBlocked) lines.push(`blocked    ${s.mainBlocked.message}`);
    lines.push(...describeDaemon(d));
    if (s.lock) lines.push(`lock       ${s.lock}`);
    if (s.interruptedCommand) lines.push(`interrupted '${s.interruptedCommand}': the next command completes it`);
    for (const e of s.discoveryErrors) lines.push(`error      ${e.source}${e.path ? '/' + e.path : ''}: ${e.message} [${e.code}]`);
    for (const a of s.attention) lines.push(`attention  ${a}`);
    lines.push(...targetLines(s.targets));
    return lines.join('\n');
  });
  return s.attention.length ? 3 : 0;
};
