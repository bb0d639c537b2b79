import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { adoptSkill } from '../../workspace/adopt.js';

export const adopt: Command = async (cli, argv) => {
  const [id, skill] = need(parseArgs(argv, {}), 2, 'adopt <plugin> <skill>');
  const ctx = cli.ctx();
  const r = await withLock(ctx, `adopt ${id} ${skill}`, () => adoptSkill(ctx, id, skill));
  cli.emit(r, () => `${skill}: now locally managed${r.pluginStatus === 'adopted' ? `; plugin ${id} has no bound skills left and is adopted` : ''}`);
  return 0;
};
