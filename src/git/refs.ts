// Refs with git's own locking protocol, so skillsync and the git CLI can write the
// same repository: `<ref>.lock` is created exclusively, the old value is checked
// (compare-and-swap), the new value is written to the lock file and renamed over the
// ref. isomorphic-git writes refs in place with no cross-process lock; not used here.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SkillsyncError } from '../core/errors.js';
import { isOid } from './hash.js';

export type Logger = (level: 'info' | 'warn', message: string) => void;
let log: Logger = () => {};
export function setRefLogger(l: Logger): void {
  log = l;
}

/** A lock file older than this, while we hold the workspace lock, is from a killed process. */
const STALE_REF_LOCK_MS = 2000;

function refPath(gitdir: string, name: string): string {
  if (!/^(HEAD|refs\/[^\0]+)$/.test(name) || name.split('/').some((p) => p === '' || p === '.' || p === '..') || name.endsWith('.lock')) {
    throw new SkillsyncError('EREF_NAME', `invalid ref name '${name}'`, { name });
  }
  return join(gitdir, name);
}

let packedCache: { path: string; mtimeMs: number; size: number; refs: Map<string, string>; sorted?: string[] } | null = null;

/** Packed ref names in code-unit order, for prefix lookups by binary search. */
function packedSorted(gitdir: string): string[] {
  const refs = readPackedRefs(gitdir);
  if (packedCache && packedCache.refs === refs) {
    packedCache.sorted ??= [...refs.keys()].sort();
    return packedCache.sorted;
  }
  return [...refs.keys()].sort();
}

export function readPackedRefs(gitdir: string): Map<string, string> {
  const path = join(gitdir, 'packed-refs');
  let st;
  try {
    st = statSync(path);
  } catch {
    return new Map();
  }
  if (packedCache && packedCache.path === path && packedCache.mtimeMs === st.mtimeMs && packedCache.size === st.size) return packedCache.refs;
  const refs = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('^')) continue;
    const sp = line.indexOf(' ');
    if (sp === 40) refs.set(line.slice(41), line.slice(0, 40));
  }
  packedCache = { path, mtimeMs: st.mtimeMs, size: st.size, refs };
  return refs;
}

function readLooseRef(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw err;
  }
}

/** The oid a ref points at (following symbolic refs), or null when it does not exist. */
export function readRef(gitdir: string, name: string): string | null {
  for (let depth = 0; depth < 5; depth++) {
    const v = readLooseRef(refPath(gitdir, name)) ?? readPackedRefs(gitdir).get(name) ?? null;
    if (v === null) return null;
    if (v.startsWith('ref: ')) {
      name = v.slice(5).trim();
      continue;
    }
    if (!isOid(v)) throw new SkillsyncError('ECORRUPT', `ref ${name} does not hold an object id`, { name, value: String(v).slice(0, 60) });
    return v;
  }
  throw new SkillsyncError('ECORRUPT', `symbolic ref loop at ${name}`, { name });
}

function acquireRefLock(gitdir: string, name: string): string {
  return acquireLockFile(refPath(gitdir, name), name);
}

/** git's lock protocol for any file: create `<file>.lock` exclusively; stale locks are removed. */
const knownDirs = new Set<string>();

function acquireLockFile(file: string, name: string): string {
  const lockPath = file + '.lock';
  const dir = dirname(lockPath);
  if (!knownDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    knownDirs.add(dir);
  }
  // Wait long enough for a lock of a killed process to count as stale and be removed.
  const deadline = Date.now() + STALE_REF_LOCK_MS + 1000;
  for (;;) {
    try {
      closeSync(openSync(lockPath, 'wx', 0o644));
      return lockPath;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        knownDirs.delete(dir); // pruned meanwhile
        mkdirSync(dir, { recursive: true });
        continue;
      }
      if (code !== 'EEXIST') throw err;
      let age = 0;
      try {
        age = Date.now() - statSync(lockPath).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      if (age > STALE_REF_LOCK_MS) {
        // git holds a ref lock for milliseconds; an old one is from a process that died.
        log('warn', `removing stale ref lock ${lockPath} (${Math.round(age / 1000)} s old)`);
        rmSync(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new SkillsyncError('EREF_LOCKED', `ref ${name} is locked by another process (${lockPath}); try again`, { name }, 'retry');
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

function casMismatch(name: string, expected: string | null, actual: string | null): SkillsyncError {
  return new SkillsyncError(
    'EREF_CHANGED',
    `ref ${name} changed while we worked (expected ${expected ?? 'none'}, found ${actual ?? 'none'}); run the command again`,
    { name, expected, actual },
    'retry',
  );
}

/**
 * Point `name` at `oid`. expected: the value it must have now (null = must not exist,
 * undefined = no check). Throws EREF_CHANGED when someone else moved it.
 */
export function updateRef(gitdir: string, name: string, oid: string, expected?: string | null): void {
  if (!isOid(oid)) throw new SkillsyncError('EREF_VALUE', `not an object id: ${oid}`, { oid });
  const lockPath = acquireRefLock(gitdir, name);
  let renamed = false;
  try {
    const current = readRef(gitdir, name);
    if (expected !== undefined && current !== expected) throw casMismatch(name, expected, current);
    const fd = openSync(lockPath, 'w');
    writeSync(fd, `${oid}\n`);
    closeSync(fd);
    renameSync(lockPath, refPath(gitdir, name));
    renamed = true;
  } finally {
    if (!renamed) rmSync(lockPath, { force: true });
  }
}

/** Delete a ref (loose and packed). expected as in updateRef. Returns false when it did not exist. */
export function deleteRef(gitdir: string, name: string, expected?: string | null): boolean {
  const lockPath = acquireRefLock(gitdir, name);
  try {
    const current = readRef(gitdir, name);
    if (expected !== undefined && current !== expected) throw casMismatch(name, expected, current);
    if (current === null) return false;
    if (readPackedRefs(gitdir).has(name)) removePacked(gitdir, name);
    try {
      unlinkSync(refPath(gitdir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    pruneEmptyDirs(gitdir, dirname(refPath(gitdir, name)));
    return true;
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function removePacked(gitdir: string, name: string): void {
  const lockPath = acquireLockFile(join(gitdir, 'packed-refs'), 'packed-refs');
  try {
    const path = join(gitdir, 'packed-refs');
    const lines = readFileSync(path, 'utf8').split('\n');
    const out: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l.length > 41 && l.slice(41) === name && !l.startsWith('#')) {
        if (lines[i + 1]?.startsWith('^')) i++; // its peeled line
        continue;
      }
      out.push(l);
    }
    const fd = openSync(lockPath, 'w');
    writeSync(fd, out.join('\n'));
    closeSync(fd);
    renameSync(lockPath, path);
    packedCache = null;
  } finally {
    rmSync(lockPath, { force: true });
  }
}

function pruneEmptyDirs(gitdir: string, dir: string): void {
  knownDirs.clear();
  const stop = [join(gitdir, 'refs'), join(gitdir, 'refs', 'heads'), join(gitdir, 'refs', 'tags')];
  while (dir.startsWith(join(gitdir, 'refs')) && !stop.includes(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}

/** All refs under a prefix (e.g. 'refs/heads/proposals/'), loose overriding packed. */
export function listRefs(gitdir: string, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  const packed = readPackedRefs(gitdir);
  if (packed.size) {
    const names = packedSorted(gitdir);
    let lo = 0;
    let hi = names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (names[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < names.length && names[i].startsWith(prefix); i++) out.set(names[i], packed.get(names[i])!);
  }
  const baseDir = prefix.endsWith('/') ? prefix.slice(0, -1) : dirname(prefix);
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = readdirSync(join(gitdir, rel));
    } catch {
      return;
    }
    for (const n of names) {
      const r = `${rel}/${n}`;
      if (n.endsWith('.lock') || n.startsWith('.')) continue;
      const full = join(gitdir, r);
      let st;
      try {
        st = statSync(full);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(r);
      else if (r.startsWith(prefix)) {
        const v = readLooseRef(full);
        if (v && isOid(v)) out.set(r, v);
      }
    }
  };
  walk(baseDir);
  return out;
}

export function refExists(gitdir: string, name: string): boolean {
  return existsSync(refPath(gitdir, name)) || readPackedRefs(gitdir).has(name);
}

/**
 * Move loose refs under the given prefixes into packed-refs (what `git pack-refs`
 * does), so a pass reads one file instead of thousands. Each loose ref is removed
 * under its own lock and only if it still holds the value that was packed.
 */
export function packRefs(gitdir: string, prefixes: string[]): number {
  const lockPath = acquireLockFile(join(gitdir, 'packed-refs'), 'packed-refs');
  let loose = new Map<string, string>();
  try {
    const packed = new Map(readPackedRefs(gitdir));
    for (const prefix of prefixes) {
      for (const [name, oid] of listRefs(gitdir, prefix)) {
        if (existsSync(join(gitdir, name))) loose.set(name, oid);
      }
    }
    if (loose.size === 0) return 0;
    for (const [name, oid] of loose) packed.set(name, oid);
    const names = [...packed.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const body = '# pack-refs with: sorted \n' + names.map((n) => `${packed.get(n)} ${n}\n`).join('');
    const fd = openSync(lockPath, 'w');
    writeSync(fd, body);
    closeSync(fd);
    renameSync(lockPath, join(gitdir, 'packed-refs'));
    packedCache = null;
  } finally {
    rmSync(lockPath, { force: true });
  }
  for (const [name, oid] of loose) {
    let refLock: string;
    try {
      refLock = acquireRefLock(gitdir, name);
    } catch {
      continue; // busy: it stays loose, which is fine
    }
    try {
      if (readLooseRef(join(gitdir, name)) === oid) unlinkSync(join(gitdir, name));
      pruneEmptyDirs(gitdir, dirname(join(gitdir, name)));
    } finally {
      rmSync(refLock, { force: true });
    }
  }
  return loose.size;
}

/**
 * Create many refs at once directly in packed-refs, as `git clone` does: one file
 * written under packed-refs.lock instead of thousands of loose files. Each name must
 * not exist yet (loose or packed); otherwise nothing is written and EREF_CHANGED is thrown.
 */
export function createPackedRefs(gitdir: string, refs: Map<string, string>): void {
  const lockPath = acquireLockFile(join(gitdir, 'packed-refs'), 'packed-refs');
  let renamed = false;
  try {
    const packed = new Map(readPackedRefs(gitdir));
    for (const [name, oid] of refs) {
      if (!isOid(oid)) throw new SkillsyncError('EREF_VALUE', `not an object id: ${oid}`, { oid });
      refPath(gitdir, name);
      if (packed.has(name) || existsSync(join(gitdir, name)) || existsSync(join(gitdir, name) + '.lock')) {
        throw casMismatch(name, null, packed.get(name) ?? readLooseRef(join(gitdir, name)));
      }
      packed.set(name, oid);
    }
    const names = [...packed.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const fd = openSync(lockPath, 'w');
    writeSync(fd, '# pack-refs with: sorted \n' + names.map((n) => `${packed.get(n)} ${n}\n`).join(''));
    closeSync(fd);
    renameSync(lockPath, join(gitdir, 'packed-refs'));
    renamed = true;
    packedCache = null;
  } finally {
    if (!renamed) rmSync(lockPath, { force: true });
  }
}
