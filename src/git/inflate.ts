// Bounded inflation: an object's declared size is read from the first inflated bytes
// and checked against a limit before the rest is inflated, and inflation never
// produces more than that size, so a small object can never expand into gigabytes.
import { constants, inflateSync } from 'node:zlib';
import { SkillsyncError } from '../core/errors.js';

/** Objects larger than this are refused unless a store is given another limit. */
export const DEFAULT_MAX_OBJECT_BYTES = 128 * 1024 * 1024;

export function tooLarge(what: string, size: number, limit: number): SkillsyncError {
  return new SkillsyncError('EOBJECT_TOO_LARGE', `${what} would inflate to ${size} bytes, more than the limit of ${limit}; it is not read`, { size, limit });
}

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < buf.length; ) {
    const end = Math.min(buf.length, i + 5552); // the most bytes before b can overflow 2^32
    for (; i < end; i++) {
      a += buf[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * A zlib stream made only of stored blocks (how trees are written, level 0) is copied
 * out without zlib: creating a zlib handle costs more than the copy. Null when the
 * stream has any compressed block (zlib inflates it then).
 */
export function inflateStored(data: Buffer, max: number, what: string): Buffer | null {
  if (data.length < 2 || (data[0]! & 0x0f) !== 8 || (data[1]! & 0x20) !== 0 || ((data[0]! << 8) | data[1]!) % 31 !== 0) return null;
  const parts: Buffer[] = [];
  let total = 0;
  let pos = 2;
  for (;;) {
    if (pos + 5 > data.length) return null;
    const head = data[pos]!;
    if ((head & 0x06) !== 0) return null; // not a stored block
    const len = data.readUInt16LE(pos + 1);
    if ((len ^ data.readUInt16LE(pos + 3)) !== 0xffff || pos + 5 + len > data.length) return null;
    total += len;
    if (total > max) throw tooLarge(what, total, max);
    parts.push(data.subarray(pos + 5, pos + 5 + len));
    pos += 5 + len;
    if (head & 1) break;
  }
  if (pos + 4 > data.length) return null;
  const out = parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts, total);
  return adler32(out) === data.readUInt32BE(pos) ? out : null;
}

/** Inflate at most `max` bytes; more output is an error, not an allocation. */
export function inflateBounded(data: Buffer, max: number, what: string): Buffer {
  const stored = inflateStored(data, max, what);
  if (stored) return stored;
  try {
    return inflateSync(data, { maxOutputLength: Math.max(1, max) });
  } catch (err) {
    if (err instanceof RangeError) throw tooLarge(what, max + 1, max); // zlib's output limit was hit
    throw err;
  }
}

/** The first bytes of a zlib stream (a loose object's header), without inflating the rest. */
export function inflatePrefix(data: Buffer, bytes: number): Buffer {
  const out = inflateSync(data.subarray(0, Math.min(data.length, 256)), { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: 1 << 20 });
  return out.subarray(0, bytes);
}
