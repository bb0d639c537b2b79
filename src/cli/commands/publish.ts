import { parseArgs, need, str } from '../args.js';
import type { Command } from '../context.js';
import { UsageError } from '../../core/errors.js';
import { withLock } from '../../workspace/mutate.js';
import { publishSkill, rollbackSkill, type PublishResult } from '../../workspace/publish.js';

function show(r: PublishResult): string {
  return r.status === 'unchanged' ? `${r.skill}: unchanged, nothing published` : `${r.skill}: published ${r.version}${r.safety && r.safety !== 'none' ? `  safety: ${r.safety}` : ''}`;
}

export const publish: Command = async (cli, argv) => {
  const p = parseArgs(argv, { from: { value: true }, message: { value: true, alias: 'm' } });
  const [skill] = need(p, 1, 'publish <skill> --from <dir> [-m <message>]');
  const from = str(p, 'from');
  if (!from) throw new UsageError('usage: skillsync publish <skill> --from <dir> [-m <message>]');
  const ctx = cli.ctx(true);
  const r = await withLock(ctx, `publish ${skill}`, () => publishSkill(ctx, skill, from, str(p, 'message')));
  cli.emit(r, () => show(r));
  return 0;
};

export const rollback: Command = async (cli, argv) => {
  const [skill, version] = need(parseArgs(argv, {}), 2, 'rollback <skill> <version>');
  const ctx = cli.ctx();
  const r = await withLock(ctx, `rollback ${skill} ${version}`, () => rollbackSkill(ctx, skill, version));
  cli.emit(r, () => show(r));
  return 0;
};
