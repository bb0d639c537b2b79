// Changing one entry of a target folder so that a reader only ever sees a whole skill:
// a copy is written complete beside the entry under a hidden temp name and swapped in
// (exchange.ts); a symlink is created under a temp name and renamed over the old one.
// Temp names start with ".skillsync-" so leftovers of a killed process are recognised.
import { mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { flattenTree } from '../git/tree-editor.js';
import type { ObjectStore } from '../git/objects.js';
import { exchangeAll, swapIn, type Exchanger } from './exchange.js';
import { rmReadonly } from '../workspace/live.js';

export const TEMP_PREFIX = '.skillsync-';
const TEMP_RE = /^\.skillsync-.+\.(new|old|lnk)-\d+-[0-9a-f]{6}$/;

function tempPath(dir: string, skill: string, kind: 'new' | 'old' | 'lnk'): string {
  return join(dir, `${TEMP_PREFIX}${skill}.${kind}-${process.pid}-${randomBytes(3).toString('hex')}`);
}

/** Remove a folder tree (read-only folders made writable first), as the live view does. */
export const removeTree = rmReadonly;

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

export interface CopyWrite {
  skill: string;
  tree: string;
  /** What is there now (checked by the planner to be skillsync's own, unedited entry). */
  replaces: 'nothing' | 'dir' | 'symlink';
}

/**
 * Make each `dir/<skill>` a complete copy of its tree: all are written beside their
 * entries first, then swapped in (one exchange process for all). A killed process
 * leaves every entry either old or new under its real name. `done` is called per skill.
 */
export function writeCopies(ex: Exchanger, store: ObjectStore, dir: string, writes: CopyWrite[], done: (skill: string) => void): void {
  const fresh = new Map<string, string>();
  try {
    for (const w of writes) {
      const p = tempPath(dir, w.skill, 'new');
      fresh.set(w.skill, p);
      materialize(store, w.tree, p);
    }
    for (const w of writes.filter((x) => x.replaces === 'nothing')) {
      // rename(2) onto a missing name is atomic (the planner saw nothing there).
      renameSync(fresh.get(w.skill)!, join(dir, w.skill));
      fresh.delete(w.skill);
      done(w.skill);
    }
    const swaps = writes.filter((x) => x.replaces !== 'nothing');
    let swapped = 0;
    try {
      swapped = exchangeAll(ex, swaps.map((w) => [fresh.get(w.skill)!, join(dir, w.skill)]));
    } catch (err) {
      swapped = (err as { swapped?: number }).swapped ?? 0;
      for (const w of swaps.slice(0, swapped)) done(w.skill); // their temp names now hold the old folders
      throw err;
    }
    if (swapped) {
      for (const w of swaps) done(w.skill);
      return;
    }
    for (const w of swaps) {
      swapIn(ex, fresh.get(w.skill)!, join(dir, w.skill), tempPath(dir, w.skill, 'old'));
      fresh.delete(w.skill);
      done(w.skill);
    }
  } finally {
    // Unused new folders, or old ones the exchange left under the temp names.
    for (const p of fresh.values()) removeTree(p);
    removeStaleTemps(dir);
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
