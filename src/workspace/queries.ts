// Read-only questions several commands ask of main's state: who owns a skill name,
// which names collide by case, what a proposal id means. Commands import these from
// here, never from each other.
import { SkillsyncError } from '../core/errors.js';
import type { OwnershipConflict } from '../core/plan/ownership.js';
import type { MainState } from './state.js';

export { bindingsOf, caseIndex, ownershipConflict, type OwnershipConflict } from '../core/plan/ownership.js';

/** The error for a conflict that stops a command (enable, publish). */
export function ownershipError(plugin: string | null, skill: string, c: OwnershipConflict): SkillsyncError {
  const who = plugin ? `skill '${skill}' of plugin ${plugin}` : `skill '${skill}'`;
  const detail =
    c.reason === 'case_twin'
      ? `${who} differs only by case from '${c.existing}' already in the workspace; the two would collide on case-insensitive file systems`
      : `${who} already exists in the workspace as ${c.reason === 'other_plugin' ? `plugin ${c.owner}` : 'a locally managed skill'}`;
  const rename = plugin ? `give this one another name (skillsync enable ${plugin} --name ${skill}=${plugin}-${skill}, or names: { ${plugin}/${skill}: ${plugin}-${skill} } in the config), or ` : '';
  const fix = c.reason === 'case_twin' ? 'nothing was changed' : `nothing was changed — ${rename}adopt or remove that skill first`;
  return new SkillsyncError('EOWNERSHIP', `${detail}; ${fix}`, {
    plugin,
    skill,
    owner: c.reason === 'other_plugin' ? c.owner : null,
    ...(c.reason === 'case_twin' ? { existing: c.existing } : {}),
  });
}

export function parseProposalId(id: string): { plugin: string; skill: string } {
  const parts = id.replace(/^proposals\//, '').split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new SkillsyncError('EPROPOSAL_ID', `'${id}' is not a proposal id; use <plugin>/<skill> as listed by 'skillsync proposals'`, { id });
  }
  return { plugin: parts[0], skill: parts[1] };
}

export function requirePluginRecord(state: Pick<MainState, 'plugins'>, id: string): void {
  if (!state.plugins.has(id)) {
    throw new SkillsyncError('ENOT_ENABLED', `plugin ${id} has never been enabled in this workspace; see 'skillsync plugins'`, { plugin: id });
  }
}
