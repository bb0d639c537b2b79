// remove <skill> --yes: retire a locally managed skill. It leaves skills/ in one commit
// (its versions stay in git); a skill a plugin owns is disabled or adopted instead.
import { SkillsyncError } from '../core/errors.js';
import type { Ctx } from './context.js';
import { mutate } from './mutate.js';

export function removeSkill(ctx: Ctx, skill: string, confirmed: boolean): { skill: string; tree: string } {
  return mutate(ctx, `remove ${skill}`, (state, txn) => {
    const tree = state.skills.get(skill);
    if (!tree) throw new SkillsyncError('ENO_SKILL', `there is no published skill '${skill}'; see 'skillsync status'`, { skill });
    const b = state.bindings.get(skill);
    if (b) {
      throw new SkillsyncError('EOWNED', `skill '${skill}' belongs to plugin ${b.plugin}; 'skillsync adopt ${b.plugin} ${skill}' first, or disable the plugin`, { skill, plugin: b.plugin });
    }
    if (!confirmed) throw new SkillsyncError('ECONFIRM', `removing '${skill}' takes it out of skills/ (its history stays in git); run again with --yes to confirm — nothing was changed`, { skill });
    txn.setSkill(skill, null);
    txn.commit(`${skill}: removed`, 'Retired locally; its versions stay in git.', [['Skill', skill], ['Local-Tree', tree], ['Workspace-Change', 'remove']]);
    return { skill, tree };
  });
}
