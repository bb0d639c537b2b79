import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { versionLog } from '../../workspace/inspect.js';
import { allowanceLog } from '../../workspace/safety-view.js';

export const log: Command = async (cli, argv) => {
  const [skill] = need(parseArgs(argv, {}), 0, 'log [<skill>]', 1);
  const ctx = cli.ctx();
  const entries = versionLog(ctx, skill);
  // Recorded safety decisions: who allowed which finding at which tree, and why.
  const allowed = allowanceLog(ctx, skill);
  const allowLines = allowed.map((a) => `${a.skill} allowed  ${(a.at ?? '').slice(0, 19).replace('T', ' ')}  ${a.finding} at tree ${a.tree.slice(0, 12)} by ${a.by ?? 'unknown'}${a.why ? `: ${a.why}` : ''}`);
  cli.emit([...entries, ...allowed.map((a) => ({ kind: 'allowance' as const, ...a }))], () =>
    entries.length || allowLines.length
      ? [...entries.map((e) => `${e.skill} ${e.version}  ${e.date.slice(0, 19).replace('T', ' ')}  ${e.commit.slice(0, 12)}  ${e.mergeMode}  ${e.subject}`), ...allowLines].join('\n')
      : skill ? `no versions of ${skill}` : 'no versions yet',
  );
  return 0;
};
