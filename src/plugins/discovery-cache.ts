// What discovery remembers between passes, passed in by its caller (a daemon keeps one
// for its life, a one-shot command loads it from the workspace): SKILL.md findings and
// parsed manifests per source, keyed by file identity so a stale entry is never used.
import type { JsonRead } from './manifest.js';

/** What a SKILL.md says, as far as discovery cares. */
export type MdFindings =
  | { ok: true; warnings: readonly string[] }
  | { ok: false; code: string; message: string };

export interface MdEntry {
  key: string;
  name: string;
  findings: MdFindings;
}

export interface SourceCache {
  md: Map<string, MdEntry>;
  json: Map<string, { key: string; json: JsonRead }>;
}

/** Entries per source before that source's maps are cleared; sources kept (least recently used dropped). */
export const MAX_CACHED = 200_000;
const MAX_CACHED_SOURCES = 64;

export type ExportedCache = Record<string, [string, string, string, MdFindings][]>;

export class DiscoveryCache {
  private readonly sources = new Map<string, SourceCache>();

  /** The cache of one source (by an id naming its kind, root and display). */
  forSource(id: string): SourceCache {
    let c = this.sources.get(id);
    if (c !== undefined) this.sources.delete(id); // re-inserted below: Map order is recency
    else c = { md: new Map(), json: new Map() };
    this.sources.set(id, c);
    if (this.sources.size > MAX_CACHED_SOURCES) this.sources.delete(this.sources.keys().next().value!);
    return c;
  }

  /** The SKILL.md findings as plain data, for a one-shot process to keep in the workspace. */
  export(): ExportedCache {
    const out: ExportedCache = {};
    for (const [id, c] of this.sources) out[id] = [...c.md].map(([path, v]) => [path, v.key, v.name, v.findings]);
    return out;
  }

  import(data: unknown): void {
    if (!data || typeof data !== 'object') return;
    for (const [id, rows] of Object.entries(data as Record<string, unknown>)) {
      if (!Array.isArray(rows) || this.sources.has(id)) continue;
      const md = this.forSource(id).md;
      for (const r of rows) {
        if (Array.isArray(r) && r.length === 4 && typeof r[0] === 'string' && typeof r[1] === 'string' && typeof r[2] === 'string' && r[3] && typeof r[3] === 'object') {
          md.set(r[0], { key: r[1], name: r[2], findings: r[3] as MdFindings });
        }
      }
    }
  }
}
