// Where things live inside a workspace directory.
import { join } from 'node:path';

export interface WorkspacePaths {
  root: string;
  gitdir: string; // workspace.git, the bare repository
  live: string; // live/skills/<skill> -> checkouts/<tree>
  liveSkills: string;
  checkouts: string; // read-only checkouts named by tree oid
  cache: string; // derived data: stat caches, parsed state; safe to delete
  lock: string;
  journal: string; // ref updates still to apply after main moved (crash recovery)
  tmp: string;
}

export function workspacePaths(root: string): WorkspacePaths {
  return {
    root,
    gitdir: join(root, 'workspace.git'),
    live: join(root, 'live'),
    liveSkills: join(root, 'live', 'skills'),
    checkouts: join(root, 'checkouts'),
    cache: join(root, 'cache'),
    lock: join(root, 'lock'),
    journal: join(root, 'journal.json'),
    tmp: join(root, 'tmp'),
  };
}
