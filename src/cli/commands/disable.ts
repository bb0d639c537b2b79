import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { disablePlugin } from '../../workspace/disable.js';
import { dryRunContext } from '../../workspace/dry-run.js';

export const disable: Command = async (cli, a) => {
  const [id] = a.positionals;
  const dry = a.flags['dry-run'] === true;
  const ctx = dry ? dryRunContext(cli.ctx()) : cli.ctx();
  // A dry run needs no confirmation: it only says what --yes would do.
  const r = await withLock(ctx, `disable ${id}`, () => disablePlugin(ctx, id, a.flags.yes === true || dry));
  cli.emit({ ...r, ...(dry ? { dryRun: true } : {}) }, () =>
    r.status === 'already_disabled'
      ? `${id}: already disabled`
      : `${id}: ${dry ? 'would be disabled; would remove' : 'disabled; removed'} from skills/: ${r.skills.join(', ') || '(none)'}${dry ? '\ndry run: nothing was written' : ''}`,
  );
  return 0;
};
