import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { workspaceStatus } from '../../workspace/inspect.js';
import { describeDaemon, readDaemonStatus } from '../../daemon/state-file.js';
import { targetLines } from '../../targets/status-lines.js';
import { findingLine, publishedSafety } from '../../workspace/safety-view.js';

export const status: Command = async (cli, argv) => {
  need(parseArgs(argv, {}), 0, 'status');
  const ctx = cli.ctx();
  const d = readDaemonStatus(ctx.paths.root);
  const safety = [...publishedSafety(ctx)].filter(([, f]) => f.length).map(([skill, findings]) => ({ skill, safety: findings }));
  const s = { ...workspaceStatus(ctx), daemon: d.running ? d.state : null, skillSafety: safety };
  cli.emit(s, () => {
    const lines = [
      `workspace  ${s.workspace}`,
      `main       ${s.main ?? '(no commits yet)'}`,
      `skills     ${s.skills}`,
      `plugins    ${Object.entries(s.plugins).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`,
      `proposals  ${s.proposals.open} open, ${s.proposals.edited} edited, ${s.proposals.stale} stale`,
    ];
    for (const k of safety) lines.push(`safety     ${k.skill}: ${findingLine(k.safety[0])}${k.safety.length > 1 ? ` (+${k.safety.length - 1})` : ''}`);
    lines.push(...describeDaemon(d));
    if (s.lock) lines.push(`lock       ${s.lock}`);
    if (s.interruptedCommand) lines.push(`interrupted '${s.interruptedCommand}': the next command completes it`);
    for (const e of s.discoveryErrors) lines.push(`error      ${e.source}${e.path ? '/' + e.path : ''}: ${e.message}`);
    lines.push(...targetLines(s.targets));
    return lines.join('\n');
  });
  return 0;
};
