// Per-plugin stat caches (cache/stat/<plugin>.json): path → stat + blob oid, like
// git's index. Derived data: deleting it only makes the next pass reread files.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../git/fsutil.js';
import type { StatCache, StatEntry } from '../git/dir-tree.js';
import type { Ctx } from './context.js';

// Entries as arrays: the files stay small and parse fast (a pass loads all of them).
type Packed = [number, number, number, number, 0 | 1, string, number, string[]?];
const pack = (e: StatEntry): Packed => (e.d ? [e.m, e.c, e.s, e.i, e.x ? 1 : 0, e.o, e.t, e.d] : [e.m, e.c, e.s, e.i, e.x ? 1 : 0, e.o, e.t]);
const unpack = (a: Packed): StatEntry => ({ m: a[0], c: a[1], s: a[2], i: a[3], x: a[4] === 1, o: a[5], t: a[6], ...(a[7] ? { d: a[7] } : {}) });

interface PluginCache {
  files: Map<string, StatCache>;
  /** skill → [observation commit, its tree]: spares reading the commit object. */
  obs: Map<string, [string, string]>;
}

export class StatCaches {
  private readonly loaded = new Map<string, PluginCache>();
  private readonly dirty = new Set<string>();
  /** The text each file had when loaded: unchanged caches are not rewritten. */
  private readonly texts = new Map<string, string>();

  constructor(private readonly ctx: Ctx) {}

  private file(plugin: string) {
    return join(this.ctx.paths.statCaches, `${plugin}.json`);
  }

  private plugin(plugin: string): PluginCache {
    let p = this.loaded.get(plugin);
    if (!p) {
      p = { files: new Map(), obs: new Map() };
      try {
        const text = readFileSync(this.file(plugin), 'utf8');
        this.texts.set(plugin, text);
        const raw = JSON.parse(text) as {
          v: number;
          files: Record<string, Record<string, Packed>>;
          obs: Record<string, [string, string]>;
        };
        if (raw.v !== 2) throw new Error('old format');
        for (const [skill, entries] of Object.entries(raw.files ?? {})) {
          const m: StatCache = new Map();
          for (const [k, e] of Object.entries(entries)) m.set(k, unpack(e));
          p.files.set(skill, m);
        }
        for (const [skill, o] of Object.entries(raw.obs ?? {})) p.obs.set(skill, o);
      } catch {
        /* none yet */
      }
      this.loaded.set(plugin, p);
    }
    return p;
  }

  get(plugin: string, skill: string): StatCache {
    const p = this.plugin(plugin);
    let c = p.files.get(skill);
    if (!c) {
      c = new Map();
      p.files.set(skill, c);
    }
    return c;
  }

  /** Say that a cache of this plugin changed and must be saved. */
  touch(plugin: string): void {
    this.dirty.add(plugin);
  }

  observationTree(plugin: string, skill: string, commit: string): string | null {
    const o = this.plugin(plugin).obs.get(skill);
    return o && o[0] === commit ? o[1] : null;
  }

  rememberObservation(plugin: string, skill: string, commit: string, tree: string): void {
    const p = this.plugin(plugin);
    const o = p.obs.get(skill);
    if (o && o[0] === commit && o[1] === tree) return;
    p.obs.set(skill, [commit, tree]);
    this.dirty.add(plugin);
  }

  drop(plugin: string, skill?: string): void {
    if (skill) this.plugin(plugin).files.delete(skill);
    else {
      this.loaded.delete(plugin);
      rmSync(this.file(plugin), { force: true });
    }
    this.dirty.add(plugin);
  }

  /** Persist; call only after the objects the entries name are on disk. */
  save(): void {
    if (this.ctx.dryRun) return; // it would remember observations that were never written
    for (const plugin of this.dirty) {
      const p = this.loaded.get(plugin);
      if (!p) continue;
      const out = { v: 2, files: {} as Record<string, Record<string, Packed>>, obs: Object.fromEntries(p.obs) };
      for (const [skill, c] of p.files) {
        const o: Record<string, Packed> = {};
        for (const [k, e] of c) o[k] = pack(e);
        out.files[skill] = o;
      }
      try {
        const text = JSON.stringify(out);
        if (text === this.texts.get(plugin)) continue;
        writeFileAtomic(this.file(plugin), text);
        this.texts.set(plugin, text);
      } catch (err) {
        this.ctx.log.debug(`stat cache not saved: ${(err as Error).message}`);
      }
    }
    this.dirty.clear();
  }
}
