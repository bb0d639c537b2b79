// A plugin source that is a local git repository followed at a ref: manifests and
// skill trees are read straight from its objects (no checkout, no hashing of files).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ObjectStore } from '../git/objects.js';
import { readRef } from '../git/refs.js';
import { lookupPath } from '../git/tree-editor.js';
import type { TreeEntry } from '../git/tree.js';
import { SkillsyncError } from '../core/errors.js';
import type { SourceEntry, SourceTree } from './types.js';
import { compareNames } from './fs-source.js';

export interface GitSourceTree extends SourceTree {
  readonly kind: 'git';
  readonly store: ObjectStore;
  /** Root tree of the followed ref (+ sub-path). */
  readonly tree: string;
  readonly commit: string;
  /** The remote URL when this is a cache repository of one. */
  readonly remote?: string;
  /** The tree entry at rel, or null. */
  entry(rel: string): TreeEntry | null;
  /** Content identity for discovery's cache: the blob oid. */
  fileKey(rel: string): string | null;
}

export function resolveGitDir(path: string): string {
  if (existsSync(join(path, 'HEAD')) && existsSync(join(path, 'objects'))) return path;
  const dotgit = join(path, '.git');
  if (existsSync(dotgit) && statSync(dotgit).isDirectory()) return dotgit;
  throw new SkillsyncError('ESOURCE_GIT', `not a git repository: ${path}`, { path });
}

export function resolveCommitish(gitdir: string, ref: string): string {
  if (/^[0-9a-f]{40}$/.test(ref)) return ref;
  for (const name of ref === 'HEAD' ? ['HEAD'] : [ref, `refs/heads/${ref}`, `refs/tags/${ref}`, `refs/remotes/${ref}`]) {
    if (!name.startsWith('refs/') && name !== 'HEAD') continue;
    const oid = readRef(gitdir, name);
    if (oid) return oid;
  }
  throw new SkillsyncError('ESOURCE_GIT', `ref '${ref}' not found in ${gitdir}`, { gitdir, ref });
}

function cleanRel(rel: string): string {
  const parts = rel.split('/').filter((p) => p && p !== '.');
  if (parts.some((p) => p === '..') || rel.startsWith('/')) {
    throw new SkillsyncError('EPATH_ESCAPE', `path escapes the source: ${rel}`, { path: rel });
  }
  return parts.join('/');
}

export interface GitSourceOptions {
  /** How messages name it (default `<repoPath>@<ref>[:<sub>]`). */
  display?: string;
  /** The remote URL (effective, no credentials) when the repository is a cache of one. */
  remote?: string;
  /** Reuse an object store (several plugins of one remote repository). */
  store?: ObjectStore;
  /** The id of a root that is itself a bare or single-skill plugin (default: from the path). */
  name?: string;
}

export function createGitSource(repoPath: string, ref: string, subPath = '', opts: GitSourceOptions = {}): GitSourceTree {
  const gitdir = resolveGitDir(repoPath);
  const sub = cleanRel(subPath);
  const display = opts.display ?? `${repoPath}@${ref}${sub ? ':' + sub : ''}`;
  const store = opts.store ?? new ObjectStore(gitdir, { checkTrees: 'object', source: display }); // a stranger's trees
  let commit = resolveCommitish(gitdir, ref);
  let obj = store.read(commit);
  while (obj.type === 'tag') {
    commit = store.readTag(commit).object;
    obj = store.read(commit);
  }
  if (obj.type !== 'commit') throw new SkillsyncError('ESOURCE_GIT', `${ref} in ${gitdir} is not a commit`, { ref });
  const rootTree = store.readCommit(commit).tree;
  const subEntry = sub ? lookupPath(store, rootTree, sub) : { mode: '40000' as const, name: '', oid: rootTree };
  if (!subEntry || subEntry.mode !== '40000') {
    throw new SkillsyncError('ESOURCE_GIT', `folder '${sub}' not found at ${ref} in ${gitdir}`, { ref, path: sub });
  }
  const tree = subEntry.oid;
  // Trees by name, once per tree: a marketplace of 100,000 entries looks into plugins/ 100,000 times.
  const byName = new Map<string, Map<string, TreeEntry>>();
  const childrenOf = (oid: string): Map<string, TreeEntry> => {
    let m = byName.get(oid);
    if (m === undefined) {
      byName.set(oid, (m = new Map()));
      for (const e of store.readTree(oid)) if (!m.has(e.name)) m.set(e.name, e); // the first wins, as a search would
    }
    return m;
  };
  const entry = (rel: string): TreeEntry | null => {
    const r = cleanRel(rel);
    let cur: TreeEntry = { mode: '40000', name: '', oid: tree };
    for (const part of r ? r.split('/') : []) {
      if (cur.mode !== '40000') return null;
      const next = childrenOf(cur.oid).get(part);
      if (next === undefined) return null;
      cur = next;
    }
    return cur;
  };
  const typeOf = (e: TreeEntry): SourceEntry['type'] =>
    e.mode === '40000' ? 'dir' : e.mode === '120000' ? 'symlink' : e.mode === '160000' ? 'other' : 'file';
  return {
    kind: 'git',
    display,
    root: gitdir,
    ...(opts.remote !== undefined ? { remote: opts.remote } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    store,
    tree,
    commit,
    entry,
    list(rel) {
      const e = entry(rel);
      if (!e || e.mode !== '40000') return null;
      return [...childrenOf(e.oid).values()]
        .map((c) => ({ name: c.name, type: typeOf(c), mode: c.mode === '100755' ? 0o100755 : c.mode === '100644' ? 0o100644 : undefined }))
        .sort((a, b) => compareNames(a.name, b.name));
    },
    stat(rel) {
      const e = entry(rel);
      return e ? typeOf(e) : null;
    },
    read(rel) {
      const e = entry(rel);
      return e && (e.mode === '100644' || e.mode === '100755') ? store.readBlob(e.oid) : null;
    },
    /** Content identity for discovery's cache: the blob oid. */
    fileKey(rel: string) {
      const e = entry(rel);
      return e && (e.mode === '100644' || e.mode === '100755') ? `git:${e.oid}` : null;
    },
  };
}
