// What a fetch changed, in the terms a person cares about: which plugins' skill trees
// moved. Trees of git-backed plugins are compared by oid (no file is read), so a poll
// that brought nothing new for a plugin never triggers its sync.
import type { GitSourceTree } from '../plugins/git-source.js';
import type { DiscoveryResult } from '../plugins/types.js';

export type SkillTrees = Map<string, Map<string, string>>;

export interface PluginChange {
  plugin: string;
  skills: Array<{ name: string; change: 'added' | 'removed' | 'changed' }>;
}

/** plugin -> skill -> tree oid, for the plugins read from git (local or cached remote). */
export function skillTrees(d: DiscoveryResult): SkillTrees {
  const out: SkillTrees = new Map();
  for (const p of d.plugins) {
    const src = p.source as Partial<GitSourceTree>;
    if (typeof src.entry !== 'function') continue;
    const m = new Map<string, string>();
    for (const s of p.skills) m.set(s.name, src.entry(s.path)?.oid ?? '');
    out.set(p.id, m);
  }
  return out;
}

export function changedPlugins(before: SkillTrees, after: SkillTrees): PluginChange[] {
  const out: PluginChange[] = [];
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(id) ?? new Map<string, string>();
    const b = after.get(id) ?? new Map<string, string>();
    const skills: PluginChange['skills'] = [];
    for (const [name, oid] of b) if (!a.has(name)) skills.push({ name, change: 'added' });
    else if (a.get(name) !== oid) skills.push({ name, change: 'changed' });
    for (const name of a.keys()) if (!b.has(name)) skills.push({ name, change: 'removed' });
    if (skills.length || before.has(id) !== after.has(id)) out.push({ plugin: id, skills });
  }
  return out.sort((x, y) => (x.plugin < y.plugin ? -1 : 1));
}
