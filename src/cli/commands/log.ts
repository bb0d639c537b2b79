import type { Command } from '../context.js';
import { versionLog } from '../../workspace/inspect.js';
import { relativeTime } from '../output.js';
import { allowanceLog } from '../../workspace/safety-view.js';

export const log: Command = async (cli, a) => {
  const [skill] = a.positionals;
  const ctx = cli.ctx();
  const entries = versionLog(ctx, skill);
  // Recorded safety decisions: who allowed which finding at which tree, and why.
  const allowed = allowanceLog(ctx, skill);
  const rows = [
    ...entries.map((e) => [e.skill, e.version, cli.tty ? relativeTime(e.date) : e.date, e.commit.slice(0, 12), e.mergeMode, e.subject]),
    ...allowed.map((x) => [x.skill, 'allowed', x.at ?? '', x.tree.slice(0, 12), x.finding, `by ${x.by ?? 'unknown'}${x.why ? `: ${x.why}` : ''}`]),
  ];
  cli.emit([...entries, ...allowed.map((x) => ({ kind: 'allowance' as const, ...x }))], () =>
    rows.length ? cli.table(['SKILL', 'VERSION', 'WHEN', 'COMMIT', 'MODE', 'SUBJECT'], rows) : skill ? `no versions of ${skill}` : 'no versions yet',
  );
  return 0;
};
