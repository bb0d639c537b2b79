// Loose objects: zlib-deflated "<type> <size>\0<body>" under objects/xx/yyyy.
// isomorphic-git writes objects in place (a crash can leave a truncated object that
// `git fsck` rejects); here every object goes to a temp file first and is renamed in.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { objectHeader, type ObjectType } from './hash.js';
import { writeFileAtomic } from './fsutil.js';
import { SkillsyncError } from '../core/errors.js';

export function loosePath(gitdir: string, oid: string): string {
  return join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
}

export function hasLoose(gitdir: string, oid: string): boolean {
  return existsSync(loosePath(gitdir, oid));
}

const madeDirs = new Set<string>();

/** Where object temp files are written before their rename (same file system as objects/). */
export function objectTmpDir(gitdir: string): string {
  const dir = join(gitdir, 'skillsync-tmp');
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
  return dir;
}

export function writeLoose(gitdir: string, oid: string, type: ObjectType, body: Buffer): void {
  const path = loosePath(gitdir, oid);
  const dir = join(gitdir, 'objects', oid.slice(0, 2));
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
  if (existsSync(path)) return;
  const data = deflateSync(Buffer.concat([objectHeader(type, body.length), body]), { level: type === 'tree' ? 0 : 1 });
  // Temp files live outside objects/ so an interrupted write never shows up as fsck garbage.
  writeFileAtomic(path, data, { mode: 0o444, tmpDir: objectTmpDir(gitdir) });
}

export function readLoose(gitdir: string, oid: string): { type: ObjectType; body: Buffer } | null {
  let raw: Buffer;
  try {
    raw = readFileSync(loosePath(gitdir, oid));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const data = inflateSync(raw);
  const nul = data.indexOf(0);
  const [type, size] = data.toString('latin1', 0, nul).split(' ');
  const body = data.subarray(nul + 1);
  if (Number(size) !== body.length) {
    throw new SkillsyncError('ECORRUPT', `corrupt loose object ${oid}: size mismatch; run 'git fsck' on the workspace repository`, { oid });
  }
  return { type: type as ObjectType, body };
}
