// One plugin folder: its manifest (.claude-plugin/, .codex-plugin/ or .cursor-plugin/
// plugin.json, the first one present), or none with a skills/ folder (id = folder name),
// or a root SKILL.md (a single-skill plugin). All or nothing: a plugin with any error is
// left out and its errors are reported; the other plugins go on.
import { displayName, foldedKey, validatePluginId } from '../core/names.js';
import { compareNames } from './fs-source.js';
import { MAX_MANIFEST_BYTES, PLUGIN_MANIFESTS, joinRel, manifestFields, resolveDeclaredPath, type ManifestFields } from './manifest.js';
import type { MarketplaceEntry } from './marketplace.js';
import { Abort, PluginBuild, errorOf, readJsonCached, type Ctx } from './discover-context.js';
import { SKILL_MD, addDeclared, addSkill, scanSkillsFolder } from './skills.js';
import type { ManifestFormat, PluginManifest } from './types.js';

export interface Candidate {
  /** Plugin folder relative to the source root (already checked to be a real folder). */
  path: string;
  /** Folder name: the id of bare and single-skill plugins. */
  folderName: string;
  entry?: MarketplaceEntry;
  marketplaceFile?: string;
  /** The folder as origin names it (default: path). */
  folder?: string;
}

/** Discover one plugin folder. Returns false when the folder is not a plugin at all. */
export function discoverPlugin(ctx: Ctx, c: Candidate): boolean {
  const { source } = ctx;
  const b: PluginBuild = new PluginBuild(ctx);
  if (c.entry !== undefined) b.id = c.entry.name;
  try {
    const listing = source.list(c.path);
    if (listing === null) b.abort(c.path, 'ENOT_FOUND', `${b.label}folder ${c.path || '.'} cannot be read`);
    const types = new Map(listing.map((e) => [e.name, e.type] as const));

    // The manifest, if any.
    let manifest: ManifestFields | undefined;
    let manifestPath: string | undefined;
    let format: ManifestFormat | undefined;
    for (const m of PLUGIN_MANIFESTS) {
      const t = types.get(m.dir);
      if (t === undefined) continue;
      const dirPath = joinRel(c.path, m.dir);
      if (t === 'symlink') b.abort(dirPath, 'ESYMLINK', `${b.label}${dirPath} is a symlink; skillsync never follows links`);
      if (t !== 'dir') continue;
      const file = joinRel(dirPath, 'plugin.json');
      const json = readJsonCached(ctx, file, MAX_MANIFEST_BYTES);
      if (json === null) {
        const ft = source.stat(file);
        if (ft === null) continue; // e.g. .claude-plugin/ holding only marketplace.json
        if (ft === 'symlink') b.abort(file, 'ESYMLINK', `${b.label}${file} is a symlink; skillsync never follows links, make it a regular file`);
        b.abort(file, 'EMANIFEST', `${b.label}${file} is not a regular file`);
      }
      // Unparsable: the plugin is most likely the one named after its folder (so an enabled one shows as broken, not missing).
      if (!json.ok) {
        b.id ??= c.folderName;
        b.abort(file, json.code, `${b.label}${json.message}`);
      }
      try {
        manifest = manifestFields(json.value, file);
      } catch (err) {
        const e = errorOf(err);
        b.abort(file, e.code, `${b.label}${e.message}`);
      }
      manifestPath = file;
      format = m.format;
      break;
    }

    // Identity.
    const pluginJson = manifestPath;
    const hasSkillsDir = types.has('skills');
    const hasRootSkill = types.has(SKILL_MD);
    let id: string;
    if (c.entry !== undefined) {
      id = c.entry.name;
      format = 'marketplace';
      if (manifest !== undefined && typeof manifest.name === 'string' && manifest.name !== id) {
        b.warnings.push(`${manifestPath} names the plugin ${displayName(manifest.name)}, the marketplace entry ${displayName(id)}; the marketplace name is used`);
      }
      manifestPath = c.marketplaceFile;
    } else if (manifest !== undefined) {
      if (manifest.name === undefined) {
        id = c.folderName;
        b.warnings.push(`${manifestPath} has no "name"; the folder name ${displayName(id)} is used`);
      } else if (typeof manifest.name !== 'string') {
        b.abort(manifestPath!, 'EMANIFEST', `${manifestPath}: "name" must be a string`);
      } else {
        id = manifest.name;
      }
    } else if (hasSkillsDir) {
      id = c.folderName;
      format = 'bare';
    } else if (hasRootSkill) {
      id = c.folderName;
      format = 'single-skill';
    } else {
      return false;
    }
    try {
      validatePluginId(id);
    } catch (err) {
      b.abort(manifestPath ?? c.path, 'ENAME_UNSAFE', errorOf(err).message);
    }
    b.id = id;
    const key = foldedKey(id);
    const taken = ctx.claimed.get(key);
    if (taken !== undefined) {
      b.abort(manifestPath ?? c.path, 'EDUPLICATE_PLUGIN', `plugin id ${displayName(id)} at ${c.path || '.'} is already used by ${displayName(taken)} in ${ctx.display}; the first one wins, rename this one`);
    }
    ctx.claimed.set(key, id);

    // Skills.
    if (format === 'single-skill') {
      addSkill(b, c.path, c.folderName);
    } else {
      const strictList = c.entry !== undefined && !c.entry.strict && c.entry.skills !== undefined;
      const defaultDir = joinRel(c.path, 'skills');
      if (!strictList && hasSkillsDir) {
        const t = types.get('skills');
        if (t === 'symlink') b.fail(defaultDir, 'ESYMLINK', `${b.label}${defaultDir} is a symlink; skillsync never follows links`);
        else if (t === 'dir') scanSkillsFolder(b, defaultDir);
      }
      const declared: Array<{ path: string; what: string }> = [];
      if (manifest !== undefined && !(c.entry !== undefined && !c.entry.strict)) {
        for (const raw of manifest.skills) {
          try {
            declared.push({ path: resolveDeclaredPath(c.path, raw, 'skills path'), what: `skills path (${pluginJson})` });
          } catch (err) {
            const e = errorOf(err);
            b.fail(pluginJson!, e.code, `${b.label}${pluginJson}: ${e.message}`);
          }
        }
      }
      for (const p of c.entry?.skills ?? []) declared.push({ path: p, what: `skills path (${c.entry!.where})` });
      const seen = new Set<string>();
      for (const d of declared) {
        if (seen.has(d.path) || (d.path === defaultDir && !strictList && hasSkillsDir)) continue;
        seen.add(d.path);
        addDeclared(b, c.path, d.path, d.what);
      }
    }
    if (b.errors.length > 0) throw new Abort();
    if (b.skills.size === 0) b.warnings.push(`${b.label}no skills found`);

    const skills = [...b.skills.values()].sort((x, y) => compareNames(x.name, y.name));
    const plugin: PluginManifest = {
      id,
      version: manifest?.version ?? c.entry?.version ?? '0.0.0',
      format: format!,
      source,
      path: c.path,
      origin: { source: ctx.origin, folder: c.folder ?? c.path },
      skills,
      warnings: [...(manifest?.warnings ?? []), ...(c.entry?.warnings ?? []), ...b.warnings],
    };
    const description = manifest?.description ?? c.entry?.description;
    if (description !== undefined) plugin.description = description;
    if (manifestPath !== undefined) plugin.manifestPath = manifestPath;
    ctx.plugins.push(plugin);
    return true;
  } catch (err) {
    if (!(err instanceof Abort)) {
      const e = errorOf(err);
      b.fail(c.path, e.code, `${b.label}${e.message}`);
    }
    ctx.errors.push(...b.errors);
    return true;
  }
}
