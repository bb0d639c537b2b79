// Plugin discovery: what a configured source root holds (DESIGN.md "Plugin sources").
//
// A root (and, one level down, each subfolder of a "directory of plugins") is:
// 1. a marketplace: `.claude-plugin/marketplace.json` (or `.agents/plugins/` or
//    `.cursor-plugin/`): each local entry is a plugin (see marketplace.ts);
// 2. a plugin: `.claude-plugin/plugin.json`, `.codex-plugin/plugin.json` or
//    `.cursor-plugin/plugin.json` (first one wins; see manifest.ts), or no manifest
//    but a `skills/` folder (id = folder name), or a root `SKILL.md` (a single-skill
//    plugin: the folder is the skill, both named after the folder);
// 3. otherwise a directory of plugins: every non-hidden subfolder is checked as 1 or
//    2 (one level only); subfolders that are neither are skipped silently.
//
// Skills of a plugin: the subfolders of `skills/` that contain SKILL.md, plus the
// paths its manifest declares (each a skill folder or a folder of skill folders).
// A marketplace entry with "strict": false and a "skills" list is exactly that list.
//
// Reads only directory listings, manifests and the first 132 KiB of each SKILL.md
// (its front matter); never whole trees. Never follows a symlink: a symlinked
// manifest, skills folder, skill folder or SKILL.md is an ESYMLINK error.
//
// Errors never hide other plugins: everything wrong with one plugin becomes
// DiscoveryErrors for it and the plugin is left out (all or nothing); the rest go on.
// Codes: ESOURCE_MISSING, EMANIFEST_JSON, EMANIFEST_TOO_LARGE, EMANIFEST, ENAME_UNSAFE,
// ESYMLINK, EPATH_ESCAPE, ENOT_FOUND, ESKILL_MISSING, ESKILL_COLLISION,
// EDUPLICATE_PLUGIN, EREMOTE_SOURCE, EFRONTMATTER_LANG, EFRONTMATTER_LIMIT, and the
// code of any SkillsyncError a source throws (e.g. EACCES).
import { basename, dirname } from 'node:path';
import { isSkillsyncError } from '../core/errors.js';
import { FRONTMATTER_DEFAULTS, parseFrontmatter } from '../core/frontmatter.js';
import { displayName, foldedKey, skillNameWarnings, validatePluginId, validateSkillName } from '../core/names.js';
import { compareNames, hasFileKey, hasReadPrefix, type FileKeyed } from './fs-source.js';
import { MAX_MANIFEST_BYTES, MAX_MARKETPLACE_BYTES, PLUGIN_MANIFESTS, joinRel, manifestFields, readJson, resolveDeclaredPath, type JsonRead, type ManifestFields } from './manifest.js';
import { MARKETPLACE_FILES, parseMarketplace, type MarketplaceEntry } from './marketplace.js';
import type { DiscoveryError, DiscoveryResult, ManifestFormat, PluginManifest, SkillDecl, SourceEntry, SourceTree } from './types.js';

export interface DiscoverOptions {
  /**
   * Name of the source root, used as the plugin id when the root itself is a bare or
   * single-skill plugin. Default: the folder name of an 'fs' root; for a 'git' root
   * the last folder of its sub-path, else the repository name without '.git'.
   */
  rootName?: string;
}

/** How much of a SKILL.md is read: the front matter limit plus room for the fences. */
const SKILL_MD_READ_BYTES = FRONTMATTER_DEFAULTS.maxBytes + 4096;
const SKILL_MD = 'SKILL.md';

interface Ctx {
  source: SourceTree;
  display: string;
  rootName: string;
  errors: DiscoveryError[];
  plugins: PluginManifest[];
  /** Plugin ids taken in this source (folded key -> id), also by plugins that failed later. */
  claimed: Map<string, string>;
  /** SKILL.md findings and parsed manifests of this source, when it can tell unchanged files (fileKey). */
  mdCache?: Map<string, { key: string; name: string; findings: MdFindings }>;
  jsonCache?: Map<string, { key: string; json: JsonRead }>;
}

/** Thrown to stop working on one plugin after its errors were recorded. */
class Abort extends Error {}

function errorOf(err: unknown): { code: string; message: string } {
  if (isSkillsyncError(err)) return { code: err.code, message: err.message };
  return { code: 'EINTERNAL', message: err instanceof Error ? err.message : String(err) };
}

function lastSegment(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i === -1 ? rel : rel.slice(i + 1);
}

function defaultRootName(source: SourceTree): string {
  const named = (source as { name?: unknown }).name;
  if (typeof named === 'string' && named !== '') return named;
  if (source.kind === 'git') {
    // display: "/srv/repo.git@main:plugins" (see types.ts)
    const colon = source.display.lastIndexOf(':');
    const sub = colon === -1 ? '' : source.display.slice(colon + 1).replace(/\/+$/, '');
    if (sub !== '' && !sub.includes('@')) return lastSegment(sub);
    // "/srv/repo/.git" -> "repo"; "/srv/repo.git" -> "repo"
    const base = basename(source.root);
    return base === '.git' ? basename(dirname(source.root)) : base.replace(/\.git$/, '');
  }
  return basename(source.root);
}

/** Skills and errors of one plugin being discovered. */
class PluginBuild {
  readonly errors: DiscoveryError[] = [];
  readonly warnings: string[] = [];
  readonly skills = new Map<string, SkillDecl>();
  id: string | undefined;

  constructor(readonly ctx: Ctx) {}

  fail(path: string, code: string, message: string): void {
    this.errors.push({ source: this.ctx.display, path, pluginId: this.id, code, message });
  }

  abort(path: string, code: string, message: string): never {
    this.fail(path, code, message);
    throw new Abort();
  }

  get label(): string {
    return this.id === undefined ? '' : `plugin ${displayName(this.id)}: `;
  }
}

/** Type of `rel` checked component by component below `from` (itself known to be a real folder). */
function walk(source: SourceTree, from: string, rel: string): { type: SourceEntry['type'] | null; at: string } {
  if (rel === from) return { type: source.stat(rel), at: rel };
  const rest = from === '' ? rel : rel.slice(from.length + 1);
  let at = from;
  const parts = rest.split('/');
  for (let i = 0; i < parts.length; i++) {
    at = joinRel(at, parts[i]!);
    const type = source.stat(at);
    if (type === null || type === 'symlink' || i === parts.length - 1) return { type, at };
    if (type !== 'dir') return { type, at };
  }
  return { type: 'dir', at };
}

/** The first bytes of a SKILL.md, cut at a line end when truncated; null when not a regular file. */
function readSkillMd(source: SourceTree, rel: string): { data: Buffer; truncated: boolean } | null {
  if (hasReadPrefix(source)) {
    const r = source.readPrefix(rel, SKILL_MD_READ_BYTES);
    if (r === null || !r.truncated) return r;
    const nl = r.data.lastIndexOf(0x0a);
    return { data: nl === -1 ? r.data.subarray(0, 0) : r.data.subarray(0, nl + 1), truncated: true };
  }
  const data = source.read(rel);
  return data === null ? null : { data, truncated: false };
}

/** What a SKILL.md says, as far as discovery cares. Cached per file (see skillMd()). */
type MdFindings =
  | { ok: true; warnings: readonly string[] }
  | { ok: false; code: string; message: string };

/**
 * Findings per source and SKILL.md path, reused while the file is unchanged (sources
 * that implement fileKey()): a re-discovery then costs one lstat per skill instead of
 * an open, a read and a YAML parse. Bounded; cleared for a source when it grows past
 * MAX_CACHED per source.
 */
const mdCache = new Map<string, Map<string, { key: string; name: string; findings: MdFindings }>>();
/** Parsed manifests per source and path, reused while the file is unchanged (read only, never mutated). */
const jsonCache = new Map<string, Map<string, { key: string; json: JsonRead }>>();
const MAX_CACHED = 200_000;
const MAX_CACHED_SOURCES = 64;

/** The cache of one source; the least recently used source is dropped past MAX_CACHED_SOURCES. */
function cacheFor<V>(all: Map<string, Map<string, V>>, id: string): Map<string, V> {
  let cache = all.get(id);
  if (cache !== undefined) all.delete(id); // re-inserted below: Map order is recency
  else cache = new Map();
  all.set(id, cache);
  if (all.size > MAX_CACHED_SOURCES) all.delete(all.keys().next().value!);
  return cache;
}

/** readJson, skipping the read and parse when the file is unchanged since the last pass. */
function readJsonCached(ctx: Ctx, rel: string, maxBytes: number): JsonRead {
  const cache = ctx.jsonCache;
  if (cache === undefined) return readJson(ctx.source, rel, maxBytes);
  const key = (ctx.source as SourceTree & FileKeyed).fileKey(rel);
  if (key === null) return null;
  const hit = cache.get(rel);
  if (hit !== undefined && hit.key === key) return hit.json;
  const json = readJson(ctx.source, rel, maxBytes);
  if (json !== null) {
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(rel, { key, json });
  }
  return json;
}

function mdFindings(md: { data: Buffer; truncated: boolean }, mdPath: string, name: string): MdFindings {
  const warnings: string[] = [];
  const fm = parseFrontmatter(md.data);
  if (fm.code === 'EFRONTMATTER_LANG' || fm.code === 'EFRONTMATTER_LIMIT') return { ok: false, code: fm.code, message: `${mdPath}: ${fm.error}` };
  if (fm.error !== undefined) {
    const why = md.truncated && /never closed/.test(fm.error) ? `front matter is not closed within the first ${SKILL_MD_READ_BYTES} bytes` : fm.error;
    warnings.push(`${mdPath}: ${why}`);
  } else if (!fm.hasFrontmatter) {
    warnings.push(`${mdPath} has no front matter; agentskills.io requires 'name' and 'description'`);
  } else {
    if (fm.data.name === undefined) warnings.push(`${mdPath}: front matter has no 'name'`);
    if (typeof fm.data.description !== 'string' || fm.data.description.trim() === '') warnings.push(`${mdPath}: front matter has no 'description'`);
  }
  warnings.push(...skillNameWarnings(name, fm.error === undefined ? fm.data.name : undefined));
  return { ok: true, warnings };
}

/** Why there is no regular SKILL.md at `mdPath`: null when there is nothing at all. */
function oddSkillMd(source: SourceTree, mdPath: string): MdFindings | null {
  const t = source.stat(mdPath);
  if (t === null) return null;
  if (t === 'symlink') return { ok: false, code: 'ESYMLINK', message: `${mdPath} is a symlink; skillsync never follows links, make it a regular file` };
  return { ok: false, code: 'ESKILL_MISSING', message: `${mdPath} is not a regular file` };
}

/** Findings for the SKILL.md at `mdPath`; null when there is no such file at all. */
function skillMd(b: PluginBuild, mdPath: string, name: string): MdFindings | null {
  const { source } = b.ctx;
  let key: string | null = null;
  const cache = b.ctx.mdCache;
  if (cache !== undefined) {
    key = (source as SourceTree & FileKeyed).fileKey(mdPath);
    if (key === null) return oddSkillMd(source, mdPath);
    const hit = cache.get(mdPath);
    if (hit !== undefined && hit.key === key && hit.name === name) return hit.findings;
  }
  const md = readSkillMd(source, mdPath);
  if (md === null) return oddSkillMd(source, mdPath);
  const findings = mdFindings(md, mdPath, name);
  if (cache !== undefined && key !== null) {
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(mdPath, { key, name, findings });
  }
  return findings;
}

/**
 * Add the skill in folder `path` (named `name`). Returns false when the folder has no
 * SKILL.md at all (not a skill); errors for unsafe names, links and hostile front matter.
 */
function addSkill(b: PluginBuild, path: string, name: string): boolean {
  const mdPath = joinRel(path, SKILL_MD);
  const findings = skillMd(b, mdPath, name);
  if (findings === null) return false;
  try {
    validateSkillName(name);
  } catch (err) {
    b.fail(path, 'ENAME_UNSAFE', `${b.label}${errorOf(err).message}`);
    return true;
  }
  if (!findings.ok) {
    b.fail(mdPath, findings.code, `${b.label}${findings.message}`);
    return true;
  }
  const key = foldedKey(name);
  const existing = b.skills.get(key);
  if (existing !== undefined) {
    if (existing.path === path) return true;
    b.fail(path, 'ESKILL_COLLISION', `${b.label}skills ${displayName(existing.name)} (${existing.path}) and ${displayName(name)} (${path}) collide${existing.name === name ? '' : ' on case-insensitive file systems'}; rename one of them`);
    return true;
  }
  b.skills.set(key, { name, path, warnings: [...findings.warnings] });
  return true;
}

/** Add every skill folder inside `dir`. Returns how many subfolders were skills. */
function scanSkillsFolder(b: PluginBuild, dir: string): number {
  const entries = b.ctx.source.list(dir);
  if (entries === null) return 0;
  let found = 0;
  for (const e of entries) {
    const path = joinRel(dir, e.name);
    if (e.type === 'symlink') {
      b.fail(path, 'ESYMLINK', `${b.label}skill folder ${path} is a symlink; skillsync never follows links, replace it with a real folder`);
      found++;
      continue;
    }
    if (e.type !== 'dir') continue;
    if (e.name.startsWith('.')) {
      b.warnings.push(`${path}: hidden folder skipped`);
      continue;
    }
    if (addSkill(b, path, e.name)) found++;
    else b.warnings.push(`${path} has no ${SKILL_MD}; not a skill, skipped`);
  }
  return found;
}

/** A skills path declared by a manifest or marketplace entry: a skill folder or a folder of them. */
function addDeclared(b: PluginBuild, pluginPath: string, path: string, what: string): void {
  const { type, at } = walk(b.ctx.source, pluginPath, path);
  if (type === 'symlink') return void b.fail(at, 'ESYMLINK', `${b.label}${what} ${path} goes through the symlink ${at}; skillsync never follows links`);
  if (type === null) return void b.fail(path, 'ESKILL_MISSING', `${b.label}${what} ${path} does not exist`);
  if (type !== 'dir') return void b.fail(path, 'ESKILL_MISSING', `${b.label}${what} ${path} is not a folder`);
  const name = path === '' ? b.ctx.rootName : lastSegment(path);
  if (addSkill(b, path, name)) return;
  if (scanSkillsFolder(b, path) === 0) b.fail(path, 'ESKILL_MISSING', `${b.label}${what} ${path} has no ${SKILL_MD} and no skill folders`);
}

interface Candidate {
  /** Plugin folder relative to the source root (already checked to be a real folder). */
  path: string;
  /** Folder name: the id of bare and single-skill plugins. */
  folderName: string;
  entry?: MarketplaceEntry;
  marketplaceFile?: string;
}

/** Discover one plugin folder. Returns false when the folder is not a plugin at all. */
function discoverPlugin(ctx: Ctx, c: Candidate): boolean {
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

/** If `base` holds a marketplace file, discover its plugins and return true. */
function discoverMarketplace(ctx: Ctx, base: string, listing: SourceEntry[]): boolean {
  const { source } = ctx;
  const types = new Map(listing.map((e) => [e.name, e.type] as const));
  for (const rel of MARKETPLACE_FILES) {
    const first = rel.split('/')[0]!;
    if (!types.has(first)) continue;
    const file = joinRel(base, rel);
    const { type, at } = walk(source, base, file);
    if (type === null) continue;
    const fail = (path: string, code: string, message: string): true => {
      ctx.errors.push({ source: ctx.display, path, code, message });
      return true;
    };
    if (type === 'symlink') return fail(at, 'ESYMLINK', `marketplace ${file}: ${at} is a symlink; skillsync never follows links`);
    if (type !== 'file') return fail(file, 'EMANIFEST', `marketplace ${file} is not a regular file`);
    const json = readJsonCached(ctx, file, MAX_MARKETPLACE_BYTES);
    if (json === null) return fail(file, 'EMANIFEST', `marketplace ${file} cannot be read`);
    if (!json.ok) return fail(file, json.code, json.message);
    let parsed;
    try {
      parsed = parseMarketplace(json.value, base, file);
    } catch (err) {
      const e = errorOf(err);
      return fail(file, e.code, e.message);
    }
    for (const p of parsed.problems) ctx.errors.push({ source: ctx.display, path: p.where, pluginId: p.name, code: p.code, message: p.message });
    for (const entry of parsed.entries) {
      const label = `plugin ${displayName(entry.name)} (${entry.where})`;
      try {
        const { type: t, at: where } = walk(source, base, entry.path);
        if (t !== 'dir') {
          const [code, why] =
            t === 'symlink' ? ['ESYMLINK', `source goes through the symlink ${where}; skillsync never follows links`]
            : t === null ? ['ENOT_FOUND', `source folder ${entry.path || '.'} does not exist`]
            : ['EMANIFEST', `source ${where} is not a folder`];
          ctx.errors.push({ source: ctx.display, path: where, pluginId: entry.name, code, message: `${label}: ${why}` });
          continue;
        }
      } catch (err) {
        const e = errorOf(err);
        ctx.errors.push({ source: ctx.display, path: entry.path, pluginId: entry.name, code: e.code, message: `${label}: ${e.message}` });
        continue;
      }
      discoverPlugin(ctx, { path: entry.path, folderName: entry.path === '' ? ctx.rootName : lastSegment(entry.path), entry, marketplaceFile: file });
    }
    return true;
  }
  return false;
}

/** Discover a root or a subfolder of a directory of plugins. Returns false when it is neither a marketplace nor a plugin. */
function discoverAt(ctx: Ctx, path: string, folderName: string, listing: SourceEntry[]): boolean {
  if (discoverMarketplace(ctx, path, listing)) return true;
  return discoverPlugin(ctx, { path, folderName });
}

/** Discover the plugins of one source. Never throws for bad content. */
export function discoverPlugins(source: SourceTree, options: DiscoverOptions = {}): DiscoveryResult {
  const ctx: Ctx = {
    source,
    display: source.display,
    rootName: options.rootName ?? defaultRootName(source),
    errors: [],
    plugins: [],
    claimed: new Map(),
  };
  if (hasFileKey(source)) {
    const id = `${source.kind}\0${source.root}\0${source.display}`;
    ctx.mdCache = cacheFor(mdCache, id);
    ctx.jsonCache = cacheFor(jsonCache, id);
  }
  try {
    const listing = source.list('');
    if (listing === null) {
      const t = source.stat('');
      ctx.errors.push({ source: ctx.display, path: '', code: 'ESOURCE_MISSING', message: `plugin source ${ctx.display} ${t === null ? 'does not exist' : 'is not a folder'}; check the sources in the config` });
      return { plugins: [], errors: ctx.errors };
    }
    if (discoverAt(ctx, '', ctx.rootName, listing)) return { plugins: ctx.plugins, errors: ctx.errors };
    // A directory of plugins.
    for (const e of listing) {
      if (e.name.startsWith('.')) continue;
      if (e.type === 'symlink') {
        ctx.errors.push({ source: ctx.display, path: e.name, code: 'ESYMLINK', message: `${e.name} in ${ctx.display} is a symlink; skillsync never follows links, so it is not read (add its target as a source instead)` });
        continue;
      }
      if (e.type !== 'dir') continue;
      try {
        const sub = source.list(e.name);
        if (sub !== null) discoverAt(ctx, e.name, e.name, sub);
      } catch (err) {
        const x = errorOf(err);
        ctx.errors.push({ source: ctx.display, path: e.name, code: x.code, message: x.message });
      }
    }
  } catch (err) {
    const x = errorOf(err);
    ctx.errors.push({ source: ctx.display, path: '', code: x.code, message: x.message });
  }
  return { plugins: ctx.plugins, errors: ctx.errors };
}

/**
 * Discover several sources in order. A plugin id seen in an earlier source (as a
 * plugin, or as the plugin of an error there) wins; a later plugin with the same id
 * (also differing only by case) gets EDUPLICATE_PLUGIN instead.
 */
export function discoverAll(sources: SourceTree[], options: (source: SourceTree, index: number) => DiscoverOptions = () => ({})): DiscoveryResult {
  const plugins: PluginManifest[] = [];
  const errors: DiscoveryError[] = [];
  const claimed = new Map<string, string>(); // folded id -> source display
  sources.forEach((source, i) => {
    const r = discoverPlugins(source, options(source, i));
    const here = new Map<string, string>();
    for (const p of r.plugins) {
      const key = foldedKey(p.id);
      const first = claimed.get(key);
      if (first !== undefined) {
        errors.push({
          source: source.display,
          path: p.manifestPath ?? p.path,
          pluginId: p.id,
          code: 'EDUPLICATE_PLUGIN',
          message: `plugin id ${displayName(p.id)} in ${source.display} is already provided by ${first}; the earlier source wins`,
        });
        continue;
      }
      here.set(key, source.display);
      plugins.push(p);
    }
    for (const e of r.errors) {
      if (e.pluginId !== undefined && e.code !== 'EDUPLICATE_PLUGIN') {
        const key = foldedKey(e.pluginId);
        if (!claimed.has(key) && !here.has(key)) here.set(key, source.display);
      }
      errors.push(e);
    }
    for (const [k, v] of here) claimed.set(k, v);
  });
  return { plugins, errors };
}

/**
 * The SKILL.md findings cache as plain data, so a one-shot process (a CLI `sync`) can
 * keep it in the workspace and skip reading every SKILL.md again. Entries are keyed by
 * the file's identity (inode, size, ctime), so a stale entry is never used.
 */
export function exportDiscoveryCache(): Record<string, [string, string, string, MdFindings][]> {
  const out: Record<string, [string, string, string, MdFindings][]> = {};
  for (const [id, m] of mdCache) out[id] = [...m].map(([path, v]) => [path, v.key, v.name, v.findings]);
  return out;
}

export function importDiscoveryCache(data: unknown): void {
  if (!data || typeof data !== 'object') return;
  for (const [id, rows] of Object.entries(data as Record<string, unknown>)) {
    if (!Array.isArray(rows) || mdCache.has(id)) continue;
    const m = new Map<string, { key: string; name: string; findings: MdFindings }>();
    for (const r of rows) {
      if (Array.isArray(r) && r.length === 4 && typeof r[0] === 'string' && typeof r[1] === 'string' && typeof r[2] === 'string' && r[3] && typeof r[3] === 'object') {
        m.set(r[0], { key: r[1], name: r[2], findings: r[3] as MdFindings });
      }
    }
    if (m.size) cacheFor(mdCache, id).clear();
    const c = cacheFor(mdCache, id);
    for (const [k, v] of m) c.set(k, v);
  }
}
