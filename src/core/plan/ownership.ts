// The ownership rule, pure: a plugin may publish a skill name unless the name (or a
// case-only twin of it) belongs to another plugin or to a locally managed skill.
import { foldedKey } from '../names.js';

/** What the rule needs of main's state. */
export interface OwnershipState {
  /** skill name → published tree */
  skills: ReadonlyMap<string, string>;
  /** skill name → binding (its plugin) */
  bindings: ReadonlyMap<string, { plugin: string }>;
}

/** Every skill name in the workspace by its case-folded key. */
export function caseIndex(state: OwnershipState): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of [...state.skills.keys(), ...state.bindings.keys()]) out.set(foldedKey(n), n);
  return out;
}

export type OwnershipConflict =
  | { reason: 'case_twin'; existing: string; message: string }
  | { reason: 'other_plugin'; owner: string; message: string }
  | { reason: 'local_skill'; message: string };

export function ownershipConflict(state: OwnershipState, plugin: string, skill: string, folded: Map<string, string> = caseIndex(state)): OwnershipConflict | null {
  const twin = folded.get(foldedKey(skill));
  if (twin && twin !== skill) {
    return { reason: 'case_twin', existing: twin, message: `'${skill}' differs only by case from '${twin}' in the workspace; the two would collide on case-insensitive file systems` };
  }
  const b = state.bindings.get(skill);
  if (b && b.plugin !== plugin) return { reason: 'other_plugin', owner: b.plugin, message: `skill '${skill}' is bound to plugin ${b.plugin}` };
  if (!b && state.skills.has(skill)) return { reason: 'local_skill', message: `a locally managed skill '${skill}' already exists` };
  return null;
}
