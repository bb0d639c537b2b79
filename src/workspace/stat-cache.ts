// Per-plugin stat caches (cache/stat/<plugin>.json): path → stat + blob oid, like
// git's index. Derived data: deleting it only makes the next pass reread files.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../git/fsutil.js';
import type { StatCache, StatEntry } from '../git/dir-tree.js';
import type { Ctx } from './context.js';

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
    return join(this.ctx.paths.cache, 'stat', `${plugin}.json`);
  }

  private plugin(plugin: string): PluginCache {
    let p = this.loaded.get(plugin);
    if (!p) {
      p = { files: new Map(), obs: new Map() };
      try {
        const text = readFileSync(this.file(plugin), 'utf8');
        this.texts.set(plugin, text);
        const raw = JSON.parse(text) as {
          files: Record<string, Record<string, StatEntry>>;
          obs: Record<string, [string, string]>;
        };
        for (const [skill, entries] of Object.entries(raw.files ?? {})) p.files.set(skill, new Map(Object.entries(entries)));
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
    this.dirty.add(plugin);
    return c;
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
    for (const plugin of this.dirty) {
      const p = this.loaded.get(plugin);
      if (!p) continue;
      const out = { files: {} as Record<string, Record<string, StatEntry>>, obs: Object.fromEntries(p.obs) };
      for (const [skill, c] of p.files) out.files[skill] = Object.fromEntries(c);
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
