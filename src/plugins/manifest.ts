// Plugin manifests: .claude-plugin/plugin.json, .codex-plugin/plugin.json,
// .cursor-plugin/plugin.json. JSON only (JSON.parse never runs code), size-bounded,
// and only the fields skillsync needs are read: name, version, description, skills.
//
// Formats checked against real repositories:
// * Claude Code (anthropics/claude-code plugins/*/.claude-plugin/plugin.json):
//   {name, version?, description?, author?, ..., skills?: string | string[]}.
//   `skills` adds skill directories to the default `skills/` folder ("custom paths
//   supplement default directories"); each entry is either one skill folder
//   (["./skills/skill-one"]) or a folder of skill folders ("./custom/skills/").
// * Codex (addyosmani/agent-skills .codex-plugin/plugin.json): same keys,
//   `"skills": "./skills/"`, plus an `interface` block that is ignored here.
// * Cursor (.cursor-plugin/plugin.json): same shape.
import { SkillsyncError } from '../core/errors.js';
import { displayName } from '../core/names.js';
import type { ManifestFormat, SourceTree } from './types.js';
import { hasReadPrefix, splitRelPath } from './fs-source.js';

/** Manifest folders in order of precedence. */
export const PLUGIN_MANIFESTS: ReadonlyArray<{ dir: string; format: Extract<ManifestFormat, 'claude' | 'codex' | 'cursor'> }> = [
  { dir: '.claude-plugin', format: 'claude' },
  { dir: '.codex-plugin', format: 'codex' },
  { dir: '.cursor-plugin', format: 'cursor' },
];

export const MAX_MANIFEST_BYTES = 1024 * 1024;
export const MAX_MARKETPLACE_BYTES = 8 * 1024 * 1024;
const MAX_VERSION_CHARS = 128;
const MAX_DESCRIPTION_CHARS = 1024;

/** Join POSIX relative paths ('' is the root). */
export function joinRel(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : a + '/' + b;
}

/**
 * A path written in a manifest ("./skills/pdf", "skills/", ".", "./") as a canonical
 * path relative to `base`. '..' segments, absolute paths, backslashes, URLs and
 * NUL bytes are refused with EPATH_ESCAPE.
 */
export function resolveDeclaredPath(base: string, declared: unknown, what: string): string {
  if (typeof declared !== 'string') {
    throw new SkillsyncError('EMANIFEST', `${what} must be a path string, got ${declared === null ? 'null' : typeof declared}`, { value: declared });
  }
  if (declared.startsWith('/') || /^[A-Za-z]:[\\/]/.test(declared) || declared.startsWith('~')) {
    throw new SkillsyncError('EPATH_ESCAPE', `${what} ${displayName(declared)} is absolute; use a path relative to the plugin, starting with './'`, { value: declared });
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(declared)) {
    throw new SkillsyncError('EPATH_ESCAPE', `${what} ${displayName(declared)} is a URL; only relative paths are read`, { value: declared });
  }
  const segments: string[] = [];
  for (const seg of declared.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      throw new SkillsyncError('EPATH_ESCAPE', `${what} ${displayName(declared)} contains '..'; paths must stay inside the plugin`, { value: declared });
    }
    segments.push(seg);
  }
  const rel = joinRel(base, segments.join('/'));
  splitRelPath(rel); // NUL, backslash: EPATH_ESCAPE
  return rel;
}

/** Normalize a manifest's `skills` field (string or array of strings) to a list. */
export function declaredSkillPaths(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return [...value];
  throw new SkillsyncError('EMANIFEST', `${what} must be a path or a list of paths, got ${typeof value}`, {});
}

export type JsonRead = { ok: true; value: unknown } | { ok: false; code: string; message: string } | null;

/** Read and parse a JSON file of the source; null when there is no regular file there. */
export function readJson(source: SourceTree, rel: string, maxBytes: number): JsonRead {
  let buf: Buffer | null;
  if (hasReadPrefix(source)) {
    const r = source.readPrefix(rel, maxBytes);
    if (r === null) return null;
    if (r.truncated) return { ok: false, code: 'EMANIFEST_TOO_LARGE', message: `${rel} is larger than ${maxBytes} bytes` };
    buf = r.data;
  } else {
    buf = source.read(rel);
    if (buf === null) return null;
    if (buf.length > maxBytes) return { ok: false, code: 'EMANIFEST_TOO_LARGE', message: `${rel} is larger than ${maxBytes} bytes` };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf);
  } catch {
    return { ok: false, code: 'EMANIFEST_JSON', message: `${rel} is not valid UTF-8` };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, code: 'EMANIFEST_JSON', message: `${rel} is not valid JSON (${why}); fix the file` };
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A version string safe to carry into commit trailers and JSON: 1..128 characters,
 * no control characters (a newline would forge a trailer). Returns a reason when not.
 */
export function versionProblem(v: unknown): string | null {
  if (typeof v !== 'string') return `is ${v === null ? 'null' : typeof v}, not a string`;
  if (v.trim() === '') return 'is empty';
  if (v.length > MAX_VERSION_CHARS) return `is longer than ${MAX_VERSION_CHARS} characters`;
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(v)) return 'contains a control character or line break';
  return null;
}

/** A description for display: control characters and line breaks become spaces, length capped. */
export function cleanDescription(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  let s = v.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  if ([...s].length > MAX_DESCRIPTION_CHARS) s = [...s].slice(0, MAX_DESCRIPTION_CHARS - 1).join('') + '…';
  return s === '' ? undefined : s;
}

/** The fields of a plugin manifest skillsync uses, type-checked. */
export interface ManifestFields {
  name?: unknown;
  version?: string;
  description?: string;
  /** Raw `skills` entries (validated later, relative to the plugin folder). */
  skills: unknown[];
  warnings: string[];
}

/** Check a parsed plugin.json. Throws SkillsyncError EMANIFEST when it is not an object or `skills` has the wrong type. */
export function manifestFields(value: unknown, rel: string): ManifestFields {
  if (!isObject(value)) {
    throw new SkillsyncError('EMANIFEST', `${rel} must contain a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, { path: rel });
  }
  const warnings: string[] = [];
  let version: string | undefined;
  if (value.version !== undefined) {
    const p = versionProblem(value.version);
    if (p === null) version = value.version as string;
    else warnings.push(`${rel}: version ${p}; ignored`);
  }
  return {
    name: value.name,
    version,
    description: cleanDescription(value.description),
    skills: declaredSkillPaths(value.skills, `${rel}: "skills"`),
    warnings,
  };
}
