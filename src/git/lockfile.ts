// git's lockfile protocol (lockfile.c), written once: `<file>.lock` is created
// exclusively, the new content is written into it, and it is renamed over the file
// (commit) or removed (rollback). A lock older than the stale threshold is from a
// process that died (git holds one for milliseconds) and is broken with a log line.
// Locks taken by skillsync are registered BEFORE they exist: the lock is made as a temp
// file, its inode listed in this process's registry file, then hard-linked into place
// (link fails if the lock exists, like O_EXCL). A kill at any instant leaves no lock that
// is not listed, so the next lock holder removes exactly the locks dead processes left.
// A line names the inode AND its birth time: ext4 reuses inode numbers at once, so a lock
// git takes later at the same path can have the listed number but never the birth time.
// A released lock's line is dropped (the list is removed when nothing is held).
import { appendFileSync, closeSync, existsSync, fstatSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SkillsyncError } from '../core/errors.js';
import { tmpName, writeFileAtomic } from './fsutil.js';

export type RefLogger = (level: 'info' | 'warn', message: string) => void;

/**
 * Where a process lists the locks it takes: `<dir>/<owner id>.list`, a header line (the
 * owner), then `<ino> <birth ns> <path>` for a lock taken and `- <ino> <path>` for one released.
 */
export interface LockRegistry {
  dir: string;
  /** Where a lock is made before it is linked into place: the same file system as the locks. */
  staging: string;
  /** This process: a file-name-safe id (unique among live and dead processes) and the header its sweeper reads. */
  owner: () => { id: string; header: string };
  /** The listed locks this process holds now (`<ino> <path>`): when none is left the list is removed. */
  held: Set<string>;
}

/** A registered lock: what its line names. */
interface Listed {
  reg: LockRegistry;
  key: string;
}

export interface LockOptions {
  log?: RefLogger;
  registry?: LockRegistry;
}

/** A lock file older than this is from a killed process. */
export const STALE_LOCK_MS = 2000;

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const listOf = (reg: LockRegistry) => join(reg.dir, `${reg.owner().id}.list`);

/** List `path` (inode `ino`, born `birth` ns) in this process's registry file (created with its header first). */
function register(reg: LockRegistry, ino: bigint, birth: bigint, path: string): Listed {
  const list = listOf(reg);
  const line = `${ino} ${birth} ${path}\n`;
  if (existsSync(list)) appendFileSync(list, line);
  else writeFileAtomic(list, `${reg.owner().header}\n${line}`); // the header is never half-written
  const key = `${ino} ${path}`;
  reg.held.add(key);
  return { reg, key };
}

/** Drop a lock that is gone (released, or never linked) from the list: after this no sweep can match it. */
function unregister({ reg, key }: Listed): void {
  reg.held.delete(key);
  try {
    const list = listOf(reg);
    if (reg.held.size === 0) rmSync(list, { force: true });
    else if (existsSync(list)) appendFileSync(list, `- ${key}\n`); // a swept list is not re-created headerless
  } catch {
    /* the birth time still tells this lock from a later one at the same path */
  }
}

/**
 * Create `path` exclusively, registered first (see the header). Returns the open fd, or
 * null when the lock exists. Throws ENOENT when its folder does not exist.
 */
function createRegistered(reg: LockRegistry, path: string): { fd: number; listed: Listed } | null {
  mkdirSync(reg.staging, { recursive: true });
  mkdirSync(reg.dir, { recursive: true });
  const stage = tmpName(path, reg.staging);
  const fd = openSync(stage, 'wx', 0o644);
  let listed: Listed | null = null;
  try {
    const st = fstatSync(fd, { bigint: true });
    listed = register(reg, st.ino, st.birthtimeNs, path);
    linkSync(stage, path);
  } catch (err) {
    closeSync(fd);
    rmSync(stage, { force: true });
    if (listed) unregister(listed);
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  }
  unlinkSync(stage); // the fd and the lock are the same inode
  return { fd, listed };
}

/** Create `path` exclusively: registered when possible, plain O_EXCL otherwise (then only the age rule can clear it). */
function create(path: string, reg: LockRegistry | undefined): { fd: number; listed: Listed | null } | null {
  if (reg) {
    try {
      return createRegistered(reg, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(dirname(path))) throw err;
      // No hard links here (EXDEV, EPERM), a full disk, an old registry file: take it unregistered.
    }
  }
  try {
    return { fd: openSync(path, 'wx', 0o644), listed: null };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  }
}

export class LockFile {
  private fd: number | null;
  private done = false;

  private constructor(
    readonly target: string,
    readonly path: string,
    fd: number,
    private readonly listed: Listed | null,
  ) {
    this.fd = fd;
  }

  /** Take `<target>.lock`, waiting long enough for a killed process's lock to turn stale. */
  static acquire(target: string, name: string, opts: LockOptions = {}): LockFile {
    const path = target + '.lock';
    const deadline = Date.now() + STALE_LOCK_MS + 1000;
    for (;;) {
      let made: ReturnType<typeof create> = null;
      try {
        // A lock seen held is waited for without registering an attempt each time.
        if (!existsSync(path)) made = create(path, opts.registry);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        mkdirSync(dirname(path), { recursive: true });
        continue;
      }
      if (made) return new LockFile(target, path, made.fd, made.listed);
      let age: number;
      try {
        age = Date.now() - statSync(path).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > STALE_LOCK_MS) {
        opts.log?.('warn', `removing stale lock ${path} (${Math.round(age / 1000)} s old)`);
        rmSync(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new SkillsyncError('EREF_LOCKED', `${name} is locked by another process (${path}); if no git or skillsync process is running, remove that file`, { name, path });
      }
      pause(10);
    }
  }

  write(content: string | Buffer): void {
    const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd!, buf, off, buf.length - off);
  }

  private close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** Rename the lock over its target: the new content becomes visible at once. */
  commit(): void {
    this.close();
    renameSync(this.path, this.target);
    this.done = true;
    if (this.listed) unregister(this.listed);
  }

  rollback(): void {
    if (this.done) return;
    try {
      this.close();
    } finally {
      rmSync(this.path, { force: true });
      this.done = true;
      if (this.listed) unregister(this.listed);
    }
  }
}

/** Run fn holding the lock of `target`; the lock is rolled back unless fn committed it. */
export function withLockFile<T>(target: string, name: string, opts: LockOptions, fn: (lock: LockFile) => T): T {
  const lock = LockFile.acquire(target, name, opts);
  try {
    return fn(lock);
  } finally {
    lock.rollback();
  }
}

/** The locks a registry file lists as taken and not released: `<ino> <path>` → birth ns (null in an older list). */
export function outstandingLocks(text: string): Map<string, { ino: bigint; birth: bigint | null; path: string }> {
  const out = new Map<string, { ino: bigint; birth: bigint | null; path: string }>();
  for (const line of text.split('\n')) {
    if (line.startsWith('- ')) {
      out.delete(line.slice(2));
      continue;
    }
    const m = /^(\d+) (?:(\d+) )?(\/.*)$/.exec(line); // lock paths are absolute
    if (m) out.set(`${m[1]} ${m[3]}`, { ino: BigInt(m[1]), birth: m[2] === undefined ? null : BigInt(m[2]), path: m[3] });
  }
  return out;
}

/** Remove the locks one registry file lists as held that still are the file listed; returns how many. */
function sweepList(list: string, log?: RefLogger, headerless = false): number {
  let removed = 0;
  let text: string;
  try {
    text = readFileSync(list, 'utf8');
  } catch {
    return 0;
  }
  if (!headerless) text = text.slice(text.indexOf('\n') + 1);
  for (const { ino, birth, path } of outstandingLocks(text).values()) {
    try {
      const st = statSync(path, { bigint: true });
      // Not the lock that process made: never made, or a later one (git's) at the same path.
      if (st.ino !== ino || (birth !== null && birth !== 0n && st.birthtimeNs !== birth)) continue;
      rmSync(path, { force: true });
      removed++;
      log?.('warn', `removed lock ${path} left by an interrupted skillsync`);
    } catch {
      /* gone: released normally, or never linked */
    }
  }
  rmSync(list, { force: true });
  return removed;
}

/**
 * Remove every lock a dead skillsync left, and this process's own leftovers (a lock
 * holder that starts a command holds no ref lock: ref updates are synchronous).
 * `gone(header)` tells whether another registry file's owner has died; a live one's
 * locks are left alone. Call holding the workspace lock.
 */
export function sweepRegisteredLocks(reg: LockRegistry, gone: (header: string) => boolean, log?: RefLogger): number {
  let names: string[];
  try {
    names = readdirSync(reg.dir);
  } catch (err) {
    // A registry of an older skillsync was one file of `<ino> <path>` lines, with no header.
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return sweepList(reg.dir, log, true);
    return 0;
  }
  const me = `${reg.owner().id}.list`;
  let removed = 0;
  for (const n of names) {
    if (!n.endsWith('.list')) continue;
    const list = join(reg.dir, n);
    let header = '';
    try {
      header = readFileSync(list, 'utf8').split('\n', 1)[0];
    } catch {
      continue;
    }
    if (n === me || gone(header)) removed += sweepList(list, log);
  }
  return removed;
}
