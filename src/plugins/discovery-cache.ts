// What discovery remembers between passes, passed in by its caller (a daemon keeps one
// for its life, a one-shot command loads it from the workspace): SKILL.md findings and
// parsed manifests per source, keyed by file identity so a stale entry is never used.
import type { JsonRead } from './manifest.js';
import { unsafeNameReason } from '../core/names.js';
import { splitRelPath, type Seen } from './fs-source.js';
import type { DiscoveryError, PluginManifest } from './types.js';

/** What a SKILL.md says, as far as discovery cares. */
export type MdFindings =
  | { ok: true; warnings: readonly string[] }
  | { ok: false; code: string; message: string };

export interface MdEntry {
  key: string;
  name: string;
  findings: MdFindings;
}

/** A plugin folder's discovery as it came out, and what it saw (replayed when stillSeen). */
export interface FolderMemo {
  seen: Seen[];
  plugins: Omit<PluginManifest, 'source'>[];
  errors: DiscoveryError[];
  warnings: DiscoveryError[];
  /** Plugin ids it claimed in the source (folded key, id): replayed only when still free. */
  claimed: [string, string][];
}

export interface SourceCache {
  md: Map<string, MdEntry>;
  json: Map<string, { key: string; json: JsonRead }>;
  /** Folders of a directory of plugins, by name. */
  folders: Map<string, FolderMemo>;
  /** md or folders changed since the cache was loaded or saved (what is persisted). */
  dirty: boolean;
}

/** Entries per source before that source's maps are cleared; sources kept (least recently used dropped). */
export const MAX_CACHED = 200_000;
const MAX_CACHED_SOURCES = 64;

export interface ExportedCache {
  v: 2;
  md: Record<string, [string, string, string, MdFindings][]>;
  folders: Record<string, [string, FolderMemo][]>;
}

export class DiscoveryCache {
  private readonly sources = new Map<string, SourceCache>();

  /** The cache of one source (by an id naming its kind, root and display). */
  forSource(id: string): SourceCache {
    let c = this.sources.get(id);
    if (c !== undefined) this.sources.delete(id); // re-inserted below: Map order is recency
    else c = { md: new Map(), json: new Map(), folders: new Map(), dirty: true };
    this.sources.set(id, c);
    if (this.sources.size > MAX_CACHED_SOURCES) this.sources.delete(this.sources.keys().next().value!);
    return c;
  }

  /** Whether anything persisted changed since the last call (the saver asks, then writes). */
  takeDirty(): boolean {
    let d = false;
    for (const c of this.sources.values()) {
      d ||= c.dirty;
      c.dirty = false;
    }
    return d;
  }

  /** The SKILL.md findings and folder memos as plain data, for a one-shot process to keep in the workspace. */
  export(): ExportedCache {
    const out: ExportedCache = { v: 2, md: {}, folders: {} };
    for (const [id, c] of this.sources) {
      // A SKILL.md a folder memo vouches for is not kept twice: a folder that changed is read again whole.
      const covered = new Set<string>();
      for (const m of c.folders.values()) for (const x of m.seen) if (x[0] === 'k') covered.add(x[1]);
      out.md[id] = [...c.md].filter(([path]) => !covered.has(path)).map(([path, v]) => [path, v.key, v.name, v.findings]);
      if (c.folders.size) out.folders[id] = [...c.folders];
    }
    return out;
  }

  import(data: unknown): void {
    if (!data || typeof data !== 'object' || (data as ExportedCache).v !== 2) return; // an older file: rebuilt
    const { md, folders } = data as ExportedCache;
    if (!md || typeof md !== 'object') return;
    for (const [id, rows] of Object.entries(md)) {
      if (!Array.isArray(rows) || this.sources.has(id)) continue;
      const c = this.forSource(id);
      for (const r of rows) {
        if (Array.isArray(r) && r.length === 4 && typeof r[0] === 'string' && typeof r[1] === 'string' && typeof r[2] === 'string' && r[3] && typeof r[3] === 'object') {
          c.md.set(r[0], { key: r[1], name: r[2], findings: r[3] as MdFindings });
        }
      }
      const f = folders && typeof folders === 'object' ? folders[id] : undefined;
      if (Array.isArray(f)) for (const r of f) if (Array.isArray(r) && typeof r[0] === 'string' && validMemo(r[1], r[0])) c.folders.set(r[0], r[1]);
      c.dirty = false; // as on disk
    }
  }
}

/** A canonical relative path inside `folder` (the folder itself when `self`). */
function inside(path: unknown, folder: string, self = true): boolean {
  if (typeof path !== 'string') return false;
  try {
    splitRelPath(path);
  } catch {
    return false;
  }
  return (self && path === folder) || path.startsWith(`${folder}/`);
}

/**
 * A memo's shape and names, checked before it is trusted: the file is derived data, and
 * a bad or crafted one is dropped, never replayed past the checks discovery makes (ids
 * and skill names as names, paths canonical and inside the memo's folder).
 */
function validMemo(m: unknown, folder: string): m is FolderMemo {
  const x = m as FolderMemo;
  if (!x || !Array.isArray(x.seen) || !x.seen.every(validSeen) || !Array.isArray(x.plugins) || !Array.isArray(x.errors) || !Array.isArray(x.warnings) || !Array.isArray(x.claimed)) return false;
  if (x.seen.length === 0 || !inside(folder, folder)) return false;
  return x.plugins.every(
    (p) =>
      p &&
      unsafeNameReason(p.id) === null &&
      inside(p.path, folder) &&
      (p.manifestPath === undefined || inside(p.manifestPath, folder, false)) &&
      Array.isArray(p.warnings) &&
      Array.isArray(p.skills) &&
      p.skills.every((s) => s && unsafeNameReason(s.name) === null && inside(s.path, folder, false) && Array.isArray(s.warnings)),
  );
}

function validSeen(e: unknown): boolean {
  if (!Array.isArray(e) || typeof e[1] !== 'string') return false;
  if (e[0] === 'd') return e.length === 6 && typeof e[2] === 'number' && typeof e[3] === 'number' && typeof e[4] === 'number' && Array.isArray(e[5]) && e[5].every((n) => typeof n === 'string');
  if (e[0] === 'l') return e.length === 2;
  return (e[0] === 't' || e[0] === 'k') && e.length === 3 && typeof e[2] === 'string';
}
