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

/** Inflate at most `max` bytes; more output is an error, not an allocation. */
export function inflateBounded(data: Buffer, max: number, what: string): Buffer {
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
