// The git tree oid of a directory on disk (what `git add -A && git write-tree` gives),
// optionally storing every object. A stat cache, like git's index, lets a pass skip
// reading unchanged files; racily-clean entries (mtime too close to when we hashed
// the file) are rehashed, so a same-size rewrite within one timestamp tick is seen.
import { lstatSync, readdirSync, readFileSync, type Dirent, type Stats } from 'node:fs';
import { join } from 'node:path';
import { hashObject } from './hash.js';
import { encodeTree, type TreeEntry } from './tree.js';
import type { ObjectStore } from './objects.js';
import { SkillsyncError } from '../core/errors.js';
import { checkEntryName } from '../core/tree-entries.js';

/** Files whose mtime is within this window of when they were hashed are rehashed next time. */
export const RACY_WINDOW_MS = 2000;

export interface StatEntry {
  mtimeMs: number;
  ctimeMs: number;
  size: number;
  ino: number;
  exec: boolean;
  /** Blob oid (tree oid for a directory entry). */
  oid: string;
  /** When it was hashed (ms): a file changed within RACY_WINDOW_MS of that is hashed again. */
  hashedAt: number;
  /** Directory entries only (key 'dir/' or '/' for the root): child names, '/' appended for folders. */
  names?: string[];
}

export type StatCache = Map<string, StatEntry>;

export interface HashDirOptions {
  store?: ObjectStore;
  cache?: StatCache;
  /** Called for every file hashed or reused: relative path, mode, oid, content when it was read. */
  onFile?: (path: string, mode: '100644' | '100755', oid: string, content: Buffer | null) => void;
  /** Maximum number of files (hostile sources). */
  maxFiles?: number;
}

export interface HashDirResult {
  oid: string;
  files: number;
  /** Paths hashed from content (cache misses). */
  hashed: number;
  /** Stats seen, for a consistency re-check. */
  seen: Map<string, Stats>;
}

function entryMode(st: Stats): '100644' | '100755' {
  // git keeps only the owner's execute bit.
  return st.mode & 0o100 ? '100755' : '100644';
}

export function hashDirectory(root: string, opts: HashDirOptions = {}): HashDirResult {
  const res: HashDirResult = { oid: '', files: 0, hashed: 0, seen: new Map() };
  const write = (type: 'blob' | 'tree', body: Buffer) => (opts.store ? opts.store.write(type, body) : hashObject(type, body));
  const maxFiles = opts.maxFiles ?? 1_000_000;

  const walk = (abs: string, rel: string): string | null => {
    // Like git's untracked cache: a folder whose mtime/ctime did not move has the same
    // names, so one lstat replaces the readdir; if no child changed either, the tree
    // oid is reused without encoding or hashing anything.
    const dirKey = rel ? `${rel}/` : '/';
    const cachedDir = opts.cache?.get(dirKey);
    let dirSt: Stats | null = null;
    let dirents: { name: string; isDirectory(): boolean }[] | null = null;
    if (opts.cache) {
      try {
        dirSt = lstatSync(abs);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new SkillsyncError('ESOURCE_GONE', `${abs} disappeared while it was read; it will be read again on the next pass`, { path: abs }, 'retry');
        throw err;
      }
      if (cachedDir?.names && cachedDir.mtimeMs === dirSt.mtimeMs && cachedDir.ctimeMs === dirSt.ctimeMs && cachedDir.ino === dirSt.ino && dirSt.mtimeMs < cachedDir.hashedAt - RACY_WINDOW_MS) {
        dirents = cachedDir.names.map((n) => (n.endsWith('/') ? { name: n.slice(0, -1), isDirectory: () => true } : { name: n, isDirectory: () => false }));
      }
    }
    const listedAt = Date.now();
    const fromCache = dirents !== null;
    if (!dirents) {
      try {
        dirents = readdirSync(abs, { withFileTypes: true }) as Dirent[];
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new SkillsyncError('ESOURCE_GONE', `${abs} disappeared while it was read; it will be read again on the next pass`, { path: abs }, 'retry');
        throw err;
      }
    }
    const entries: TreeEntry[] = [];
    // Counted without .git, as the cached names are: a .git added beside a deleted file must not look unchanged.
    let allCached = cachedDir?.names !== undefined && dirents.filter((d) => d.name !== '.git').length === cachedDir.names.length;
    const names: string[] = [];
    for (const dirent of dirents) {
      const name = dirent.name;
      if (name === '.git') continue; // git never adds a .git entry
      if (name.includes('\uFFFD')) {
        throw new SkillsyncError('ENAME_ENCODING', `file name is not valid UTF-8: ${rel ? rel + '/' : ''}${name}`, { path: rel });
      }
      const childAbs = join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      // `.GIT`, `git~1`, `.gitmodules`...: a checkout or clone would take them for git's own.
      const bad = checkEntryName(name, 'skill');
      if (bad) throw new SkillsyncError('ETREE_ENTRY', `${childRel}: ${bad.message}; rename or remove it`, { path: childRel, rule: bad.rule });
      if (dirent.isDirectory()) {
        // d_type says directory: no lstat needed (directories carry no mode git keeps).
        const before = opts.cache?.get(`${childRel}/`)?.oid;
        const sub = walk(childAbs, childRel);
        if (sub) entries.push({ mode: '40000', name, oid: sub });
        if (sub !== before || !sub) allCached = false;
        names.push(`${name}/`);
        continue;
      }
      let st: Stats;
      try {
        st = lstatSync(childAbs);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new SkillsyncError('ESOURCE_CHANGING', `${childRel} disappeared while it was read; it will be read again`, { path: childRel }, 'retry');
        }
        throw err;
      }
      if (st.isSymbolicLink()) {
        throw new SkillsyncError('ESYMLINK', `symlink in skill: ${childRel} (symlinks are not followed; replace it with the file it points to)`, { path: childRel });
      }
      if (st.isDirectory()) {
        const sub = walk(childAbs, childRel);
        if (sub) entries.push({ mode: '40000', name, oid: sub });
        allCached = false;
        names.push(`${name}/`);
        continue;
      }
      names.push(name);
      if (!st.isFile()) {
        throw new SkillsyncError('ESPECIAL_FILE', `not a regular file: ${childRel} (devices, sockets and pipes cannot be mirrored)`, { path: childRel });
      }
      if (++res.files > maxFiles) {
        throw new SkillsyncError('ETOO_MANY_FILES', `more than ${maxFiles} files under ${root}`, { path: root });
      }
      res.seen.set(childRel, st);
      const mode = entryMode(st);
      const cached = opts.cache?.get(childRel);
      let oid: string;
      if (
        cached &&
        cached.mtimeMs === st.mtimeMs &&
        cached.ctimeMs === st.ctimeMs &&
        cached.size === st.size &&
        cached.ino === st.ino &&
        cached.exec === (mode === '100755') &&
        st.mtimeMs < cached.hashedAt - RACY_WINDOW_MS
      ) {
        oid = cached.oid;
        opts.onFile?.(childRel, mode, oid, null);
      } else {
        allCached = false;
        const t = Date.now();
        const content = readFileSync(childAbs);
        if (content.length !== st.size) {
          throw new SkillsyncError('ESOURCE_CHANGING', `${childRel} changed while it was read; it will be read again`, { path: childRel }, 'retry');
        }
        oid = write('blob', content);
        res.hashed++;
        opts.cache?.set(childRel, { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, ino: st.ino, exec: mode === '100755', oid, hashedAt: t });
        opts.onFile?.(childRel, mode, oid, content);
      }
      entries.push({ mode, name, oid });
    }
    let oid: string | null;
    if (allCached && !opts.store && cachedDir) oid = cachedDir.oid || null;
    else oid = entries.length === 0 ? null : write('tree', encodeTree(entries)); // git records no empty directories
    if (opts.cache && dirSt && !(fromCache && allCached)) {
      // Only a changed folder gets a new entry: an unchanged cache is not rewritten.
      opts.cache.set(dirKey, { mtimeMs: dirSt.mtimeMs, ctimeMs: dirSt.ctimeMs, size: 0, ino: dirSt.ino, exec: false, oid: oid ?? '', hashedAt: fromCache && cachedDir ? cachedDir.hashedAt : listedAt, names });
    }
    return oid;
  };

  res.oid = walk(root, '') ?? hashObject('tree', Buffer.alloc(0));
  if (opts.store && res.oid === hashObject('tree', Buffer.alloc(0))) opts.store.write('tree', Buffer.alloc(0));
  return res;
}

/** True when every file seen still has the same stat and no file appeared or vanished. */
export function unchangedSince(root: string, seen: Map<string, Stats>): boolean {
  let count = 0;
  const walk = (abs: string, rel: string): boolean => {
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch {
      return false;
    }
    for (const name of names) {
      if (name === '.git') continue;
      const childRel = rel ? `${rel}/${name}` : name;
      let st: Stats;
      try {
        st = lstatSync(join(abs, name));
      } catch {
        return false;
      }
      if (st.isDirectory()) {
        if (!walk(join(abs, name), childRel)) return false;
        continue;
      }
      const prev = seen.get(childRel);
      if (!prev || prev.mtimeMs !== st.mtimeMs || prev.ctimeMs !== st.ctimeMs || prev.size !== st.size || prev.ino !== st.ino || prev.mode !== st.mode) return false;
      count++;
    }
    return true;
  };
  return walk(root, '') && count === seen.size;
}
