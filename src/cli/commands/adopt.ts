import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { adoptSkill } from '../../workspace/adopt.js';
import { readMainState } from '../../workspace/state.js';
import { unadoptSkill } from '../../workspace/undo.js';

export const unadopt: Command = async (cli, a) => {
  const [id, skill] = a.positionals;
  const ctx = cli.ctx();
  const r = await withLock(ctx, `unadopt ${id} ${skill}`, () => unadoptSkill(ctx, id, skill));
  cli.emit(r, () => `${skill}: bound to plugin ${id} again${r.status === 'disabled' ? ' (not published: enable the plugin to bring it back)' : ''}; the next sync proposes upstream changes`);
  return 0;
};

export const adopt: Command = async (cli, a) => {
  if (a.flags.undo) return unadopt(cli, a);
  const [id, skill] = a.positionals;
  const ctx = cli.ctx();
  // Adopting twice is not an error, and not "not bound" either: say what it is.
  if (readMainState(ctx).plugins.get(id)?.adoptedSkills.includes(skill)) {
    cli.emit({ plugin: id, skill, status: 'already_adopted' }, () => `${skill}: already adopted from plugin ${id} (undo: skillsync unadopt ${id} ${skill})`);
    return 0;
  }
  const r = await withLock(ctx, `adopt ${id} ${skill}`, () => adoptSkill(ctx, id, skill));
  cli.emit({ ...r, status: 'adopted' }, () => `${skill}: now locally managed${r.pluginStatus === 'adopted' ? `; plugin ${id} has no bound skills left and is adopted` : ''} (undo: skillsync unadopt ${id} ${skill})`);
  return 0;
};
