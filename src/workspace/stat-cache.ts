// Per-plugin stat caches (cache/stat/<plugin>.json): path → stat + blob oid, like
// git's index. Derived data: deleting it only makes the next pass reread files.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../git/fsutil.js';
import type { StatCache, StatEntry } from '../git/dir-tree.js';
import type { Ctx } from './context.js';

export class StatCaches {
  private readonly loaded = new Map<string, Map<string, StatCache>>();
  private readonly dirty = new Set<string>();

  constructor(private readonly ctx: Ctx) {}

  private file(plugin: string) {
    return join(this.ctx.paths.cache, 'stat', `${plugin}.json`);
  }

  private plugin(plugin: string): Map<string, StatCache> {
    let p = this.loaded.get(plugin);
    if (!p) {
      p = new Map();
      try {
        const raw = JSON.parse(readFileSync(this.file(plugin), 'utf8')) as Record<string, Record<string, StatEntry>>;
        for (const [skill, entries] of Object.entries(raw)) p.set(skill, new Map(Object.entries(entries)));
      } catch {
        /* none yet */
      }
      this.loaded.set(plugin, p);
    }
    return p;
  }

  get(plugin: string, skill: string): StatCache {
    const p = this.plugin(plugin);
    let c = p.get(skill);
    if (!c) {
      c = new Map();
      p.set(skill, c);
    }
    this.dirty.add(plugin);
    return c;
  }

  drop(plugin: string, skill?: string): void {
    if (skill) this.plugin(plugin).delete(skill);
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
      const out: Record<string, Record<string, StatEntry>> = {};
      for (const [skill, c] of p) out[skill] = Object.fromEntries(c);
      try {
        writeFileAtomic(this.file(plugin), JSON.stringify(out));
      } catch (err) {
        this.ctx.log.debug(`stat cache not saved: ${(err as Error).message}`);
      }
    }
    this.dirty.clear();
  }
}
