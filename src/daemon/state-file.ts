// The running daemon, as a file in the workspace: who it is (pid, host, process start
// time, since when), its last pass, its next scheduled pass and what is failing. `status`
// reads it; a second daemon on the same workspace finds it and refuses to start. The
// file is claimed with link() (fails when it exists), updated by rename, removed on a
// clean stop; one left by a killed daemon is recognised by its dead pid.
import { linkSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SkillsyncError } from '../core/errors.js';
import { tmpName, writeFileAtomic } from '../git/fsutil.js';
import { isStale, procStart, type LockInfo } from '../workspace/lock.js';
import type { PassRecord } from './report.js';

export interface DaemonState {
  pid: number;
  host: string;
  /** Process start time (from /proc): guards against a reused pid. */
  start: string;
  startedAt: string;
  config: string | null;
  updatedAt: string;
  ready: boolean;
  lastPass: PassRecord | null;
  nextScheduledPass: string | null;
  failing: { plugin: string; step: string; code: string; error: string; since: string }[];
}

export function daemonStatePath(workspaceRoot: string): string {
  return join(workspaceRoot, 'daemon.json');
}

export function newDaemonState(config: string | null): DaemonState {
  const now = new Date().toISOString();
  return { pid: process.pid, host: hostname(), start: procStart(process.pid), startedAt: now, config, updatedAt: now, ready: false, lastPass: null, nextScheduledPass: null, failing: [] };
}

function read(path: string): DaemonState | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DaemonState;
  } catch {
    return null;
  }
}

function age(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
}

/** The daemon recorded in the workspace, and whether it still runs. */
export function readDaemonStatus(workspaceRoot: string): { running: boolean; state: DaemonState | null } {
  const path = daemonStatePath(workspaceRoot);
  const state = read(path);
  if (!state) return { running: false, state: null };
  return { running: !gone(state, age(path)), state };
}

/** A daemon whose process is gone (same host; pid dead or reused). */
const gone = (s: DaemonState, ageMs: number) => isStale({ pid: s.pid, host: s.host, start: s.start } as LockInfo, ageMs);

const isOurs = (s: DaemonState | null) => !!s && s.pid === process.pid && s.host === hostname() && s.start === procStart(process.pid);

/** Become the workspace's daemon, or throw EDAEMON_RUNNING naming the one that is. Call under the workspace lock. */
export function claimDaemon(workspaceRoot: string, state: DaemonState): void {
  const path = daemonStatePath(workspaceRoot);
  const tmp = tmpName(path);
  writeFileSync(tmp, JSON.stringify(state), { flag: 'wx', mode: 0o644 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      }
      const other = read(path);
      if (other && !isOurs(other) && !gone(other, age(path))) {
        throw new SkillsyncError(
          'EDAEMON_RUNNING',
          `a daemon already runs on workspace ${workspaceRoot}: pid ${other.pid} on ${other.host} since ${other.startedAt}; stop it first (or use another workspace)`,
          { pid: other.pid, host: other.host, since: other.startedAt },
        );
      }
      rmSync(path, { force: true }); // left by a daemon that is gone
    }
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Record the current state; a no-op once the file is not ours any more. */
export function writeDaemonState(workspaceRoot: string, state: DaemonState): void {
  const path = daemonStatePath(workspaceRoot);
  if (!isOurs(read(path))) return;
  state.updatedAt = new Date().toISOString();
  try {
    writeFileAtomic(path, JSON.stringify(state));
  } catch {
    /* status shows the previous state; the daemon keeps running */
  }
}

export function releaseDaemon(workspaceRoot: string): void {
  const path = daemonStatePath(workspaceRoot);
  if (isOurs(read(path))) rmSync(path, { force: true });
}

/** `status` lines about the daemon. */
export function describeDaemon(d: { running: boolean; state: DaemonState | null }): string[] {
  const s = d.state;
  if (!d.running || !s) return ['daemon     not running'];
  const out = [`daemon     running, pid ${s.pid}${s.host !== hostname() ? ` on ${s.host}` : ''} since ${s.startedAt}${s.ready ? '' : ' (first pass not done yet)'}`];
  const p = s.lastPass;
  if (p) out.push(`last pass  ${p.at} (${p.trigger}, ${p.durationMs} ms, ${p.result === 'ok' ? `${p.errors} error${p.errors === 1 ? '' : 's'}` : p.result}${p.error ? `: ${p.error}` : ''})`);
  if (s.nextScheduledPass) out.push(`next pass  ${s.nextScheduledPass}`);
  for (const f of s.failing) out.push(`failing    ${f.plugin}: ${f.step === 'stall' ? 'waiting for a fix' : 'retrying'}: ${f.error}`);
  return out;
}
