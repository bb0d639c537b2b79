import type { Command } from '../context.js';
import { toSkillsyncError } from '../../core/errors.js';
import { acceptProposal } from '../../workspace/accept.js';
import { dryRunContext } from '../../workspace/dry-run.js';
import { filesWithConflictMarkers, skillTreeAt } from '../../workspace/proposals.js';
import { openProposal, proposalDiff } from '../../workspace/proposal-diff.js';
import { describeFinding, safetyOf } from '../../workspace/skill-files.js';
import { renderStat } from '../diff-render.js';
import { quotePath } from '../../core/trailers.js';

export const show: Command = async (cli, a) => {
  const ctx = cli.ctx();
  const p = openProposal(ctx, a.positionals[0]);
  const merged = skillTreeAt(ctx, p.tip, p.skill);
  // Conflicts as the branch tip has them now (a person may have resolved them there).
  const markers = merged ? filesWithConflictMarkers(ctx, merged) : [];
  const other = p.edited ? [] : p.conflicts.filter((c) => p.conflictKinds[c] && p.conflictKinds[c] !== 'content' && !markers.includes(c));
  const conflicts = [...markers, ...other].sort();
  const safety = merged ? safetyOf(ctx, merged).findings : [];
  let accept: { ok: boolean; version: string | null; fastForward: boolean | null; publishes: string | null; refused: { code: string; message: string } | null };
  try {
    const dry = dryRunContext(ctx);
    const r = acceptProposal(dry, p.id);
    accept = { ok: true, version: r.version, fastForward: r.fastForward, publishes: merged, refused: null };
  } catch (err) {
    const e = toSkillsyncError(err);
    accept = { ok: false, version: null, fastForward: null, publishes: null, refused: { code: e.code, message: e.message } };
  }
  const d = proposalDiff(ctx, p);
  const files = d.files.map(({ hunks: _h, ...f }) => f);
  const view = {
    id: p.id,
    plugin: p.plugin,
    skill: p.skill,
    branch: p.branch,
    status: p.status,
    mergeMode: p.mergeMode,
    baseTree: p.baseTree,
    localTree: p.localTree,
    upstreamTree: p.upstreamTree,
    mergedTree: merged,
    commit: p.tip,
    mergeBase: d.base,
    conflicts,
    safety,
    accept,
    files,
  };
  cli.emit(view, () => {
    const t = (x: string | null) => x ?? '(none)';
    const lines = [
      `proposal   ${p.id}  (${p.status})`,
      `branch     ${p.branch}  ${p.tip.slice(0, 12)}`,
      `mode       ${p.mergeMode}`,
      `base       ${t(p.baseTree)}  the upstream tree last accepted`,
      `local      ${t(p.localTree)}  skills/${p.skill} on main when proposed`,
      `upstream   ${t(p.upstreamTree)}  what the plugin has now`,
      `merged     ${t(merged)}  skills/${p.skill} on the branch`,
      `conflicts  ${conflicts.map(quotePath).join(', ') || 'none'}`,
      `safety     ${safety.length ? '' : 'no findings'}`,
      ...safety.map((f) => `  ${f.severity} ${describeFinding(f)}`),
      accept.ok
        ? `accept     ${merged ? `publishes ${p.skill} ${accept.version ?? '(no new version: same tree)'}` : `removes ${p.skill}`} (${accept.fastForward ? 'fast-forward' : 'merge commit'})`
        : `accept     refused now: ${accept.refused!.message}`,
      '',
      renderStat(d.files, cli.tty && !process.env.NO_COLOR),
    ];
    return lines.join('\n').trimEnd();
  });
  return 0;
};
