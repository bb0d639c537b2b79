// The git tree of a skill folder in a plugin source, read through directory
// descriptors (src/plugins/fs-at.ts): a folder or file swapped for a link, a FIFO or
// anything else after discovery is refused, never followed or read. Every blob is
// hashed from the bytes read through one descriptor and re-checked with fstat after
// reading, so what is stored is what was read. The stat cache, like git's index,
// lets a pass skip reading unchanged files.
import { fstatSync, type Stats } from 'node:fs';
import { RACY_WINDOW_MS, type StatCache } from '../git/dir-tree.js';
import { hashObject, EMPTY_TREE } from '../git/hash.js';
import { encodeTree, type TreeEntry } from '../git/tree.js';
import type { ObjectStore } from '../git/objects.js';
import { SkillsyncError } from '../core/errors.js';
import { MAX_SKILL_PATH_BYTES } from '../core/names.js';
import { checkEntryName } from '../core/tree-entries.js';
import { closeDir, lstatAt, listAt, openDirAt, openRootDir, readFileAt, sameStat, sourceError, type DirHandle } from '../plugins/fs-at.js';
import { splitRelPath } from '../plugins/fs-source.js';

/** Re-reads of one file whose stat moved while it was read, before the pass gives up on it. */
const READ_ATTEMPTS = 3;

export interface ReadOptions {
  store?: ObjectStore;
  cache?: StatCache;
  maxFiles?: number;
}

export interface ReadResult {
  oid: string;
  files: number;
  /** Stats of every file as read (fstat after reading), for the consistency re-check. */
  seen: Map<string, Stats>;
  /** Blob oid of every file. */
  oids: Map<string, string>;
  /** Blobs taken from the stat cache (not read in this pass). */
  reused: Set<string>;
  /** Files with more than one hard link: they may alias a file outside the source. */
  hardlinks: string[];
}

const entryMode = (st: Stats): '100644' | '100755' => (st.mode & 0o100 ? '100755' : '100644');

function symlinkError(rel: string): SkillsyncError {
  return new SkillsyncError('ESYMLINK', `symlink in skill: ${rel} (symlinks are not followed; replace it with the file it points to)`, { path: rel });
}

function changing(rel: string, what = 'changed'): SkillsyncError {
  return new SkillsyncError('ESOURCE_CHANGING', `${rel} ${what} while it was read; it will be read again on the next pass`, { path: rel }, 'retry');
}

/** Open the skill folder `rel` of the source at `root`, one component at a time, never through a link. */
export function openSkillFolder(root: string, rel: string, reals?: Map<string, string>): DirHandle {
  let dir: DirHandle | null;
  try {
    dir = openRootDir(root, reals);
  } catch (err) {
    throw sourceError(err, root);
  }
  if (!dir) throw new SkillsyncError('ESOURCE_GONE', `plugin source ${root} is missing; it will be read again on the next pass`, { path: root }, 'retry');
  let parts: string[];
  try {
    parts = splitRelPath(rel); // a '..' would be opened as the parent folder: a path from a cache is never trusted to be canonical
  } catch (err) {
    closeDir(dir);
    throw err;
  }
  for (let i = 0; i < parts.length; i++) {
    let next: DirHandle | null;
    const sub = parts.slice(0, i + 1).join('/');
    try {
      next = openDirAt(dir, parts[i]!);
      if (!next && lstatAt(dir, parts[i]!)?.isSymbolicLink()) {
        // Closed once, below: closing here too closed it twice (EBADF hid this error, or another descriptor went).
        throw new SkillsyncError('ESYMLINK', `${sub} is a symlink; skillsync never follows links, make it a folder`, { path: sub });
      }
    } catch (err) {
      closeDir(dir);
      throw sourceError(err, sub);
    }
    closeDir(dir);
    if (!next) throw new SkillsyncError('ESOURCE_GONE', `skill folder ${rel} is missing or not a folder; it will be read again on the next pass`, { path: rel }, 'retry');
    dir = next;
  }
  return dir;
}

/**
 * The folders that hold skill folders (a plugin's skills/), each opened once as
 * openSkillFolder opens it, and every skill folder opened inside its held parent: one
 * open per skill instead of one per path component. A parent swapped after it was
 * opened is read as the folder opened, as a skill folder is during its walk. Close it
 * when the plugin is done.
 */
export class SkillParents {
  private readonly held = new Map<string, DirHandle | null>();
  constructor(private readonly reals?: Map<string, string>) {}

  /** The skill folder `rel` of the source at `root`; refused and reported exactly as openSkillFolder does. */
  open(root: string, rel: string): DirHandle {
    splitRelPath(rel);
    const i = rel.lastIndexOf('/');
    if (i < 0) return openSkillFolder(root, rel, this.reals);
    const key = `${root}\0${rel.slice(0, i)}`;
    let parent = this.held.get(key);
    if (parent === undefined) {
      try {
        parent = openSkillFolder(root, rel.slice(0, i), this.reals);
      } catch {
        parent = null;
      }
      this.held.set(key, parent);
    }
    if (parent === null) return openSkillFolder(root, rel, this.reals); // its error, worded as always
    const name = rel.slice(i + 1);
    let dir: DirHandle | null;
    try {
      dir = openDirAt(parent, name);
      if (!dir && lstatAt(parent, name)?.isSymbolicLink()) {
        throw new SkillsyncError('ESYMLINK', `${rel} is a symlink; skillsync never follows links, make it a folder`, { path: rel });
      }
    } catch (err) {
      throw sourceError(err, rel);
    }
    if (!dir) throw new SkillsyncError('ESOURCE_GONE', `skill folder ${rel} is missing or not a folder; it will be read again on the next pass`, { path: rel }, 'retry');
    return dir;
  }

  close(): void {
    for (const d of this.held.values()) closeDir(d);
    this.held.clear();
  }
}

/** Read a file through its folder's descriptor until two fstats agree with what was read. */
function readStable(dir: DirHandle, name: string, rel: string): { data: Buffer; st: Stats } {
  for (let attempt = 1; ; attempt++) {
    let r;
    try {
      r = readFileAt(dir, name);
    } catch (err) {
      throw sourceError(err, rel);
    }
    if (r.kind === 'symlink') throw symlinkError(rel);
    if (r.kind === 'gone') throw changing(rel, 'disappeared');
    if (r.kind === 'other') {
      if (r.st.isDirectory()) throw changing(rel, 'became a folder');
      throw new SkillsyncError('ESPECIAL_FILE', `not a regular file: ${rel} (devices, sockets and pipes cannot be mirrored)`, { path: rel });
    }
    const again = lstatAt(dir, name);
    // The bytes match the size, and the file at that name is still the one read, unchanged.
    if (r.data.length === r.st.size && again && sameStat(again, r.st)) return { data: r.data, st: r.st };
    if (attempt >= READ_ATTEMPTS) throw changing(rel);
  }
}

/** Hash (and with `store`, write) the skill folder held by `top`. */
export function readSkillTree(top: DirHandle, opts: ReadOptions = {}): ReadResult {
  const res: ReadResult = { oid: '', files: 0, seen: new Map(), oids: new Map(), reused: new Set(), hardlinks: [] };
  const write = (type: 'blob' | 'tree', body: Buffer) => (opts.store ? opts.store.write(type, body) : hashObject(type, body));
  const maxFiles = opts.maxFiles ?? 1_000_000;
  const cache = opts.cache;

  const walk = (dir: DirHandle, rel: string, dirSt: Stats): string | null => {
    const dirKey = rel ? `${rel}/` : '/';
    const cachedDir = cache?.get(dirKey);
    // A folder whose mtime/ctime did not move has the same names (git's untracked cache).
    let names: { name: string; dir: boolean }[];
    const listedAt = Date.now();
    const fromCache = !!(cachedDir?.names && cachedDir.mtimeMs === dirSt.mtimeMs && cachedDir.ctimeMs === dirSt.ctimeMs && cachedDir.ino === dirSt.ino && dirSt.mtimeMs < cachedDir.hashedAt - RACY_WINDOW_MS);
    if (fromCache) names = cachedDir!.names!.map((n) => (n.endsWith('/') ? { name: n.slice(0, -1), dir: true } : { name: n, dir: false }));
    else {
      try {
        names = listAt(dir).map((d) => ({ name: d.name, dir: d.isDirectory() }));
      } catch (err) {
        throw sourceError(err, rel || '.');
      }
    }
    const entries: TreeEntry[] = [];
    const seenNames: string[] = [];
    let allCached = cachedDir?.names !== undefined && names.length === cachedDir.names.length;
    for (const { name, dir: isDir } of names) {
      if (name === '.git') continue; // git never adds a .git entry
      const childRel = rel ? `${rel}/${name}` : name;
      // Names from the cache passed these checks when they were listed (only a folder read without error is cached).
      if (!fromCache) checkName(name, rel, childRel);
      // A folder by its listing (or cached names) is opened at once, O_NOFOLLOW|O_DIRECTORY, and fstat'ed:
      // no lstat first. Anything else, or a folder that is not one now, is looked at by lstat.
      let sub: DirHandle | null = null;
      let st: Stats | null = null;
      try {
        if (isDir) sub = openDirAt(dir, name);
        if (!sub) st = lstatAt(dir, name);
      } catch (err) {
        throw sourceError(err, childRel);
      }
      if (!sub) {
        if (!st) throw changing(childRel, 'disappeared');
        if (st.isSymbolicLink()) throw symlinkError(childRel);
        if (st.isDirectory()) {
          try {
            sub = openDirAt(dir, name);
          } catch (err) {
            throw sourceError(err, childRel);
          }
          if (!sub) {
            if (lstatAt(dir, name)?.isSymbolicLink()) throw symlinkError(childRel);
            throw changing(childRel);
          }
        }
      }
      if (sub) {
        try {
          const before = cache?.get(`${childRel}/`)?.oid;
          const oid = walk(sub, childRel, fstatOf(sub, childRel));
          if (oid) entries.push({ mode: '40000', name, oid });
          if (!isDir || oid !== before || !oid) allCached = false;
        } finally {
          closeDir(sub);
        }
        seenNames.push(`${name}/`);
        continue;
      }
      if (!st) throw changing(childRel, 'disappeared');
      seenNames.push(name);
      if (!st.isFile()) throw new SkillsyncError('ESPECIAL_FILE', `not a regular file: ${childRel} (devices, sockets and pipes cannot be mirrored)`, { path: childRel });
      if (++res.files > maxFiles) throw new SkillsyncError('ETOO_MANY_FILES', `more than ${maxFiles} files in the skill`, { path: rel });
      const mode = entryMode(st);
      const cached = cache?.get(childRel);
      let oid: string;
      if (cached && cached.mtimeMs === st.mtimeMs && cached.ctimeMs === st.ctimeMs && cached.size === st.size && cached.ino === st.ino && cached.exec === (mode === '100755') && st.mtimeMs < cached.hashedAt - RACY_WINDOW_MS) {
        oid = cached.oid;
        res.reused.add(oid);
      } else {
        allCached = false;
        const t = Date.now();
        const r = readStable(dir, name, childRel);
        st = r.st;
        oid = write('blob', r.data);
        cache?.set(childRel, { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, ino: st.ino, exec: mode === '100755', oid, hashedAt: t });
      }
      if (st.nlink > 1) res.hardlinks.push(childRel);
      res.seen.set(childRel, st);
      res.oids.set(childRel, oid);
      entries.push({ mode: entryMode(st), name, oid });
    }
    let oid: string | null;
    if (allCached && !opts.store && cachedDir) oid = cachedDir.oid || null;
    else oid = entries.length === 0 ? null : write('tree', encodeTree(entries)); // git records no empty folders
    if (cache && !(fromCache && allCached)) {
      cache.set(dirKey, { mtimeMs: dirSt.mtimeMs, ctimeMs: dirSt.ctimeMs, size: 0, ino: dirSt.ino, exec: false, oid: oid ?? '', hashedAt: fromCache && cachedDir ? cachedDir.hashedAt : listedAt, names: seenNames });
    }
    return oid;
  };

  res.oid = walk(top, '', fstatOf(top, '.')) ?? EMPTY_TREE;
  if (opts.store && res.oid === EMPTY_TREE) opts.store.write('tree', Buffer.alloc(0));
  return res;
}

/** Names a skill may not hold: not UTF-8, git's own (`.GIT`, `git~1`, `.gitmodules`...: a checkout would take them for git's), too long. */
function checkName(name: string, rel: string, childRel: string): void {
  if (name.includes('\uFFFD')) throw new SkillsyncError('ENAME_ENCODING', `file name is not valid UTF-8: ${childRel}`, { path: rel });
  const bad = checkEntryName(name, 'skill');
  if (bad) throw new SkillsyncError('ETREE_ENTRY', `${childRel}: ${bad.message}; rename or remove it`, { path: childRel, rule: bad.rule });
  if (Buffer.byteLength(childRel) > MAX_SKILL_PATH_BYTES) {
    throw new SkillsyncError('EPATH_TOO_LONG', `path too long in skill: ${childRel.slice(0, 80)}… (${Buffer.byteLength(childRel)} bytes; the limit is ${MAX_SKILL_PATH_BYTES})`, { path: childRel });
  }
}

function fstatOf(dir: DirHandle, rel: string): Stats {
  try {
    return fstatSync(dir.fd);
  } catch (err) {
    throw sourceError(err, rel);
  }
}

/** Files of the folder now, by stat only: true when exactly the files of `seen` are there, unchanged. */
export function unchangedSince(top: DirHandle, seen: Map<string, Stats>): boolean {
  let count = 0;
  const walk = (dir: DirHandle, rel: string): boolean => {
    let names;
    try {
      names = listAt(dir);
    } catch {
      return false;
    }
    for (const d of names) {
      if (d.name === '.git') continue;
      const childRel = rel ? `${rel}/${d.name}` : d.name;
      const st = lstatAt(dir, d.name);
      if (!st) return false;
      if (st.isDirectory()) {
        const sub = openDirAt(dir, d.name);
        if (!sub) return false;
        try {
          if (!walk(sub, childRel)) return false;
        } finally {
          closeDir(sub);
        }
        continue;
      }
      const prev = seen.get(childRel);
      if (!prev || !sameStat(prev, st)) return false;
      count++;
    }
    return true;
  };
  return walk(top, '') && count === seen.size;
}

/** Read `rel` below `top` again (through descriptors) and hash it; null when it cannot be read. */
export function rehash(top: DirHandle, rel: string): string | null {
  const parts = rel.split('/');
  let dir: DirHandle | null = top;
  const opened: DirHandle[] = [];
  try {
    for (const p of parts.slice(0, -1)) {
      dir = openDirAt(dir, p);
      if (!dir) return null;
      opened.push(dir);
    }
    const r = readFileAt(dir, parts[parts.length - 1]!);
    return r.kind === 'file' ? hashObject('blob', r.data) : null;
  } catch {
    return null;
  } finally {
    for (const d of opened) closeDir(d);
  }
}
