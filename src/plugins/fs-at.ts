// Directory descriptors for reading untrusted folders. Node has no openat(), but on
// Linux /proc/self/fd/<fd>/<name> resolves <name> inside the directory the descriptor
// holds, whatever happens to the path it was opened by: a folder renamed or swapped
// for a link afterwards (renameat2 RENAME_EXCHANGE) is not followed. Without /proc
// the path is used and every directory opened is checked to be exactly the one at
// its expected real path.
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, type Dirent, type Stats } from 'node:fs';
import { SkillsyncError } from '../core/errors.js';

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const DIR_FLAGS = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | NOFOLLOW | (constants.O_NONBLOCK ?? 0);
const FILE_FLAGS = constants.O_RDONLY | NOFOLLOW | (constants.O_NONBLOCK ?? 0);
const PROC = existsSync('/proc/self/fd');

/** An open directory: its descriptor and (for messages and the fallback) its path. */
export interface DirHandle {
  fd: number;
  path: string;
}

/** The path the kernel resolves as `name` inside `dir` (openat semantics on Linux). */
export function at(dir: DirHandle, name?: string): string {
  const base = PROC ? `/proc/self/fd/${dir.fd}` : dir.path;
  return name === undefined ? base : `${base}/${name}`;
}

function code(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? '';
}

/** Errors of the source, not of the workspace: name the file and blame the source. */
export function sourceError(err: unknown, where: string): SkillsyncError {
  if (err instanceof SkillsyncError) return err;
  const c = code(err);
  if (c === 'EACCES' || c === 'EPERM') {
    return new SkillsyncError('ESOURCE_UNREADABLE', `cannot read ${where} in the plugin source: permission denied; fix its permissions in the source`, { path: where }, 'stall');
  }
  if (c === 'ENAMETOOLONG') return new SkillsyncError('EPATH_TOO_LONG', `path too long in the plugin source: ${where}; shorten it`, { path: where }, 'stall');
  if (c === 'ENOENT') return new SkillsyncError('ESOURCE_CHANGING', `${where} disappeared while it was read; it will be read again on the next pass`, { path: where }, 'retry');
  if (c === 'EMFILE' || c === 'ENFILE' || c === 'EIO' || c === 'EAGAIN') return new SkillsyncError('ESOURCE_IO', `reading ${where} failed (${c}); it will be read again on the next pass`, { path: where }, 'retry');
  return new SkillsyncError('ESOURCE_IO', `reading ${where} failed: ${(err as Error)?.message ?? String(err)}`, { path: where }, 'retry');
}

/** Open the directory `name` inside `dir` without following a link; null if it is not one now. */
export function openDirAt(dir: DirHandle, name: string): DirHandle | null {
  let fd: number;
  try {
    fd = openSync(at(dir, name), DIR_FLAGS);
  } catch (err) {
    const c = code(err);
    if (c === 'ELOOP' || c === 'ENOTDIR' || c === 'ENOENT') return null;
    throw err;
  }
  const h = { fd, path: `${dir.path}/${name}` };
  if (!PROC && !sameAsPath(h)) {
    closeSync(fd);
    return null;
  }
  return h;
}

/** Fallback check: the directory opened is the one at its path, and that path has no link in it. */
function sameAsPath(h: DirHandle): boolean {
  try {
    const a = fstatSync(h.fd);
    const b = lstatSync(h.path);
    return a.ino === b.ino && a.dev === b.dev && realpathSync.native(h.path) === h.path;
  } catch {
    return false;
  }
}

/**
 * Open a directory by absolute path (the root of a source; it may itself be a link).
 * `reals` memoises the resolved path for one pass (a realpath costs a readlink per
 * component); the open never follows a link, so a memo gone stale fails, not escapes.
 */
export function openRootDir(path: string, reals?: Map<string, string>): DirHandle | null {
  let real = reals?.get(path);
  if (real === undefined) {
    try {
      real = realpathSync.native(path);
    } catch (err) {
      if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return null;
      throw err;
    }
    reals?.set(path, real);
  }
  try {
    return { fd: openSync(real, DIR_FLAGS), path: real };
  } catch (err) {
    if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR' || code(err) === 'ELOOP') return null;
    throw err;
  }
}

/** The real path of an open directory (Linux), for checks that a folder is where it should be. */
export function realPathOf(dir: DirHandle): string | null {
  if (!PROC) return null;
  try {
    return readlinkSync(`/proc/self/fd/${dir.fd}`);
  } catch {
    return null;
  }
}

export function closeDir(dir: DirHandle | null): void {
  if (dir) closeSync(dir.fd);
}

export function listAt(dir: DirHandle): Dirent[] {
  return readdirSync(at(dir), { withFileTypes: true });
}

/** lstat of `name` inside `dir` (fstatat with AT_SYMLINK_NOFOLLOW); null when gone. */
export function lstatAt(dir: DirHandle, name: string): Stats | null {
  return lstatSync(at(dir, name), { throwIfNoEntry: false }) ?? null;
}

export type OpenedFile = { kind: 'file'; data: Buffer; st: Stats; truncated: boolean } | { kind: 'symlink' } | { kind: 'other'; st: Stats } | { kind: 'gone' };

/**
 * Read the regular file `name` inside `dir`: opened O_NOFOLLOW | O_NONBLOCK and
 * fstat'ed, so a link, FIFO, socket or device is reported, never read. At most
 * `maxBytes` bytes are read. `st` is the fstat of what was read, taken after reading.
 */
export function readFileAt(dir: DirHandle, name: string, maxBytes = Infinity): OpenedFile {
  let fd: number;
  try {
    fd = openSync(at(dir, name), FILE_FLAGS);
  } catch (err) {
    if (code(err) === 'ELOOP') return { kind: 'symlink' };
    if (code(err) === 'ENOENT' || code(err) === 'ENOTDIR') return { kind: 'gone' };
    throw err;
  }
  try {
    const before = fstatSync(fd);
    if (!before.isFile()) return { kind: 'other', st: before };
    const chunks: Buffer[] = [];
    let total = 0;
    // One byte more than expected: a full buffer means the file is longer (or grew).
    let size = Math.min(before.size, maxBytes) + 1;
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      const n = readSync(fd, buf, 0, size, null);
      if (n > 0) chunks.push(n === size ? buf : buf.subarray(0, n));
      total += n;
      if (n < size || total > maxBytes) break;
      size = Math.min(1024 * 1024, maxBytes - total + 1);
    }
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    const st = fstatSync(fd);
    if (total > maxBytes) return { kind: 'file', data: data.subarray(0, maxBytes), st, truncated: true };
    return { kind: 'file', data, st, truncated: false };
  } finally {
    closeSync(fd);
  }
}

/** Same file, same content as far as stat can tell (atime aside). */
export function sameStat(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.mode === b.mode;
}
