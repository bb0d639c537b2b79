// Object hashing with node:crypto: the same SHA-1 git computes over "<type> <size>\0<body>".
import { createHash } from 'node:crypto';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export function objectHeader(type: ObjectType, size: number): Buffer {
  return Buffer.from(`${type} ${size}\0`, 'latin1');
}

export function hashObject(type: ObjectType, body: Buffer): string {
  return createHash('sha1').update(objectHeader(type, body.length)).update(body).digest('hex');
}

export const OID_RE = /^[0-9a-f]{40}$/;
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export function isOid(s: unknown): s is string {
  return typeof s === 'string' && OID_RE.test(s);
}
