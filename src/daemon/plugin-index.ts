// Which plugin does a changed path belong to? Built from a discovery result: a plugin
// owns its folder, its skill folders (a marketplace entry may list skills outside its
// folder) and its manifest. Lookup walks the path's ancestors: O(depth), not O(plugins).
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** What the index needs of a discovered plugin (plain data: it crosses threads). */
export interface IndexedPlugin {
  id: string;
  version: string;
  path: string;
  manifestPath?: string;
  source: { kind: 'fs' | 'git'; root: string; display: string };
  skills: { name: string; path: string }[];
}

export interface PluginDiff {
  added: string[];
  removed: string[];
  /** Same id, different declaration (version, folder, skills, manifest). */
  changed: string[];
}

function signature(p: IndexedPlugin): string {
  let sig = `${p.source.kind}\0${p.source.root}\0${p.path}\0${p.manifestPath ?? ''}\0${p.version}`;
  for (const s of p.skills) sig += `\0${s.name}\0${s.path}`;
  return sig;
}

export class PluginIndex {
  /** fs source root → owned prefix (relative, '' = the whole root) → plugin ids */
  private readonly fs = new Map<string, Map<string, Set<string>>>();
  /** git dir → plugin ids read from it */
  private readonly git = new Map<string, Set<string>>();
  private readonly sigs = new Map<string, string>();

  readonly plugins: IndexedPlugin[];

  constructor(d: { plugins: IndexedPlugin[] } = { plugins: [] }) {
    this.plugins = d.plugins;
    for (const p of d.plugins) {
      this.sigs.set(p.id, signature(p));
      if (p.source.kind === 'git') {
        const root = resolve(p.source.root);
        let ids = this.git.get(root);
        if (!ids) this.git.set(root, (ids = new Set()));
        ids.add(p.id);
        continue;
      }
      const root = resolve(p.source.root);
      let m = this.fs.get(root);
      if (!m) this.fs.set(root, (m = new Map()));
      const own = (prefix: string | undefined) => {
        if (prefix === undefined) return;
        const k = prefix.replace(/^\.?\/+|\/+$/g, '');
        let ids = m!.get(k);
        if (!ids) m!.set(k, (ids = new Set()));
        ids.add(p.id);
      };
      own(p.path);
      own(p.manifestPath);
      for (const s of p.skills) own(s.path);
    }
  }

  get size(): number {
    return this.sigs.size;
  }

  ids(): Set<string> {
    return new Set(this.sigs.keys());
  }

  has(id: string): boolean {
    return this.sigs.has(id);
  }

  /** Plugin ids that own `abs` (sorted); empty when no known plugin does. */
  lookup(abs: string): string[] {
    const path = resolve(abs);
    const out = new Set<string>();
    for (const [gitdir, ids] of this.git) {
      if (under(gitdir, path) !== null) for (const id of ids) out.add(id);
    }
    for (const [root, prefixes] of this.fs) {
      const rel = under(root, path);
      if (rel === null) continue;
      const parts = rel ? rel.split(sep) : [];
      for (let n = parts.length; n >= 0; n--) {
        const ids = prefixes.get(parts.slice(0, n).join('/'));
        if (ids) for (const id of ids) out.add(id);
      }
    }
    return [...out].sort();
  }

  /** What changed from `prev` to this index. */
  diffFrom(prev: PluginIndex): PluginDiff {
    const added: string[] = [];
    const changed: string[] = [];
    for (const [id, sig] of this.sigs) {
      const old = prev.sigs.get(id);
      if (old === undefined) added.push(id);
      else if (old !== sig) changed.push(id);
    }
    const removed = [...prev.sigs.keys()].filter((id) => !this.sigs.has(id));
    return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
  }
}

/** `path` relative to `root` ('' for the root itself), or null when outside it. */
export function under(root: string, path: string): string | null {
  const rel = relative(root, path);
  if (rel === '') return '';
  if (rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) return null;
  return rel;
}
