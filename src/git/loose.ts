// Loose objects: zlib-deflated "<type> <size>\0<body>" under objects/xx/yyyy.
// isomorphic-git writes objects in place (a crash can leave a truncated object that
// `git fsck` rejects); here every object goes to a temp file first and is renamed in.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { DEFAULT_MAX_OBJECT_BYTES, inflateBounded, inflatePrefix, tooLarge } from './inflate.js';
import { objectHeader, type ObjectType } from './hash.js';
import { writeFileAtomic } from './fsutil.js';
import { SkillsyncError } from '../core/errors.js';

export function loosePath(gitdir: string, oid: string, objectsDir = join(gitdir, 'objects')): string {
  return join(objectsDir, oid.slice(0, 2), oid.slice(2));
}

export function hasLoose(gitdir: string, oid: string, objectsDir?: string): boolean {
  return existsSync(loosePath(gitdir, oid, objectsDir));
}

/**
 * hasLoose for many oids at once: one listing of objects/ first, so an oid whose
 * fan-out folder does not exist (most of them after a repack) costs no syscall.
 */
export function looseChecker(gitdir: string, objectsDir?: string): (oid: string) => boolean {
  let fans: Set<string>;
  try {
    fans = new Set(readdirSync(objectsDir ?? join(gitdir, 'objects')).filter((n) => n.length === 2));
  } catch {
    return (oid) => hasLoose(gitdir, oid, objectsDir);
  }
  return (oid) => fans.has(oid.slice(0, 2)) && hasLoose(gitdir, oid, objectsDir);
}

/** Folders known to exist, kept by the caller (an ObjectStore) so a run of writes makes each once. */
export type MadeDirs = Set<string>;

function ensureDir(dir: string, made?: MadeDirs): string {
  if (!made?.has(dir)) {
    mkdirSync(dir, { recursive: true });
    made?.add(dir);
  }
  return dir;
}

/** Where object temp files are written before their rename (same file system as objects/). */
export function objectTmpDir(gitdir: string, made?: MadeDirs): string {
  return ensureDir(join(gitdir, 'skillsync-tmp'), made);
}

export function writeLoose(gitdir: string, oid: string, type: ObjectType, body: Buffer, made?: MadeDirs): void {
  const path = loosePath(gitdir, oid);
  ensureDir(join(gitdir, 'objects', oid.slice(0, 2)), made);
  if (existsSync(path)) return;
  const data = deflateSync(Buffer.concat([objectHeader(type, body.length), body]), { level: type === 'tree' ? 0 : 1 });
  // Temp files live outside objects/ so an interrupted write never shows up as fsck garbage.
  writeFileAtomic(path, data, { mode: 0o444, tmpDir: objectTmpDir(gitdir, made) });
}

/** Read a loose object; objects declaring more than maxBytes are refused before inflating them. */
export function readLoose(gitdir: string, oid: string, objectsDir?: string, maxBytes = DEFAULT_MAX_OBJECT_BYTES): { type: ObjectType; body: Buffer } | null {
  let raw: Buffer;
  try {
    raw = readFileSync(loosePath(gitdir, oid, objectsDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const corrupt = () => new SkillsyncError('ECORRUPT', `corrupt loose object ${oid} in ${gitdir}; run 'git fsck' on that repository`, { oid });
  let head: Buffer;
  try {
    head = inflatePrefix(raw, 64);
  } catch {
    throw corrupt();
  }
  const nul = head.indexOf(0);
  const m = nul > 0 ? /^(blob|tree|commit|tag) (\d{1,15})$/.exec(head.toString('latin1', 0, nul)) : null;
  if (!m) throw corrupt();
  const size = Number(m[2]);
  if (size > maxBytes) throw tooLarge(`object ${oid}`, size, maxBytes);
  let data: Buffer;
  try {
    data = inflateBounded(raw, nul + 1 + size, `object ${oid}`);
  } catch {
    throw corrupt(); // truncated, or more bytes than it declares
  }
  const body = data.subarray(nul + 1);
  if (size !== body.length) throw corrupt();
  return { type: m[1] as ObjectType, body };
}
