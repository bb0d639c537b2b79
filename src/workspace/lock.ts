// The workspace write lock: one mutating skillsync process at a time.
// `lock` is created with O_EXCL and holds {pid, host, start}. A lock whose process is
// gone (same host, pid dead or reused) is stale: it is broken, with a log line, under
// a second exclusive file so two processes never both break it and steal each other's.
import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { SkillsyncError } from '../core/errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  start: string; // process start time from /proc, guards against pid reuse
  command: string;
  at: string;
}

export type LockLog = (message: string) => void;

export function procStart(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readInfo(path: string): LockInfo | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

export function isStale(info: LockInfo | null, ageMs: number): boolean {
  if (!info) return ageMs > 5000; // unreadable (killed mid-write): stale after a grace period
  if (info.host !== hostname()) return false;
  if (!alive(info.pid)) return true;
  const start = procStart(info.pid);
  return start !== '' && info.start !== '' && start !== info.start;
}

export class WorkspaceLock {
  private held = false;

  constructor(
    readonly path: string,
    private readonly log: LockLog = () => {},
  ) {}

  private tryCreate(command: string): boolean {
    mkdirSync(dirname(this.path), { recursive: true });
    let fd: number;
    try {
      fd = openSync(this.path, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    const info: LockInfo = { pid: process.pid, host: hostname(), start: procStart(process.pid), command, at: new Date().toISOString() };
    try {
      writeSync(fd, JSON.stringify(info));
    } catch (err) {
      // e.g. ENOSPC: do not leave an empty lock behind.
      closeSync(fd);
      rmSync(this.path, { force: true });
      throw err;
    }
    closeSync(fd);
    return true;
  }

  private breakIfStale(): void {
    let age: number;
    try {
      age = Date.now() - statSync(this.path).mtimeMs;
    } catch {
      return;
    }
    const info = readInfo(this.path);
    if (!isStale(info, age)) return;
    const breaker = this.path + '.break';
    try {
      closeSync(openSync(breaker, 'wx'));
    } catch {
      try {
        if (Date.now() - statSync(breaker).mtimeMs > 5000) rmSync(breaker, { force: true });
      } catch {
        /* gone */
      }
      return;
    }
    try {
      const again = readInfo(this.path);
      if (JSON.stringify(again) === JSON.stringify(info)) {
        rmSync(this.path, { force: true });
        this.log(`removed stale workspace lock of ${info ? `pid ${info.pid} (${info.command})` : 'an unknown process'}; the interrupted work is completed by this pass`);
      }
    } finally {
      rmSync(breaker, { force: true });
    }
  }

  /** A `lock.break` left by a process killed while breaking a stale lock: harmless once we hold the lock. */
  private dropStaleBreaker(): void {
    const breaker = this.path + '.break';
    try {
      if (Date.now() - statSync(breaker).mtimeMs > 5000) rmSync(breaker, { force: true });
    } catch {
      /* none */
    }
  }

  /** Acquire within timeoutMs (0 = one try). Throws ELOCKED naming the holder. */
  async acquire(command: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 10;
    for (;;) {
      if (this.tryCreate(command)) {
        this.held = true;
        this.dropStaleBreaker();
        return;
      }
      this.breakIfStale();
      if (this.tryCreate(command)) {
        this.held = true;
        return;
      }
      if (Date.now() >= deadline) {
        const info = readInfo(this.path);
        const who = info ? `pid ${info.pid} (${info.command}) since ${info.at}` : 'another process';
        throw new SkillsyncError(
          'ELOCKED',
          `the workspace is locked by ${who}; waited ${Math.round(timeoutMs / 1000)} s — try again, or raise lockTimeoutSeconds`,
          { holder: info },
          'retry',
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
      delay = Math.min(delay * 2, 100);
    }
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    const info = readInfo(this.path);
    if (info && info.pid === process.pid) rmSync(this.path, { force: true });
  }

  get isHeld(): boolean {
    return this.held;
  }
}
