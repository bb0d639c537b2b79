import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { removeSkill } from '../../workspace/remove.js';

export const remove: Command = async (cli, a) => {
  const [skill] = a.positionals;
  const ctx = cli.ctx();
  const r = await withLock(ctx, `remove ${skill}`, () => removeSkill(ctx, skill, a.flags.yes === true));
  cli.emit({ ...r, status: 'removed' }, () => `${skill}: removed from skills/ (its versions stay: skillsync log ${skill})`);
  return 0;
};
