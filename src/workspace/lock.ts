// The workspace write lock: one mutating skillsync process at a time.
// `lock` is created with O_EXCL and holds {pid, host, machine id, boot id, pid
// namespace, start}. A lock whose process is gone (same boot and pid namespace, pid dead
// or reused; or left by an earlier boot of this machine) is stale: it is broken, with a
// log line, under a second exclusive file so two processes never both break it. A lock
// of another machine or container, whose process cannot be checked, is reported as such.
import { closeSync, openSync, readFileSync, readlinkSync, rmSync, statSync, writeSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { SkillsyncError } from '../core/errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  start: string; // process start time from /proc, guards against pid reuse
  command: string;
  at: string;
  /** /etc/machine-id (or the host name). */
  machine?: string;
  /** /proc/sys/kernel/random/boot_id: changes with every boot. */
  boot?: string;
  /** The pid namespace the pid belongs to (containers have their own). */
  pidns?: string;
}

function readId(read: () => string): string {
  try {
    return read().trim();
  } catch {
    return '';
  }
}

export interface ProcessIdentity {
  host: string;
  machine: string;
  boot: string;
  pidns: string;
}

export function processIdentity(): ProcessIdentity {
  return {
    host: hostname(),
    machine: readId(() => readFileSync('/etc/machine-id', 'utf8')) || hostname(),
    boot: readId(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    pidns: readId(() => readlinkSync('/proc/self/ns/pid')),
  };
}

/** Whether the holder of a lock still runs: 'unknown' when its pid cannot be checked from here. */
export function holderState(info: LockInfo, me: ProcessIdentity = processIdentity()): 'dead' | 'alive' | 'unknown' {
  if (info.boot && me.boot && info.boot !== me.boot) {
    // Written before this machine last booted: that process is gone.
    return info.machine === me.machine || info.host === me.host ? 'dead' : 'unknown';
  }
  const samePids = info.pidns && me.pidns ? info.pidns === me.pidns && (info.machine ?? me.machine) === me.machine : info.host === me.host;
  if (!samePids) return 'unknown';
  if (!alive(info.pid)) return 'dead';
  const start = procStart(info.pid);
  return start !== '' && info.start !== '' && start !== info.start ? 'dead' : 'alive';
}

/** This process as a lock records it: what holderState needs to tell later whether it still runs. */
export function selfInfo(command: string): LockInfo {
  return { pid: process.pid, ...processIdentity(), start: procStart(process.pid), command, at: new Date().toISOString() };
}

/** Whether the process a LockInfo record (JSON) names is gone; a record that does not parse names no live process. */
export function recordGone(json: string): boolean {
  try {
    return holderState(JSON.parse(json) as LockInfo) === 'dead';
  } catch {
    return true;
  }
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
  return holderState(info) === 'dead';
}

export class WorkspaceLock {
  private held = false;

  constructor(
    readonly path: string,
    private readonly log: LockLog = () => {},
    /** Run once the lock is held: leftovers of killed holders can be removed safely now. */
    private readonly onAcquired: () => void = () => {},
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
    const info = selfInfo(command);
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
        // Said before it is done: a kill in between leaves the lock, so the next command says it again.
        this.log(`removing stale workspace lock of ${info ? `pid ${info.pid} (${info.command})` : 'an unknown process'}; the interrupted work is completed by this pass`);
        rmSync(this.path, { force: true });
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
        this.onAcquired();
        return;
      }
      this.breakIfStale();
      if (this.tryCreate(command)) {
        this.held = true;
        this.onAcquired();
        return;
      }
      if (Date.now() >= deadline) {
        const info = readInfo(this.path);
        const who = info ? `pid ${info.pid} (${info.command}) on ${info.host} since ${info.at}` : 'another process';
        if (info && holderState(info) === 'unknown') {
          throw new SkillsyncError(
            'ELOCKED',
            `the workspace is locked by ${who}, a process of another machine or container that cannot be checked from here; if it no longer runs, remove ${this.path} and run the command again`,
            { holder: info },
          );
        }
        throw new SkillsyncError('ELOCKED', `the workspace is locked by ${who}; waited ${Math.round(timeoutMs / 1000)} s — try again, or raise lockTimeoutSeconds`, { holder: info });
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
