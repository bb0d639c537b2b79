// Read-only questions several commands ask of main's state: who owns a skill name,
// which names collide by case, what a proposal id means. Commands import these from
// here, never from each other.
import { SkillsyncError } from '../core/errors.js';
import { foldedKey } from '../core/names.js';
import type { MainState } from './state.js';

/** Every skill name in the workspace by its case-folded key. */
export function caseIndex(state: MainState): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of [...state.skills.keys(), ...state.bindings.keys()]) out.set(foldedKey(n), n);
  return out;
}

export type OwnershipConflict =
  | { reason: 'case_twin'; existing: string; message: string }
  | { reason: 'other_plugin'; owner: string; message: string }
  | { reason: 'local_skill'; message: string };

/**
 * The ownership rule: plugin `plugin` may publish skill `skill` unless the name (or a
 * case-only twin of it) already belongs to another plugin or to a locally managed skill.
 */
export function ownershipConflict(state: MainState, plugin: string, skill: string, folded: Map<string, string> = caseIndex(state)): OwnershipConflict | null {
  const twin = folded.get(foldedKey(skill));
  if (twin && twin !== skill) {
    return { reason: 'case_twin', existing: twin, message: `'${skill}' differs only by case from '${twin}' in the workspace; the two would collide on case-insensitive file systems` };
  }
  const b = state.bindings.get(skill);
  if (b && b.plugin !== plugin) return { reason: 'other_plugin', owner: b.plugin, message: `skill '${skill}' is bound to plugin ${b.plugin}` };
  if (!b && state.skills.has(skill)) return { reason: 'local_skill', message: `a locally managed skill '${skill}' already exists` };
  return null;
}

/** The error for a conflict that stops a command (enable, publish). */
export function ownershipError(plugin: string | null, skill: string, c: OwnershipConflict): SkillsyncError {
  const who = plugin ? `skill '${skill}' of plugin ${plugin}` : `skill '${skill}'`;
  const detail =
    c.reason === 'case_twin'
      ? `${who} differs only by case from '${c.existing}' already in the workspace; the two would collide on case-insensitive file systems`
      : `${who} already exists in the workspace as ${c.reason === 'other_plugin' ? `plugin ${c.owner}` : 'a locally managed skill'}`;
  const fix = c.reason === 'case_twin' ? 'nothing was changed' : 'nothing was changed — adopt or remove that skill first';
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
