import type { Command } from '../context.js';
import { UsageError } from '../../core/errors.js';
import { withLock } from '../../workspace/mutate.js';
import { publishSkill, rollbackSkill, type PublishResult } from '../../workspace/publish.js';
import { checkPublishInput, checkPublishTarget } from '../../workspace/publish-guard.js';
import { readMainState } from '../../workspace/state.js';
import { safetyList, safetyText } from '../safety-view.js';

function show(r: PublishResult): string {
  return r.status === 'unchanged' ? `${r.skill}: unchanged, nothing published` : `${r.skill}: published ${r.version}${safetyText(r.safety) ? `  safety: ${r.safety}` : ''}`;
}

const json = (r: PublishResult) => ({ ...r, safety: safetyList(r.safety) });

export const publish: Command = async (cli, a) => {
  const [skill] = a.positionals;
  const from = a.flags.from;
  if (typeof from !== 'string') throw new UsageError('usage: skillsync publish <skill> --from <dir> [-m <message>] [--new] [--force] (--from is required)');
  const intent = { skill, from, isNew: a.flags.new === true, force: a.flags.force === true };
  checkPublishInput(intent);
  const ctx = cli.ctx(intent.isNew);
  const r = await withLock(ctx, `publish ${skill}`, () => {
    checkPublishTarget(readMainState(ctx), intent);
    return publishSkill(ctx, skill, from, a.flags.message as string | undefined);
  });
  cli.emit(json(r), () => show(r));
  return 0;
};

export const rollback: Command = async (cli, a) => {
  const [skill, version] = a.positionals;
  const ctx = cli.ctx();
  const r = await withLock(ctx, `rollback ${skill} ${version}`, () => rollbackSkill(ctx, skill, version));
  cli.emit(json(r), () => show(r));
  return 0;
};
