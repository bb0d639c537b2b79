// Seals of the read-only checkouts agents read: a digest of every entry's lstat
// (mode, size, mtime, ctime, inode) taken once the checkout is complete. Any edit, even
// one that first makes a file writable, changes a ctime, so a pass tells whether a
// checkout is still what was sealed from lstat alone, without reading a byte.
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashObject } from '../git/hash.js';
import { flattenTree } from '../git/tree-editor.js';
import type { ObjectStore } from '../git/objects.js';

export interface Seal {
  digest: string;
  entries: number;
}

/** A seal and the paths it walked (relative, in walk order, the checkout's root excluded). */
export interface NamedSeal extends Seal {
  names: string[];
}

/**
 * The seal of the checkout of `tree` at `dir` as it is now, with the paths it walked;
 * null when an entry is missing. Names come from the tree, not readdir: an entry added
 * to a folder changes that folder's mtime and ctime, which the seal holds, so lstat
 * alone still sees it.
 */
export function sealOf(store: ObjectStore, dir: string, tree: string): NamedSeal | null {
  const h = createHash('sha1');
  const names: string[] = [];
  const walk = (abs: string, rel: string, oid: string | null): boolean => {
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return false;
    h.update(`${rel}\0${st.mode}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}\0${st.ino}\n`);
    if (rel) names.push(rel);
    if (oid === null || !st.isDirectory()) return true;
    for (const e of store.readTree(oid)) if (!walk(`${abs}/${e.name}`, rel ? `${rel}/${e.name}` : e.name, e.mode === '40000' ? e.oid : null)) return false;
    return true;
  };
  try {
    if (!walk(dir, '', tree)) return null;
  } catch {
    return null;
  }
  return { digest: h.digest('hex'), entries: names.length + 1, names };
}

/**
 * The seal of the checkout at `dir` from the paths `sealOf` walked when it was sealed:
 * lstat only, no tree read. Equal to `sealOf` while the checkout is intact; any change
 * `sealOf` sees changes this digest too (or makes an lstat fail: null).
 */
export function sealByNames(dir: string, names: readonly string[]): Seal | null {
  const h = createHash('sha1');
  try {
    for (let i = -1; i < names.length; i++) {
      const rel = i < 0 ? '' : names[i]!;
      const st = lstatSync(rel ? `${dir}/${rel}` : dir, { throwIfNoEntry: false });
      if (!st) return null;
      h.update(`${rel}\0${st.mode}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}\0${st.ino}\n`);
    }
  } catch {
    return null; // ENOTDIR: a folder was replaced by a file
  }
  return { digest: h.digest('hex'), entries: names.length + 1 };
}

/** A short key naming a list of paths (checkouts of the same shape share one list in the marker). */
export function shapeKey(names: readonly string[]): string {
  return createHash('sha1').update(names.join('\0')).digest('hex').slice(0, 16);
}

/** What differs between the checkout at `dir` and git tree `tree`: paths with how they changed. */
export function checkoutChanges(store: ObjectStore, dir: string, tree: string): { path: string; change: string }[] {
  const want = flattenTree(store, tree);
  const out: { path: string; change: string }[] = [];
  const seen = new Set<string>();
  const walk = (abs: string, rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(abs).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = rel ? `${rel}/${n}` : n;
      const st = lstatSync(join(abs, n), { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) {
        walk(join(abs, n), p);
        continue;
      }
      const w = want.get(p);
      seen.add(p);
      if (!w) out.push({ path: p, change: 'added' });
      else if (!st.isFile()) out.push({ path: p, change: 'replaced by something that is not a file' });
      else if (hashObject('blob', readFileSync(join(abs, n))) !== w.oid) out.push({ path: p, change: 'modified' });
      else if ((st.mode & 0o100 ? '100755' : '100644') !== w.mode) out.push({ path: p, change: 'mode changed' });
    }
  };
  walk(dir, '');
  for (const p of want.keys()) if (!seen.has(p)) out.push({ path: p, change: 'deleted' });
  return out;
}

/** Make every entry of a checkout read-only again (after someone changed modes only). */
export function makeReadOnly(dir: string): void {
  const walk = (abs: string): void => {
    const st = lstatSync(abs);
    if (st.isDirectory()) {
      for (const n of readdirSync(abs)) walk(join(abs, n));
      if ((st.mode & 0o7777) !== 0o555) chmodSync(abs, 0o555);
    } else if (st.isFile()) {
      const ro = st.mode & 0o100 ? 0o555 : 0o444;
      if ((st.mode & 0o7777) !== ro) chmodSync(abs, ro);
    }
  };
  walk(dir);
}
