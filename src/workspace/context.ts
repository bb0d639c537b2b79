// One open workspace: config, paths, object store, lock, logger and clock.
import { existsSync, mkdirSync } from 'node:fs';
import type { Config } from '../config.js';
import { ObjectStore } from '../git/objects.js';
import { initBareRepo } from '../git/repo.js';
import { setRefLogger } from '../git/refs.js';
import { SkillsyncError } from '../core/errors.js';
import type { Logger } from '../log.js';
import { WorkspaceLock } from './lock.js';
import { workspacePaths, type WorkspacePaths } from './layout.js';
import type { DiscoveryResult } from '../plugins/types.js';

export interface Identity {
  name: string;
  email: string;
}

export interface Ctx {
  config: Config;
  paths: WorkspacePaths;
  store: ObjectStore;
  lock: WorkspaceLock;
  log: Logger;
  identity: Identity;
  /** Seconds since the epoch (injectable for tests). */
  now: () => number;
  /** Discovery result, computed once per command or pass. */
  discovered?: DiscoveryResult;
  /** Many loose refs were written: pack them before the lock is released. */
  packRefsPending?: boolean;
  /** `enable --name`: plugin → upstream skill folder → workspace name, for this command. */
  nameOverrides?: Record<string, Record<string, string>>;
}

export function openContext(config: Config, log: Logger, opts: { create?: boolean } = {}): Ctx {
  const paths = workspacePaths(config.workspace);
  if (!existsSync(`${paths.gitdir}/HEAD`)) {
    if (!opts.create) {
      throw new SkillsyncError('ENOWORKSPACE', `no workspace at ${paths.root}; run 'skillsync init' (or pass --workspace)`, { path: paths.root });
    }
    initWorkspaceDirs(paths);
  }
  setRefLogger((level, msg) => log[level](msg));
  return {
    config,
    paths,
    store: new ObjectStore(paths.gitdir),
    lock: new WorkspaceLock(paths.lock, (m) => log.warn(m)),
    log,
    identity: {
      name: process.env.SKILLSYNC_AUTHOR_NAME || 'skillsync',
      email: process.env.SKILLSYNC_AUTHOR_EMAIL || 'skillsync@localhost',
    },
    now: () => Math.floor(Date.now() / 1000),
  };
}

export function initWorkspaceDirs(paths: WorkspacePaths): boolean {
  for (const d of [paths.root, paths.liveSkills, paths.checkouts, paths.cache, paths.tmp]) mkdirSync(d, { recursive: true });
  return initBareRepo(paths.gitdir);
}
