// One cache repository per remote URL, under the workspace's derived-data folder.
// isomorphic-git writes in place and a killed fetch could leave a pack without its
// index or a ref to a missing object, so every fetch works in a fresh generation
// (`gen-*`, its packs hard links of the current one's) and `state.json`, renamed into
// place last, names the generation that is complete. A reader only ever opens the
// generation state.json names; a killed fetch leaves an unnamed folder, swept later.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../git/fsutil.js';
import { cacheLabel, canonicalUrl } from './url.js';

export interface CacheState {
  /** The effective URL (after rewrites), without credentials. */
  url: string;
  /** The complete generation folder, null before the first good fetch. */
  gen: string | null;
  /** Advertised refs as last fetched ('HEAD', 'refs/heads/main', ...) -> commit. */
  refs: Record<string, string>;
  /** Where the remote's HEAD pointed ('refs/heads/main'). */
  head: string | null;
  /** Pinned commits that could not be obtained -> why. */
  missing: Record<string, string>;
  /** Seconds since the epoch of the last fetch that reached the server, and of the last attempt. */
  fetchedAt: number | null;
  attemptAt: number | null;
  /** Why the last attempt failed; null when it worked. */
  error: string | null;
}

/** Where remote caches live inside a workspace's cache folder. */
export function remotesDir(cacheDir: string): string {
  return join(cacheDir, 'remotes');
}

export function cacheDirFor(cacheDir: string, url: string): string {
  const canon = canonicalUrl(url);
  return join(remotesDir(cacheDir), `${cacheLabel(url)}-${createHash('sha1').update(canon).digest('hex').slice(0, 12)}`);
}

function emptyState(url: string): CacheState {
  return { url, gen: null, refs: {}, head: null, missing: {}, fetchedAt: null, attemptAt: null, error: null };
}

export function readCacheState(dir: string, url: string): CacheState {
  try {
    const s = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as CacheState;
    if (typeof s !== 'object' || s === null || typeof s.refs !== 'object') return emptyState(url);
    if (s.gen !== null && !existsSync(join(dir, s.gen, 'objects'))) return { ...emptyState(url), error: s.error };
    return { ...emptyState(url), ...s, url };
  } catch {
    return emptyState(url);
  }
}

export function writeCacheState(dir: string, state: CacheState): void {
  writeFileAtomic(join(dir, 'state.json'), JSON.stringify(state, null, 1) + '\n');
}

/** The git dir of the complete generation, or null. */
export function genDir(dir: string, state: CacheState): string | null {
  return state.gen === null ? null : join(dir, state.gen);
}

/**
 * A new generation for a fetch: the current one's packs (hard links, packs never
 * change), its shallow list, and refs for the known tips so isomorphic-git sends them
 * as haves (then an unchanged tip costs no pack and a change costs only the new objects).
 */
export function newGeneration(dir: string, state: CacheState): string {
  const name = `gen-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const gen = join(dir, name);
  const packDir = join(gen, 'objects', 'pack');
  mkdirSync(packDir, { recursive: true });
  mkdirSync(join(gen, 'refs', 'heads'), { recursive: true });
  mkdirSync(join(gen, 'refs', 'tags'), { recursive: true });
  // isomorphic-git needs a fetch refspec; the URL is passed per call and never stored here.
  writeFileSync(join(gen, 'config'), '[core]\n\trepositoryformatversion = 0\n\tbare = true\n[remote "origin"]\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n');
  const old = genDir(dir, state);
  if (old !== null) {
    const oldPack = join(old, 'objects', 'pack');
    // .idx after its .pack: a pack reader only looks at packs that have an index.
    const files = readdirSync(oldPack).filter((f) => /^pack-[0-9a-f]{40}\.(pack|idx)$/.test(f)).sort((a, b) => (a.endsWith('.idx') ? 1 : 0) - (b.endsWith('.idx') ? 1 : 0));
    for (const f of files) {
      try {
        linkSync(join(oldPack, f), join(packDir, f));
      } catch {
        copyFileSync(join(oldPack, f), join(packDir, f));
      }
    }
    if (existsSync(join(old, 'shallow'))) copyFileSync(join(old, 'shallow'), join(gen, 'shallow'));
  }
  for (const [ref, oid] of Object.entries(state.refs)) {
    if (!ref.startsWith('refs/heads/') && !ref.startsWith('refs/tags/')) continue;
    if (ref.split('/').some((p) => p === '..' || p === '') || !/^[0-9a-f]{40}$/.test(oid)) continue;
    mkdirSync(join(gen, ref, '..'), { recursive: true });
    writeFileSync(join(gen, ref), oid + '\n');
  }
  writeFileSync(join(gen, 'HEAD'), `ref: ${state.head ?? 'refs/heads/main'}\n`);
  return gen;
}

/** Name `gen` as complete; then drop generations older than the previous one (a reader may still hold it). */
export function commitGeneration(dir: string, state: CacheState, gen: string, graceMs = 10 * 60_000): CacheState {
  const previous = state.gen;
  const next = { ...state, gen: gen.slice(dir.length + 1) };
  writeCacheState(dir, next);
  sweepGenerations(dir, [next.gen!, previous], graceMs);
  return next;
}

/** Remove generation folders no state names (killed fetches, superseded ones) once they are old enough. */
export function sweepGenerations(dir: string, keep: Array<string | null>, graceMs: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const n of names) {
    if (!n.startsWith('gen-') || keep.includes(n)) continue;
    try {
      if (now - statSync(join(dir, n)).mtimeMs < graceMs) continue;
      rmSync(join(dir, n), { recursive: true, force: true });
    } catch {
      /* derived data: next sweep */
    }
  }
}

export function discardGeneration(gen: string): void {
  rmSync(gen, { recursive: true, force: true });
}
