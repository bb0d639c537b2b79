// Marketplace catalogs: a root whose `.claude-plugin/marketplace.json` (or Codex's
// `.agents/plugins/marketplace.json`, or `.cursor-plugin/marketplace.json`) lists
// plugins. Parsing never fetches or runs anything.
//
// Formats checked against real repositories:
// * anthropics/claude-code: {name, owner, plugins: [{name, source: "./plugins/x",
//   version?, description?, ...}]} — plugins with their own plugin.json.
// * anthropics/skills: entries with `"source": "./"`, `"strict": false` and
//   `"skills": ["./skills/xlsx", ...]` — several plugins sharing one folder, each
//   defined entirely by its entry.
// * Claude Code docs: `metadata.pluginRoot` is the base of *bare* source names
//   ("source": "formatter" -> <pluginRoot>/formatter); "./x" sources are relative to
//   the marketplace root. Object sources {source: "github"|"url"|"git-subdir", ...}
//   are remote entries (see remote-entry.ts); npm, archive, command and ssh sources are
//   refused with one line for that entry only.
// * Codex (.agents/plugins/marketplace.json): `"source": {"source": "local",
//   "path": "./plugins/x"}` is a local path; other object kinds are remote.
import { SkillsyncError } from '../core/errors.js';
import { displayName, validatePluginId } from '../core/names.js';
import { cleanDescription, declaredSkillPaths, isObject, resolveDeclaredPath, versionProblem } from './manifest.js';
import { remoteRef } from './remote-entry.js';
import type { RemoteRef } from './types.js';

/** Marketplace files in order of precedence (the first one present is used). */
export const MARKETPLACE_FILES: readonly string[] = [
  '.claude-plugin/marketplace.json',
  '.agents/plugins/marketplace.json',
  '.cursor-plugin/marketplace.json',
];

export interface MarketplaceEntry {
  index: number;
  /** Where the entry is, for messages: "<file>#plugins[3]". */
  where: string;
  /** Validated plugin id. */
  name: string;
  /** Plugin folder relative to the source root ('' for a remote entry). */
  path: string;
  /** The repository and folder of a remote entry. */
  remote?: RemoteRef;
  version?: string;
  description?: string;
  strict: boolean;
  /** Skill folders declared by the entry, relative to the source root (validated). */
  skills?: string[];
  warnings: string[];
}

export interface EntryProblem {
  where: string;
  name?: string;
  code: string;
  message: string;
}

export interface ParsedMarketplace {
  entries: MarketplaceEntry[];
  problems: EntryProblem[];
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function describeRemote(source: unknown): string {
  if (typeof source === 'string') return displayName(source);
  if (isObject(source)) {
    const kind = typeof source.source === 'string' ? source.source : 'object';
    const where = ['repo', 'url', 'package', 'path'].map((k) => source[k]).find((v) => typeof v === 'string');
    return `${displayName(kind)}${where !== undefined ? ` ${displayName(where)}` : ''}`;
  }
  return typeof source;
}

/**
 * Interpret a parsed marketplace file found at `base` (the marketplace root, relative
 * to the source root). Throws SkillsyncError EMANIFEST when the file as a whole is
 * unusable; problems with single entries are returned, never thrown.
 */
export function parseMarketplace(value: unknown, base: string, file: string): ParsedMarketplace {
  if (!isObject(value)) throw new SkillsyncError('EMANIFEST', `${file} must contain a JSON object`, { path: file });
  if (!Array.isArray(value.plugins)) throw new SkillsyncError('EMANIFEST', `${file} has no "plugins" list`, { path: file });
  const problems: EntryProblem[] = [];
  const entries: MarketplaceEntry[] = [];

  let pluginRoot: string | null = base;
  let pluginRootError: string | null = null;
  const meta = value.metadata;
  if (isObject(meta) && meta.pluginRoot !== undefined) {
    try {
      pluginRoot = resolveDeclaredPath(base, meta.pluginRoot, `${file}: metadata.pluginRoot`);
    } catch (err) {
      pluginRoot = null;
      pluginRootError = (err as Error).message;
      problems.push({ where: `${file}#metadata.pluginRoot`, code: (err as SkillsyncError).code ?? 'EMANIFEST', message: pluginRootError });
    }
  }

  value.plugins.forEach((raw: unknown, index: number) => {
    const where = `${file}#plugins[${index}]`;
    if (!isObject(raw)) {
      problems.push({ where, code: 'EMANIFEST', message: `${where} must be an object` });
      return;
    }
    try {
      validatePluginId(raw.name);
    } catch (err) {
      problems.push({ where, code: (err as SkillsyncError).code, message: `${where}: ${(err as Error).message}` });
      return;
    }
    const name = raw.name;
    const fail = (code: string, message: string) => problems.push({ where, name, code, message: `plugin ${displayName(name)} (${where})${code === 'EREMOTE_UNSUPPORTED' ? ' ' : ': '}${message}` });

    // Where the plugin lives.
    let declared: unknown = raw.source;
    if (isObject(declared) && declared.source === 'local') declared = declared.path; // Codex local source
    if (declared === undefined) return void fail('EMANIFEST', 'has no "source"; set it to the plugin folder, e.g. "./plugins/' + name + '"');
    let remote: RemoteRef | undefined;
    let path = '';
    if (isObject(declared) || (typeof declared === 'string' && (SCHEME.test(declared) || declared.startsWith('git@')))) {
      const r = remoteRef(isObject(declared) ? declared : { source: 'url', url: declared });
      if ('code' in r) return void fail(r.code, r.message);
      remote = r;
    } else if (typeof declared !== 'string') {
      return void fail('EMANIFEST', `source ${describeRemote(declared)} is neither a folder nor a repository`);
    } else {
      const bare = !(declared === '.' || declared.startsWith('./') || declared.startsWith('../') || declared.startsWith('/'));
      try {
        if (bare && pluginRoot === null) throw new SkillsyncError('EPATH_ESCAPE', `source is relative to metadata.pluginRoot, which is invalid: ${pluginRootError}`);
        path = resolveDeclaredPath(bare ? (pluginRoot ?? base) : base, declared, 'source');
      } catch (err) {
        return void fail((err as SkillsyncError).code ?? 'EMANIFEST', (err as Error).message);
      }
    }

    const warnings: string[] = [];
    let strict = true;
    if (raw.strict !== undefined) {
      if (typeof raw.strict === 'boolean') strict = raw.strict;
      else warnings.push(`${where}: "strict" is not true or false; treated as true`);
    }
    let skills: string[] | undefined;
    if (raw.skills !== undefined) {
      try {
        skills = declaredSkillPaths(raw.skills, `${where}: "skills"`).map((p) => resolveDeclaredPath(remote?.path ?? path, p, 'skills path'));
      } catch (err) {
        return void fail((err as SkillsyncError).code ?? 'EMANIFEST', (err as Error).message);
      }
    }
    let version: string | undefined;
    if (raw.version !== undefined) {
      const p = versionProblem(raw.version);
      if (p === null) version = raw.version as string;
      else warnings.push(`${where}: version ${p}; ignored`);
    }
    entries.push({ index, where, name, path, ...(remote ? { remote } : {}), version, description: cleanDescription(raw.description), strict, skills, warnings });
  });
  return { entries, problems };
}
