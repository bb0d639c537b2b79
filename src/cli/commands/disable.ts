import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { disablePlugin } from '../../workspace/disable.js';

export const disable: Command = async (cli, argv) => {
  const p = parseArgs(argv, { yes: { alias: 'y' } });
  const [id] = need(p, 1, 'disable <plugin> --yes');
  const ctx = cli.ctx();
  const r = await withLock(ctx, `disable ${id}`, () => disablePlugin(ctx, id, p.flags.yes === true));
  cli.emit(r, () => (r.status === 'already_disabled' ? `${id}: already disabled` : `${id}: disabled; removed from skills/: ${r.skills.join(', ') || '(none)'}`));
  return 0;
};
