// Changing one entry of a target folder so that a reader only ever sees a whole skill:
// a copy is written complete beside the entry under a hidden temp name and swapped in
// (exchange.ts); a symlink is created under a temp name and renamed over the old one.
// Temp names start with ".skillsync-" so leftovers of a killed process are recognised.
import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { flattenTree } from '../git/tree-editor.js';
import type { ObjectStore } from '../git/objects.js';
import { swapIn, type Exchanger } from './exchange.js';

export const TEMP_PREFIX = '.skillsync-';
const TEMP_RE = /^\.skillsync-.+\.(new|old|lnk)-\d+-[0-9a-f]{6}$/;

function tempPath(dir: string, skill: string, kind: 'new' | 'old' | 'lnk'): string {
  return join(dir, `${TEMP_PREFIX}${skill}.${kind}-${process.pid}-${randomBytes(3).toString('hex')}`);
}

/** Remove a folder tree, making read-only folders writable first. */
export function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
    return;
  } catch {
    /* read-only folders inside: below */
  }
  const walk = (p: string) => {
    try {
      if (!lstatSync(p).isDirectory()) return;
    } catch {
      return;
    }
    chmodSync(p, 0o755);
    for (const n of readdirSync(p)) walk(join(p, n));
  };
  walk(path);
  rmSync(path, { recursive: true, force: true });
}

/** Write every file of `tree` into the new folder `dest` (writable: people edit it). */
export function materialize(store: ObjectStore, tree: string, dest: string): void {
  mkdirSync(dest);
  const made = new Set<string>([dest]);
  for (const [path, e] of flattenTree(store, tree)) {
    const file = join(dest, path);
    const d = dirname(file);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      for (let x = d; x.length > dest.length; x = dirname(x)) made.add(x);
    }
    writeFileSync(file, store.readBlob(e.oid), { mode: e.mode === '100755' ? 0o755 : 0o644, flag: 'wx' });
  }
}

/**
 * Make `dir/skill` a complete copy of `tree`. `replaces` says what is there now (already
 * checked by the planner to be skillsync's own, unedited entry). Between the steps a
 * killed process leaves either the old entry or the new one under the real name.
 */
export function writeCopy(ex: Exchanger, store: ObjectStore, dir: string, skill: string, tree: string, replaces: 'nothing' | 'dir' | 'symlink'): void {
  const dest = join(dir, skill);
  const fresh = tempPath(dir, skill, 'new');
  try {
    materialize(store, tree, fresh);
    if (replaces === 'nothing') {
      // rename(2) onto a missing name is atomic; onto an existing empty folder it would
      // replace it, onto a non-empty one it fails: both are fine (the planner saw nothing).
      renameSync(fresh, dest);
      return;
    }
    const aside = tempPath(dir, skill, 'old');
    swapIn(ex, fresh, dest, aside);
    removeTree(aside);
  } catch (err) {
    removeTree(fresh);
    throw err;
  }
}

/** Point `dir/skill` at `link`: a temp symlink renamed over the old entry (atomic). */
export function writeLink(dir: string, skill: string, link: string, replacesDir: boolean, ex: Exchanger): void {
  const dest = join(dir, skill);
  const tmp = tempPath(dir, skill, 'lnk');
  symlinkSync(link, tmp);
  try {
    if (!replacesDir) {
      renameSync(tmp, dest);
      return;
    }
    // A copy becomes a link: a symlink cannot be renamed over a folder, so swap them.
    const aside = tempPath(dir, skill, 'old');
    swapIn(ex, tmp, dest, aside);
    removeTree(aside);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Take an entry out: renamed aside first, so its real name is never a half-deleted folder. */
export function removeEntry(dir: string, skill: string, kind: 'dir' | 'symlink'): void {
  const p = join(dir, skill);
  if (kind === 'symlink') {
    unlinkSync(p);
    return;
  }
  const aside = tempPath(dir, skill, 'old');
  renameSync(p, aside);
  removeTree(aside);
}

/** Leftover temp entries of killed processes (called with the workspace lock held). */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    if (!TEMP_RE.test(n)) continue;
    removeTree(join(dir, n));
    removed.push(n);
  }
  return removed;
}
