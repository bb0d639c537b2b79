// The skills of a plugin: skill folders (a SKILL.md inside) under `skills/`, one
// level of category folders below it (also hidden ones, as `skills/.curated/<skill>`),
// and the paths a manifest declares. Reads only the front matter of each SKILL.md and
// reuses findings for unchanged files.
import { FRONTMATTER_DEFAULTS, parseFrontmatter, refusesSkill } from '../core/frontmatter.js';
import { displayName, foldedKey, skillNameWarnings, validateSkillName } from '../core/names.js';
import { hasReadPrefix, type FileKeyed } from './fs-source.js';
import { MAX_CACHED, type MdFindings } from './discovery-cache.js';
import { errorOf, lastSegment, walk, type PluginBuild } from './discover-context.js';
import { joinRel } from './manifest.js';
import type { SourceTree } from './types.js';

/** How much of a SKILL.md is read: the front matter limit plus room for the fences. */
const SKILL_MD_READ_BYTES = FRONTMATTER_DEFAULTS.maxBytes + 4096;
export const SKILL_MD = 'SKILL.md';

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

function mdFindings(md: { data: Buffer; truncated: boolean }, mdPath: string, name: string): MdFindings {
  const warnings: string[] = [];
  const fm = parseFrontmatter(md.data);
  if (refusesSkill(fm)) return { ok: false, code: fm.code, message: `${mdPath}: ${fm.error}` };
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
  const cache = b.ctx.cache?.md;
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
    b.ctx.cache!.dirty = true;
  }
  return findings;
}

/**
 * Add the skill in folder `path` (named `name`). Returns false when the folder has no
 * SKILL.md at all (not a skill); errors for unsafe names, links and hostile front matter.
 */
export function addSkill(b: PluginBuild, path: string, name: string): boolean {
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

/**
 * Add every skill folder inside `dir`, and those of its category folders (a folder
 * without SKILL.md, hidden or not) one level further down. Returns how many were found.
 */
export function scanSkillsFolder(b: PluginBuild, dir: string, depth = 0): number {
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
    const hidden = e.name.startsWith('.');
    if (!hidden && addSkill(b, path, e.name)) {
      found++;
      continue;
    }
    const inCategory = depth === 0 ? scanSkillsFolder(b, path, 1) : 0;
    found += inCategory;
    if (inCategory > 0) continue;
    if (hidden) b.warnings.push(`${path}: hidden folder skipped`);
    else b.warnings.push(`${path} has no ${SKILL_MD}; not a skill, skipped`);
  }
  return found;
}

/** A skills path declared by a manifest or marketplace entry: a skill folder or a folder of them. */
export function addDeclared(b: PluginBuild, pluginPath: string, path: string, what: string): void {
  const { type, at } = walk(b.ctx.source, pluginPath, path);
  if (type === 'symlink') return void b.fail(at, 'ESYMLINK', `${b.label}${what} ${path} goes through the symlink ${at}; skillsync never follows links`);
  if (type === null) return void b.fail(path, 'ESKILL_MISSING', `${b.label}${what} ${path} does not exist`);
  // A git tree's 'other' is a gitlink (seen in planetscale/claude-plugin: skills from a submodule).
  if (type === 'other' && b.ctx.source.kind === 'git') return void b.fail(at, 'ESUBMODULE', `${b.label}${what} ${path} is a git submodule, which skillsync does not fetch; copy its skills into the repository`);
  if (type !== 'dir') return void b.fail(path, 'ESKILL_MISSING', `${b.label}${what} ${path} is not a folder`);
  const name = path === '' ? b.ctx.rootName : lastSegment(path);
  if (addSkill(b, path, name)) return;
  if (scanSkillsFolder(b, path) === 0) b.fail(path, 'ESKILL_MISSING', `${b.label}${what} ${path} has no ${SKILL_MD} and no skill folders`);
}
