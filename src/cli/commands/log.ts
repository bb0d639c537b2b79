import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { versionLog } from '../../workspace/inspect.js';

export const log: Command = async (cli, argv) => {
  const [skill] = need(parseArgs(argv, {}), 0, 'log [<skill>]', 1);
  const entries = versionLog(cli.ctx(), skill);
  cli.emit(entries, () =>
    entries.length
      ? entries.map((e) => `${e.skill} ${e.version}  ${e.date.slice(0, 19).replace('T', ' ')}  ${e.commit.slice(0, 12)}  ${e.mergeMode}  ${e.subject}`).join('\n')
      : skill ? `no versions of ${skill}` : 'no versions yet',
  );
  return 0;
};
