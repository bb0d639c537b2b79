// One open workspace: config, paths, object store, lock, logger and clock.
import { existsSync, mkdirSync } from 'node:fs';
import type { Config } from '../config.js';
import { ObjectStore } from '../git/objects.js';
import { initBareRepo } from '../git/repo.js';
import { Refs } from '../git/refs.js';
import { sweepRegisteredLocks, type LockRegistry, type RefLogger } from '../git/lockfile.js';
import { join } from 'node:path';
import { SkillsyncError } from '../core/errors.js';
import type { Logger } from '../log.js';
import { WorkspaceLock, recordGone, selfInfo } from './lock.js';
import { installHook } from './hook.js';
import { workspacePaths, type WorkspacePaths } from './layout.js';
import { DiscoveryMemo } from './discovery-memo.js';
import { StateCache } from './state.js';
import type { IndexMemo } from './stat-cache.js';
import type { LiveMemo } from './live.js';

export interface Identity {
  name: string;
  email: string;
}

export interface Ctx {
  config: Config;
  paths: WorkspacePaths;
  store: ObjectStore;
  /** Refs of workspace.git, with the logger and the registry of the ref locks we take. */
  refs: Refs;
  lock: WorkspaceLock;
  log: Logger;
  identity: Identity;
  /** Seconds since the epoch (injectable for tests). */
  now: () => number;
  /** Discovery's result (until invalidated) and per-file cache: see discovery-memo.ts. */
  discovery: DiscoveryMemo;
  /** Parsed records and main's state by commit: see state.ts. */
  stateCache: StateCache;
  /** The workspace index as last read or written (see stat-cache.ts); reused while the file is unchanged. */
  statIndex?: IndexMemo;
  /** The live view's marker as last read or written (see live.ts); reused while the file is unchanged. */
  liveMemo?: LiveMemo;
  /** Many loose refs were written: pack them before the lock is released. */
  packRefsPending?: boolean;
  /** --dry-run: transactions are built (objects in memory) but never applied. */
  dryRun?: boolean;
  /** `enable --name`: plugin → upstream skill folder → workspace name, for this command. */
  nameOverrides?: Record<string, Record<string, string>>;
  /** A daemon watch pass: the live view verifies these skills' checkouts and `entries` more (see live.ts). */
  liveScope?: { skills: ReadonlySet<string>; entries: number };
}

/** `absent: 'ok'` opens a workspace that does not exist yet as empty, writing nothing (read-only views). */
export function openContext(config: Config, log: Logger, opts: { create?: boolean; absent?: 'ok' } = {}): Ctx {
  const paths = workspacePaths(config.workspace);
  if (!existsSync(`${paths.gitdir}/HEAD`) && opts.absent !== 'ok') {
    if (!opts.create) {
      throw new SkillsyncError('ENOWORKSPACE', `no workspace at ${paths.root}; run 'skillsync init' (or pass --workspace)`, { path: paths.root });
    }
    initWorkspaceDirs(paths);
  }
  const refLog: RefLogger = (level, msg) => log[level](msg);
  const registry = refLockRegistry(paths);
  try {
    installHook(paths.gitdir, config.safety); // pushes to main pass the same checks
  } catch (err) {
    log.debug(`pre-receive hook not refreshed: ${(err as Error).message}`);
  }
  return {
    config,
    paths,
    store: new ObjectStore(paths.gitdir),
    refs: new Refs(paths.gitdir, { log: refLog, registry }),
    // Holding the workspace lock, every ref lock a killed skillsync left is removed.
    lock: new WorkspaceLock(paths.lock, (m) => log.warn(m), () => sweepRegisteredLocks(registry, recordGone, refLog)),
    log,
    identity: {
      name: process.env.SKILLSYNC_AUTHOR_NAME || 'skillsync',
      email: process.env.SKILLSYNC_AUTHOR_EMAIL || 'skillsync@localhost',
    },
    now: () => Math.floor(Date.now() / 1000),
    discovery: new DiscoveryMemo(),
    stateCache: new StateCache(),
  };
}

/** The ref locks this process takes, listed before they exist (see git/lockfile.ts). */
function refLockRegistry(paths: WorkspacePaths): LockRegistry {
  let owner: { id: string; header: string } | null = null;
  return {
    dir: join(paths.tmp, 'ref-locks'),
    staging: paths.objectTmp,
    owner: () => (owner ??= ownerOf(selfInfo('ref locks'))),
    held: new Set(),
  };
}

const ownerOf = (info: ReturnType<typeof selfInfo>) => ({ id: `${info.pid}-${info.start || 'x'}-${(info.boot ?? '').slice(0, 8) || 'x'}`, header: JSON.stringify(info) });

export function initWorkspaceDirs(paths: WorkspacePaths): boolean {
  for (const d of [paths.root, paths.liveSkills, paths.checkouts, paths.cache, paths.tmp]) mkdirSync(d, { recursive: true });
  return initBareRepo(paths.gitdir);
}
