import type { Command } from '../context.js';
import { openProposal, proposalDiff } from '../../workspace/proposal-diff.js';
import { renderPatch, renderStat } from '../diff-render.js';

export const diff: Command = async (cli, a) => {
  const ctx = cli.ctx();
  const p = openProposal(ctx, a.positionals[0]);
  const d = proposalDiff(ctx, p);
  const stat = a.flags.stat === true;
  const color = cli.tty && a.flags['no-color'] !== true && !process.env.NO_COLOR;
  const files = stat ? d.files.map(({ hunks: _h, ...f }) => f) : d.files;
  cli.emit({ id: p.id, branch: p.branch, base: d.base, tip: d.tip, files }, () => (stat ? renderStat(d.files, color) : renderPatch(d.files, color)));
  return 0;
};
