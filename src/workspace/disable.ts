// disable --yes: the plugin's skills leave skills/ in one commit; bindings are kept
// (status disabled) so enabling again restores each skill's last version.
import { SkillsyncError } from '../core/errors.js';
import type { Ctx } from './context.js';
import { mutate } from './mutate.js';
import { dropProposalIfUntouched } from './proposals.js';
import { bindingsOf, requirePluginRecord } from './queries.js';

export interface DisableResult {
  plugin: string;
  status: 'disabled' | 'already_disabled';
  skills: string[];
}

export function disablePlugin(ctx: Ctx, id: string, confirmed: boolean): DisableResult {
  if (!confirmed) {
    throw new SkillsyncError('ECONFIRM', `disabling ${id} removes its skills from the workspace (their history stays in git); run again with --yes to confirm — nothing was changed`, { plugin: id });
  }
  return mutate(ctx, `disable ${id}`, (state, txn) => {
    requirePluginRecord(state, id);
    const rec = state.plugins.get(id)!;
    const skills = bindingsOf(state, id);
    if (!rec.enabled && skills.every((b) => b.status === 'disabled')) return { plugin: id, status: 'already_disabled' as const, skills: [] };
    for (const b of skills) {
      txn.setSkill(b.skill, null);
      txn.setBinding(b.skill, { ...b, status: 'disabled' });
      dropProposalIfUntouched(txn, id, b.skill);
    }
    txn.setPlugin({ ...rec, enabled: false, paused: true });
    txn.commit(`disable plugin ${id}`, skills.length ? `Skills removed from skills/: ${skills.map((b) => b.skill).join(', ')}` : '', [
      ['Plugin', id],
      ['Workspace-Change', 'disable'],
    ]);
    return { plugin: id, status: 'disabled' as const, skills: skills.map((b) => b.skill) };
  });
}
