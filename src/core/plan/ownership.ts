// The ownership rule, pure: a plugin may publish a skill name unless the name (or a
// case-only twin of it) belongs to another plugin or to a locally managed skill.
import { foldedKey } from '../names.js';

/** What the rule needs of main's state. */
export interface OwnershipState {
  /** skill name → published tree */
  skills: ReadonlyMap<string, string>;
  /** skill name → binding (its plugin) */
  bindings: ReadonlyMap<string, { plugin: string }>;
  /** These maps' case index, when the state keeps one (main's state does: one per commit). */
  caseIndex?: ReadonlyMap<string, string>;
}

/** Every skill name in the workspace by its case-folded key; kept by the state when it has one, so 200 plugins share one. */
export function caseIndex(state: OwnershipState): ReadonlyMap<string, string> {
  return state.caseIndex ?? buildCaseIndex(state);
}

export function buildCaseIndex(state: Pick<OwnershipState, 'skills' | 'bindings'>): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of state.skills.keys()) out.set(foldedKey(n), n);
  for (const n of state.bindings.keys()) out.set(foldedKey(n), n);
  return out;
}

/** What a per-plugin lookup needs: the bindings, and their index by plugin when the state keeps one. */
export interface BindingsState<B extends { plugin: string }> {
  bindings: ReadonlyMap<string, B>;
  byPlugin?: ReadonlyMap<string, readonly B[]>;
}

/** One plugin's bindings in the order of `bindings`; from the state's index when it keeps one (a scan per plugin is quadratic: 2,000 plugins x 100,000 bindings). */
export function bindingsOf<B extends { plugin: string }>(state: BindingsState<B>, plugin: string): readonly B[] {
  if (state.byPlugin) return state.byPlugin.get(plugin) ?? [];
  return [...state.bindings.values()].filter((b) => b.plugin === plugin);
}

export function buildPluginIndex<B extends { plugin: string }>(bindings: ReadonlyMap<string, B>): Map<string, B[]> {
  const out = new Map<string, B[]>();
  for (const b of bindings.values()) {
    const list = out.get(b.plugin);
    if (list) list.push(b);
    else out.set(b.plugin, [b]);
  }
  return out;
}

export type OwnershipConflict =
  | { reason: 'case_twin'; existing: string; message: string }
  | { reason: 'other_plugin'; owner: string; message: string }
  | { reason: 'local_skill'; message: string };

export function ownershipConflict(state: OwnershipState, plugin: string, skill: string, folded: ReadonlyMap<string, string> = caseIndex(state)): OwnershipConflict | null {
  const twin = folded.get(foldedKey(skill));
  if (twin && twin !== skill) {
    return { reason: 'case_twin', existing: twin, message: `'${skill}' differs only by case from '${twin}' in the workspace; the two would collide on case-insensitive file systems` };
  }
  const b = state.bindings.get(skill);
  if (b && b.plugin !== plugin) return { reason: 'other_plugin', owner: b.plugin, message: `skill '${skill}' is bound to plugin ${b.plugin}` };
  if (!b && state.skills.has(skill)) return { reason: 'local_skill', message: `a locally managed skill '${skill}' already exists` };
  return null;
}
