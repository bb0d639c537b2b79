// git's lockfile protocol (lockfile.c), written once: `<file>.lock` is created
// exclusively, the new content is written into it, and it is renamed over the file
// (commit) or removed (rollback). A lock older than the stale threshold is from a
// process that died (git holds one for milliseconds) and is broken with a log line.
// Locks taken by skillsync are listed in a registry, so the next command can remove
// exactly the ones a killed skillsync left, whatever their age.
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { SkillsyncError } from '../core/errors.js';

export type RefLogger = (level: 'info' | 'warn', message: string) => void;

export interface LockOptions {
  log?: RefLogger;
  /** File listing the locks this workspace's skillsync holds (`<ino> <path>` lines). */
  registry?: string;
}

/** A lock file older than this is from a killed process. */
export const STALE_LOCK_MS = 2000;

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export class LockFile {
  private fd: number | null;
  private done = false;

  private constructor(
    readonly target: string,
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Take `<target>.lock`, waiting long enough for a killed process's lock to turn stale. */
  static acquire(target: string, name: string, opts: LockOptions = {}): LockFile {
    const path = target + '.lock';
    const deadline = Date.now() + STALE_LOCK_MS + 1000;
    for (;;) {
      try {
        const fd = openSync(path, 'wx', 0o644);
        if (opts.registry) {
          try {
            appendFileSync(opts.registry, `${fstatSync(fd).ino} ${path}\n`);
          } catch {
            /* unregistered: only the age rule can remove it after a crash */
          }
        }
        return new LockFile(target, path, fd);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          mkdirSync(dirname(path), { recursive: true });
          continue;
        }
        if (code !== 'EEXIST') throw err;
      }
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
  }

  rollback(): void {
    if (this.done) return;
    try {
      this.close();
    } finally {
      rmSync(this.path, { force: true });
      this.done = true;
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

/**
 * Remove every lock a killed skillsync left (listed in the registry, same inode), then
 * empty the registry. Call holding the workspace lock: no other skillsync holds one.
 */
export function sweepRegisteredLocks(registry: string, log?: RefLogger): number {
  let lines: string[];
  try {
    lines = readFileSync(registry, 'utf8').split('\n').filter(Boolean);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const line of lines) {
    const sp = line.indexOf(' ');
    const ino = Number(line.slice(0, sp));
    const path = line.slice(sp + 1);
    try {
      if (statSync(path).ino !== ino) continue; // someone else's lock now
      rmSync(path, { force: true });
      removed++;
      log?.('warn', `removed lock ${path} left by an interrupted skillsync`);
    } catch {
      /* gone: released normally */
    }
  }
  rmSync(registry, { force: true });
  return removed;
}
