// A plugin source that is a directory on disk, read without ever following a link.
//
// * Paths are POSIX and relative to the root; '..', absolute paths, backslashes and
//   NUL are refused with EPATH_ESCAPE, empty or '.' segments with EPATH_INVALID.
// * lstat/Dirent types only: a symlink is reported as 'symlink', never resolved.
// * Intermediate directories: lstat on the last component does not protect against a
//   symlinked parent ("a/b" where "a" -> /etc). Every operation therefore checks that
//   the real path of the directory it works in is exactly <real root>/<rel>, which
//   fails if any component on the way is a symlink.
// * Files are opened O_NOFOLLOW | O_NONBLOCK and fstat'ed: a symlink, FIFO, socket or
//   device is never read (a FIFO named SKILL.md would otherwise block forever).
// * The root itself may be a symlink (a configured path such as /srv/plugins/current
//   swapped by git-sync): it is resolved, and re-resolved on every synchronous pass.
import { lstatSync, readdirSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { SkillsyncError } from '../core/errors.js';
import type { SourceEntry, SourceTree } from './types.js';
import { closeDir, openRootDir, readFileAt, realPathOf, sourceError, type DirHandle } from './fs-at.js';

/** A SourceTree that can also read just the beginning of a file (for front matter). */
export interface PrefixReadable {
  /** Up to `maxBytes` bytes of a regular file and whether the file was longer; null like read(). */
  readPrefix(rel: string, maxBytes: number): { data: Buffer; truncated: boolean } | null;
}

export function hasReadPrefix(source: SourceTree): source is SourceTree & PrefixReadable {
  return typeof (source as Partial<PrefixReadable>).readPrefix === 'function';
}

/**
 * A SourceTree that can tell cheaply whether a file changed: a key that changes
 * whenever the content may have changed (fs: inode, size, mtime, ctime; a git source
 * could return the blob oid). null when `rel` is not a regular file.
 */
export interface FileKeyed {
  fileKey(rel: string): string | null;
}

export function hasFileKey(source: SourceTree): source is SourceTree & FileKeyed {
  return typeof (source as Partial<FileKeyed>).fileKey === 'function';
}

/**
 * What discovering a folder saw, in order, to tell later by stat alone whether it would
 * see the same (see FsSource.observe): a folder listed (identity and subfolders), the
 * type at a path, a file's key (also for every file read).
 */
export type Seen = ['d', string, number, number, number, string[]] | ['l', string] | ['t', string, string] | ['k', string, string];

/** A source whose discovery can be recorded and checked again by stat (fs sources). */
export interface Observable {
  observe<T>(fn: () => T): { result: T; seen: Seen[] | null };
  stillSeen(seen: Seen[]): boolean;
}

export function isObservable(source: SourceTree): source is SourceTree & Observable {
  return typeof (source as Partial<Observable>).stillSeen === 'function';
}

/** Changes within this long of a look may share its timestamp tick: such a look is not kept (git's racy rule). */
const RACY_MS = 2000;

export const FILE_MODE = 0o100644;
export const EXEC_MODE = 0o100755;

/**
 * Byte-order comparison of names (what `list` promises): UTF-8 byte order is code
 * point order, which is UTF-16 code unit order except where a surrogate pair meets a
 * character from U+E000 to U+FFFF.
 */
export function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) {
      // One side is a supplementary character (>= U+10000), the other a BMP character.
      if (xs) return y >= 0xe000 ? 1 : x - y;
      return x >= 0xe000 ? -1 : x - y;
    }
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Validate a source-relative POSIX path and return its segments ([] for the root).
 * Throws EPATH_ESCAPE for paths that could leave the root, EPATH_INVALID for
 * non-canonical ones.
 */
export function splitRelPath(rel: string): string[] {
  if (typeof rel !== 'string') throw new SkillsyncError('EPATH_INVALID', `path must be a string, got ${typeof rel}`, { path: rel });
  if (rel === '') return [];
  if (rel.includes('\0')) throw new SkillsyncError('EPATH_ESCAPE', `path ${JSON.stringify(rel)} contains a NUL byte`, { path: rel });
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) throw new SkillsyncError('EPATH_ESCAPE', `path ${JSON.stringify(rel)} is absolute; paths must be relative to the source root`, { path: rel });
  if (rel.includes('\\')) throw new SkillsyncError('EPATH_ESCAPE', `path ${JSON.stringify(rel)} contains a backslash; use '/' separators`, { path: rel });
  const parts = rel.split('/');
  for (const p of parts) {
    if (p === '..') throw new SkillsyncError('EPATH_ESCAPE', `path ${JSON.stringify(rel)} contains '..'; it must stay inside the source root`, { path: rel });
    if (p === '' || p === '.') throw new SkillsyncError('EPATH_INVALID', `path ${JSON.stringify(rel)} is not canonical (empty or '.' segment)`, { path: rel });
  }
  return parts;
}

const CANONICAL_REL = /^[^/\\\0]+(?:\/[^/\\\0]+)*$/;
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** Validate `rel` (as splitRelPath does) and split it into parent folder and last name. */
function splitParent(rel: string): { parent: string; name: string } | null {
  if (rel === '') return null;
  // Fast path: canonical relative paths, checked without allocating.
  if (!(CANONICAL_REL.test(rel) && !DOT_SEGMENT.test(rel) && !/^[A-Za-z]:/.test(rel))) splitRelPath(rel);
  const i = rel.lastIndexOf('/');
  return i === -1 ? { parent: '', name: rel } : { parent: rel.slice(0, i), name: rel.slice(i + 1) };
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENAMETOOLONG' || code === 'EINVAL';
}

function modeOf(st: { mode: number }): number {
  return (st.mode & 0o111) !== 0 ? EXEC_MODE : FILE_MODE;
}

class FsSource implements SourceTree, PrefixReadable, FileKeyed, Observable {
  readonly kind = 'fs' as const;
  readonly display: string;
  readonly root: string;
  readonly name: string;
  private realRootCache: string | null = null;
  /** Folders (relative) known to be real folders during the current synchronous pass. */
  private verified: Set<string> | null = null;
  /** What observe() is recording; `racy` when something seen was too recent to vouch for. */
  private rec: { seen: Seen[]; racy: boolean; looked: Map<string, string> } | null = null;

  constructor(root: string) {
    this.root = resolve(root);
    this.display = this.root;
    this.name = basename(this.root);
  }

  /**
   * Checks are remembered for the current synchronous pass only (until the next
   * microtask): the real root and the folders verified so far. A pass sees one
   * consistent view; the next pass checks again.
   */
  private passCache(): Set<string> {
    if (this.verified === null) {
      this.verified = new Set();
      queueMicrotask(() => {
        this.verified = null;
        this.realRootCache = null;
      });
    }
    return this.verified;
  }

  /** Real path of the root (cached for the pass). */
  private realRoot(): string | null {
    const cache = this.passCache();
    if (this.realRootCache !== null) return this.realRootCache;
    try {
      this.realRootCache = realpathSync.native(this.root);
    } catch (err) {
      if (isMissing(err)) return null;
      throw sourceError(err, this.root);
    }
    cache.add('');
    return this.realRootCache;
  }

  /** A path in the source for messages. */
  private where(rel: string): string {
    return rel === '' ? this.root : `${this.root}/${rel}`;
  }

  private abs(realRoot: string, rel: string): string {
    return rel === '' ? realRoot : realRoot + (realRoot.endsWith('/') ? '' : '/') + rel;
  }

  /**
   * Absolute path of the directory `rel` after checking that no component of it
   * is a symlink (its real path is exactly real root + rel); null when missing.
   */
  private dirPath(rel: string): string | null {
    const realRoot = this.realRoot();
    if (realRoot === null) return null;
    const expected = this.abs(realRoot, rel);
    const cache = this.passCache();
    if (cache.has(rel)) return expected;
    try {
      if (realpathSync.native(expected) !== expected) return null;
    } catch (err) {
      if (isMissing(err)) return null;
      throw sourceError(err, this.where(rel));
    }
    cache.add(rel);
    return expected;
  }

  list(rel: string): SourceEntry[] | null {
    if (this.rec === null) return this.listNow(rel);
    const rec = this.rec;
    // The folder's identity before its names: a change in between shows as a mismatch next time.
    const dir = this.dirPath(rel);
    const st = dir === null ? undefined : lstatSync(dir, { throwIfNoEntry: false });
    const entries = this.recorded(() => this.listNow(rel));
    if (entries === null || st === undefined || !st.isDirectory()) this.saw(['l', rel]);
    else {
      if (Math.max(st.mtimeMs, st.ctimeMs) >= Date.now() - RACY_MS) rec.racy = true;
      this.saw(['d', rel, st.ino, st.mtimeMs, st.ctimeMs, entries.filter((e) => e.type === 'dir').map((e) => e.name)]);
    }
    return entries;
  }

  private listNow(rel: string): SourceEntry[] | null {
    splitRelPath(rel);
    const dir = this.dirPath(rel);
    if (dir === null) return null;
    let dirents;
    try {
      dirents = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return null;
      throw sourceError(err, this.where(rel));
    }
    const entries: SourceEntry[] = [];
    for (const d of dirents) {
      const name = d.name;
      // Names that are not valid UTF-8 arrive with U+FFFD and cannot be opened again.
      if (name.includes('\uFFFD')) {
        entries.push({ name, type: 'other' });
        continue;
      }
      let type: SourceEntry['type'];
      if (d.isSymbolicLink()) type = 'symlink';
      else if (d.isDirectory()) type = 'dir';
      else if (d.isFile()) type = 'file';
      else if (d.isFIFO() || d.isSocket() || d.isBlockDevice() || d.isCharacterDevice()) type = 'other';
      else type = this.lstatType(dir + '/' + name) ?? 'other'; // DT_UNKNOWN file systems
      const entry: SourceEntry = { name, type };
      if (type === 'file') {
        try {
          entry.mode = modeOf(lstatSync(dir + '/' + name));
        } catch (err) {
          if (!isMissing(err)) throw sourceError(err, this.where(rel));
          continue; // vanished while listing
        }
      }
      entries.push(entry);
    }
    entries.sort((a, b) => compareNames(a.name, b.name));
    // Subfolders just seen as real folders (not links) in a verified folder are verified too.
    const cache = this.passCache();
    const prefix = rel === '' ? '' : rel + '/';
    for (const e of entries) if (e.type === 'dir') cache.add(prefix + e.name);
    return entries;
  }

  private lstatType(abs: string): SourceEntry['type'] | null {
    try {
      // No exception for a missing entry: a marketplace of 100,000 stale entries asks 100,000 times.
      const st = lstatSync(abs, { throwIfNoEntry: false });
      if (st === undefined) return null;
      if (st.isSymbolicLink()) return 'symlink';
      if (st.isDirectory()) return 'dir';
      if (st.isFile()) return 'file';
      return 'other';
    } catch (err) {
      if (isMissing(err)) return null;
      throw sourceError(err, abs);
    }
  }

  stat(rel: string): SourceEntry['type'] | null {
    const t = this.rec ? this.recorded(() => this.statNow(rel)) : this.statNow(rel);
    if (this.rec) this.saw(['t', rel, t ?? '']);
    return t;
  }

  private statNow(rel: string): SourceEntry['type'] | null {
    const p = splitParent(rel);
    if (p === null) return this.realRoot() === null ? null : 'dir';
    const dir = this.dirPath(p.parent);
    if (dir === null) return null;
    return this.lstatType(dir + '/' + p.name);
  }

  fileKey(rel: string): string | null {
    const k = this.rec ? this.recorded(() => this.fileKeyNow(rel)) : this.fileKeyNow(rel);
    if (this.rec) {
      this.saw(['k', rel, k ?? '']);
      if (k !== null && Number(k.slice(k.lastIndexOf(':') + 1)) >= Date.now() - RACY_MS) this.rec.racy = true;
    }
    return k;
  }

  /**
   * A look that fails (EACCES, EIO) leaves no record of what it saw, and a fix such as a
   * chmod moves nothing a record holds: the folder's result is not kept.
   */
  private recorded<T>(look: () => T): T {
    try {
      return look();
    } catch (err) {
      if (this.rec) this.rec.racy = true;
      throw err;
    }
  }

  /** Record a look once; the same look giving another answer within one discovery is racy. */
  private saw(x: Seen): void {
    const rec = this.rec!;
    const key = `${x[0] === 'l' ? 'd' : x[0]}\0${x[1]}`;
    const value = JSON.stringify(x);
    const before = rec.looked.get(key);
    if (before === undefined) {
      rec.looked.set(key, value);
      rec.seen.push(x);
    } else if (before !== value) rec.racy = true;
  }

  /**
   * Run `fn` (discovering one folder) with every look at the file system recorded: what
   * stillSeen() needs to tell that discovering it again would see the same. `seen` is
   * null when something was changed too recently to be vouched for by its stat.
   */
  observe<T>(fn: () => T): { result: T; seen: Seen[] | null } {
    if (this.rec !== null) return { result: fn(), seen: null }; // not nested
    const rec = (this.rec = { seen: [] as Seen[], racy: false, looked: new Map<string, string>() });
    try {
      const result = fn();
      return { result, seen: rec.racy ? null : rec.seen };
    } finally {
      this.rec = null;
    }
  }

  /**
   * True when every look in `seen` (from observe) would see the same now, checked in
   * order: a folder by lstat (same inode, mtime and ctime: same names; its subfolders
   * are then real folders for this pass, as a listing makes them), a type, a file key.
   */
  stillSeen(seen: Seen[]): boolean {
    const now = Date.now();
    for (const x of seen) {
      if (x[0] === 'd') {
        const dir = this.dirPath(x[1]);
        const st = dir === null ? undefined : lstatSync(dir, { throwIfNoEntry: false });
        if (!st || !st.isDirectory() || st.ino !== x[2] || st.mtimeMs !== x[3] || st.ctimeMs !== x[4] || Math.max(st.mtimeMs, st.ctimeMs) >= now - RACY_MS) return false;
        const cache = this.passCache();
        const prefix = x[1] === '' ? '' : x[1] + '/';
        for (const n of x[5]) cache.add(prefix + n);
      } else if (x[0] === 'l') {
        if (this.listNow(x[1]) !== null) return false;
      } else if (x[0] === 't') {
        if ((this.statNow(x[1]) ?? '') !== x[2]) return false;
      } else if ((this.fileKeyNow(x[1]) ?? '') !== x[2]) return false;
    }
    return true;
  }

  private fileKeyNow(rel: string): string | null {
    const p = splitParent(rel);
    if (p === null) return null;
    const dir = this.dirPath(p.parent);
    if (dir === null) return null;
    try {
      const st = lstatSync(dir + '/' + p.name, { throwIfNoEntry: false });
      if (st === undefined || !st.isFile()) return null;
      // Any write changes ctime (which, unlike mtime, cannot be set back); ctimeMs
      // carries sub-microsecond precision. A replaced file has a new inode.
      return `${st.ino}:${st.size}:${st.ctimeMs}`;
    } catch (err) {
      if (isMissing(err)) return null;
      throw sourceError(err, this.where(rel));
    }
  }

  read(rel: string): Buffer | null {
    const r = this.readUpTo(rel, Infinity);
    return r === null ? null : r.data;
  }

  readPrefix(rel: string, maxBytes: number): { data: Buffer; truncated: boolean } | null {
    return this.readUpTo(rel, Math.max(0, Math.floor(maxBytes)));
  }

  private readUpTo(rel: string, maxBytes: number): { data: Buffer; truncated: boolean } | null {
    if (this.rec) {
      this.fileKey(rel); // what is read is vouched for by its key, taken before the read
      const rec = this.rec;
      this.rec = null;
      try {
        return this.readUpTo(rel, maxBytes);
      } catch (err) {
        rec.racy = true;
        throw err;
      } finally {
        this.rec = rec;
      }
    }
    const p = splitParent(rel);
    if (p === null) return null;
    const expected = this.dirPath(p.parent);
    if (expected === null) return null;
    // The folder is opened, then checked to be exactly <real root>/<parent> through its
    // descriptor, and the file is opened inside that descriptor: a folder swapped for
    // a link between the check and the read is never read through.
    let dir: DirHandle | null;
    try {
      dir = openRootDir(expected);
    } catch (err) {
      throw sourceError(err, this.where(rel));
    }
    if (dir === null) return null;
    try {
      const real = realPathOf(dir);
      if (real !== null && real !== expected) return null;
      const r = readFileAt(dir, p.name, maxBytes);
      return r.kind === 'file' ? { data: r.data, truncated: r.truncated } : null;
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException)?.code === 'EAGAIN') return null;
      throw sourceError(err, this.where(rel));
    } finally {
      closeDir(dir);
    }
  }
}

/** A read-only, link-refusing view of a directory on disk. */
export function createFsSource(root: string): SourceTree & PrefixReadable & FileKeyed & Observable & { readonly name: string } {
  return new FsSource(root);
}
