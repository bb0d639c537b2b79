// packed-refs (refs/packed-backend.c): one sorted file of `<oid> <name>` lines, read
// once per change of the file (the parsed copy is kept by the caller's Refs), and
// rewritten whole under packed-refs.lock.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LockFile } from './lockfile.js';

export interface PackedSnapshot {
  mtimeMs: number;
  size: number;
  ino: number;
  refs: Map<string, string>;
  sorted?: string[];
}

export function packedPath(gitdir: string): string {
  return join(gitdir, 'packed-refs');
}

export function parsePacked(text: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#') || line.startsWith('^')) continue;
    if (line.indexOf(' ') === 40) refs.set(line.slice(41), line.slice(0, 40));
  }
  return refs;
}

/** git's format: a header saying the file is sorted, then names in byte order. */
export function formatPacked(refs: Map<string, string>): string {
  const names = [...refs.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return '# pack-refs with: sorted \n' + names.map((n) => `${refs.get(n)} ${n}\n`).join('');
}

/** The packed refs now; `prev` is returned as is when the file did not change. */
export function readPacked(gitdir: string, prev: PackedSnapshot | null): PackedSnapshot {
  let st;
  try {
    st = statSync(packedPath(gitdir), { throwIfNoEntry: false });
  } catch {
    st = undefined;
  }
  if (!st) return { mtimeMs: 0, size: 0, ino: 0, refs: new Map() };
  if (prev && prev.mtimeMs === st.mtimeMs && prev.size === st.size && prev.ino === st.ino) return prev;
  return { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino, refs: parsePacked(readFileSync(packedPath(gitdir), 'utf8')) };
}

/** Names in code-unit order, for prefix lookups by binary search. */
export function sortedNames(snap: PackedSnapshot): string[] {
  snap.sorted ??= [...snap.refs.keys()].sort();
  return snap.sorted;
}

/** Packed names starting with prefix. */
export function packedWithPrefix(snap: PackedSnapshot, prefix: string): string[] {
  const names = sortedNames(snap);
  let lo = 0;
  let hi = names.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (names[mid] < prefix) lo = mid + 1;
    else hi = mid;
  }
  const out: string[] = [];
  for (let i = lo; i < names.length && names[i].startsWith(prefix); i++) out.push(names[i]);
  return out;
}

/** Write a new packed-refs through its held lock. */
export function writePacked(lock: LockFile, refs: Map<string, string>): void {
  lock.write(formatPacked(refs));
  lock.commit();
}
