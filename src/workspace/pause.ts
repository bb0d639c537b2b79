// pause / resume: stop and restart taking updates for a plugin (a flag on main).
import { SkillsyncError } from '../core/errors.js';
import type { Ctx } from './context.js';
import { mutate } from './mutate.js';
import { requirePluginRecord } from './queries.js';

export function setPaused(ctx: Ctx, id: string, paused: boolean): { plugin: string; paused: boolean; changed: boolean } {
  return mutate(ctx, `${paused ? 'pause' : 'resume'} ${id}`, (state, txn) => {
    requirePluginRecord(state, id);
    const rec = state.plugins.get(id)!;
    if (!rec.enabled) {
      throw new SkillsyncError('ENOT_ENABLED', `plugin ${id} is ${rec.adopted ? 'adopted' : 'disabled'}; enable it first`, { plugin: id });
    }
    if (rec.paused === paused) return { plugin: id, paused, changed: false };
    txn.setPlugin({ ...rec, paused });
    txn.commit(`${paused ? 'pause' : 'resume'} updates of plugin ${id}`, '', [['Plugin', id], ['Workspace-Change', paused ? 'pause' : 'resume']]);
    return { plugin: id, paused, changed: true };
  });
}
