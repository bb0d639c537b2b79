// Workspace names for skills whose upstream folder name is taken by another plugin.
// Discovery names a skill after its folder; this renames it for the workspace (skills/,
// bindings, refs, targets) while its path, and so its bytes, stay the upstream ones.
// Chosen by `names:` in the config, by `enable --name`, and kept by the binding.
import { basename } from 'node:path';
import { foldedKey } from '../core/names.js';
import type { PluginManifest, SkillDecl } from '../plugins/types.js';

/** The workspace name for a skill, or undefined to keep its folder name. */
export type NameLookup = (plugin: string, skill: SkillDecl) => string | undefined;

function frontMatterNote(upstream: string, name: string): string {
  return `workspace name '${name}' differs from the upstream folder '${upstream}' (its SKILL.md keeps name: ${upstream}); agents may list it as '${upstream}': to change that, edit name: in a copy-mode target`;
}

/** Rename skills as `lookup` says; a rename that would collide inside the plugin is refused with a warning. Pure. */
export function mapSkillNames(plugins: PluginManifest[], lookup: NameLookup): PluginManifest[] {
  return plugins.map((m) => {
    const wanted = new Map<SkillDecl, string>();
    for (const s of m.skills) {
      const n = lookup(m.id, s);
      if (n !== undefined && n !== s.name) wanted.set(s, n);
    }
    if (!wanted.size) return m;
    const used = new Map<string, number>();
    for (const s of m.skills) {
      const k = foldedKey(wanted.get(s) ?? s.name);
      used.set(k, (used.get(k) ?? 0) + 1);
    }
    const warnings = [...m.warnings];
    const skills = m.skills.map((s) => {
      const n = wanted.get(s);
      if (n === undefined) return s;
      if ((used.get(foldedKey(n)) ?? 0) > 1) {
        warnings.push(`skill ${s.name} is not renamed to '${n}': another skill of ${m.id} has that name`);
        return s;
      }
      return { ...s, name: n, warnings: [...s.warnings, frontMatterNote(s.name, n)] };
    });
    return { ...m, skills, warnings };
  });
}

export interface NameSources {
  /** `names:` of the config: `<plugin>/<upstream folder>` → name. */
  config: Record<string, string>;
  /** `enable --name` for this command: plugin → upstream folder → name. */
  overrides: Record<string, Record<string, string>>;
  /** Names kept by bindings: `<plugin>\0<skill path>` → workspace name. */
  bound: Map<string, string>;
}

export function lookupFrom(src: NameSources): NameLookup {
  return (plugin, s) => src.overrides[plugin]?.[s.name] ?? src.config[`${plugin}/${s.name}`] ?? src.bound.get(`${plugin}\0${s.path}`);
}

/** The upstream folder name of a binding's path (what `names:` keys use). */
export function upstreamFolder(path: string): string {
  return basename(path);
}
