import type { Command } from '../context.js';
import { workspaceStatus } from '../../workspace/inspect.js';
import { describeDaemon, readDaemonStatus } from '../../daemon/state-file.js';
import { targetLines } from '../../targets/status-lines.js';
import { remoteStatuses, unreachableLine } from '../../remote/status.js';
import { findingLine, publishedSafety } from '../../workspace/safety-view.js';

const counts = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';

export const status: Command = async (cli) => {
  const exists = cli.hasWorkspace();
  const view = cli.view();
  // The highest finding of each published skill (all of them in --json).
  const skillSafety = exists ? [...publishedSafety(view)].filter(([, f]) => f.length).map(([skill, safety]) => ({ skill, safety })) : [];
  const s = { ...workspaceStatus(view), exists, skillSafety, remotes: remoteStatuses(view.config, view.paths.cache) };
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
    for (const k of skillSafety) lines.push(`safety     ${k.skill}: ${findingLine(k.safety[0])}${k.safety.length > 1 ? ` (+${k.safety.length - 1})` : ''}`);
    lines.push(...describeDaemon(d));
    if (s.lock) lines.push(`lock       ${s.lock}`);
    if (s.interruptedCommand) lines.push(`interrupted '${s.interruptedCommand}': the next command completes it`);
    for (const r of s.remotes) lines.push(r.status === 'unreachable' ? `remote     ${unreachableLine(r)}` : `remote     ${r.url}  ${r.status === 'ok' ? `fetched ${r.lastGoodFetch}` : "not fetched yet (run 'skillsync fetch')"}`);
    for (const e of s.discoveryErrors) lines.push(`error      ${e.source}${e.path ? '/' + e.path : ''}: ${e.message} [${e.code}]`);
    for (const a of s.attention) lines.push(`attention  ${a}`);
    lines.push(...targetLines(s.targets));
    return lines.join('\n');
  });
  return s.attention.length ? 3 : 0;
};
