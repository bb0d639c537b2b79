import type { Command } from '../context.js';
import { versionLog } from '../../workspace/inspect.js';
import { relativeTime } from '../output.js';

export const log: Command = async (cli, a) => {
  const [skill] = a.positionals;
  const entries = versionLog(cli.ctx(), skill);
  cli.emit(entries, () =>
    entries.length
      ? cli.table(
          ['SKILL', 'VERSION', 'WHEN', 'COMMIT', 'MODE', 'SUBJECT'],
          entries.map((e) => [e.skill, e.version, cli.tty ? relativeTime(e.date) : e.date, e.commit.slice(0, 12), e.mergeMode, e.subject]),
        )
      : skill ? `no versions of ${skill}` : 'no versions yet',
  );
  return 0;
};
