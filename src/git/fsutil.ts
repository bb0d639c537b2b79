// Small synchronous file helpers with the atomicity rules the workspace relies on.
import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync, type Stats } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temp name for `target`, in `tmpDir` (same file system) or beside the target. */
export function tmpName(target: string, tmpDir?: string): string {
  return join(tmpDir ?? dirname(target), `.tmp-${basename(target)}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Write a file atomically: a temp file in the same directory, then rename over the target.
 * With `stat`, returns the file's fstat taken before the rename (so it is surely ours).
 */
export function writeFileAtomic(
  target: string,
  data: Buffer | string,
  opts: { mode?: number; fsync?: boolean; tmpDir?: string; stat?: boolean } = {},
): Stats | undefined {
  mkdirSync(dirname(target), { recursive: true });
  const tmp = tmpName(target, opts.tmpDir);
  const fd = openSync(tmp, 'wx', opts.mode ?? 0o644);
  let st: Stats | undefined;
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (opts.fsync) fsyncSync(fd);
    if (opts.stat) st = fstatSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return st;
}
