// adopt: the skill becomes locally managed; its binding is dropped and the plugin
// never proposes it again. With no bound skill left the plugin is adopted (disabled).
import { SkillsyncError } from '../core/errors.js';
import type { Ctx } from './context.js';
import { mutate } from './mutate.js';
import { bindingsOf, requirePluginRecord } from './queries.js';
import { dropProposalIfUntouched } from './proposals.js';

export function adoptSkill(ctx: Ctx, id: string, skill: string): { plugin: string; skill: string; pluginStatus: 'adopted' | 'unchanged' } {
  return mutate(ctx, `adopt ${id} ${skill}`, (state, txn) => {
    requirePluginRecord(state, id);
    const b = state.bindings.get(skill);
    if (!b || b.plugin !== id) {
      throw new SkillsyncError('ENOT_BOUND', `skill '${skill}' is not bound to plugin ${id}; see 'skillsync plugins'`, { plugin: id, skill });
    }
    const rec = state.plugins.get(id)!;
    txn.setBinding(skill, null);
    dropProposalIfUntouched(txn, id, skill);
    const remaining = bindingsOf(state, id).filter((x) => x.skill !== skill);
    const adoptedSkills = [...new Set([...rec.adoptedSkills, skill])].sort();
    const allAdopted = remaining.length === 0;
    txn.setPlugin({ ...rec, adoptedSkills, ...(allAdopted ? { adopted: true, enabled: false } : {}) });
    txn.commit(`${skill}: adopted from plugin ${id}, now locally managed`, state.skills.has(skill) ? '' : 'The skill is not published at the moment (its plugin was disabled).', [
      ['Skill', skill],
      ['Plugin', id],
      ['Lineage', `adopted_from_plugin:${id}`],
      ['Workspace-Change', 'adopt'],
    ]);
    return { plugin: id, skill, pluginStatus: allAdopted ? ('adopted' as const) : ('unchanged' as const) };
  });
}
