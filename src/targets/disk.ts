// What a target entry is on disk now. Folders are read with the same rules as plugin
// snapshots (hashDirectory: links are never followed, only regular files count), with
// a stat cache per target so a pass over unchanged folders reads no file contents.
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { hashDirectory, type StatCache } from '../git/dir-tree.js';
import type { ObjectStore } from '../git/objects.js';
import { SkillsyncError } from '../core/errors.js';
import type { DiskEntry } from './plan.js';

export function inspectEntry(dir: string, skill: string, cache?: StatCache, store?: ObjectStore): DiskEntry {
  const p = join(dir, skill);
  let st;
  try {
    st = lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw err;
  }
  if (st.isSymbolicLink()) return { kind: 'symlink', link: readlinkSync(p) };
  if (!st.isDirectory()) return { kind: 'other' };
  try {
    return { kind: 'dir', tree: hashDirectory(p, { cache, store }).oid };
  } catch (err) {
    if (err instanceof SkillsyncError) return { kind: 'unreadable', reason: err.message };
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EACCES' || e.code === 'EPERM') return { kind: 'unreadable', reason: `permission denied reading ${e.path ?? p}` };
    throw err;
  }
}
