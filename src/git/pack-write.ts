// Writing many new objects as one pack (v2 + idx v2) instead of thousands of loose
// files: an initial mirror of 50,000 files then costs one file write, like `git add`
// plus `git gc` would give. Written to temp names; the .pack is renamed in before the
// .idx, so a reader (git or us) never sees an index without its pack.
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { ObjectType } from './hash.js';
import { tmpName } from './fsutil.js';
import { objectTmpDir } from './loose.js';

const TYPE_NUM: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

export interface PackObject {
  oid: string;
  type: ObjectType;
  body: Buffer;
}

function entryHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let b = (type << 4) | (size & 15);
  size = Math.floor(size / 16);
  while (size > 0) {
    bytes.push(b | 0x80);
    b = size & 0x7f;
    size = Math.floor(size / 128);
  }
  bytes.push(b);
  return Buffer.from(bytes);
}

/** Write objects (no duplicates) as one pack in gitdir; returns the pack's name. */
export function writePack(gitdir: string, objects: PackObject[]): string {
  const dir = join(gitdir, 'objects', 'pack');
  mkdirSync(dir, { recursive: true });
  const packHash = createHash('sha1');
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(objects.length, 8);

  const tmpPack = tmpName(join(dir, 'pack.pack'), objectTmpDir(gitdir));
  const tmpIdx = tmpName(join(dir, 'pack.idx'), objectTmpDir(gitdir));
  const fd = openSync(tmpPack, 'wx', 0o444);
  let ifd = -1;
  let packOpen = true; // a descriptor closed once is never closed again (its number may be reused by then)
  const entries: { oid: Buffer; offset: number; crc: number }[] = [];
  try {
    let offset = 0;
    // Objects are small (a skill file is a few KB): gather them into 1 MB writes, as cp does, not two syscalls each.
    const chunk = Buffer.allocUnsafe(1 << 20);
    let used = 0;
    const drain = (buf: Buffer, from: number, to: number, dest = fd) => {
      while (from < to) from += writeSync(dest, buf, from, to - from); // a short write goes on where it stopped
    };
    const out = (buf: Buffer) => {
      packHash.update(buf);
      offset += buf.length;
      if (used + buf.length > chunk.length) {
        drain(chunk, 0, used);
        used = 0;
      }
      if (buf.length >= chunk.length) drain(buf, 0, buf.length);
      else used += buf.copy(chunk, used);
    };
    out(head);
    for (const o of objects) {
      const h = entryHeader(TYPE_NUM[o.type], o.body.length);
      // Trees are mostly 20-byte random oids: storing them uncompressed costs little space and much less time.
      const z = deflateSync(o.body, { level: o.type === 'tree' ? 0 : 1 });
      entries.push({ oid: Buffer.from(o.oid, 'hex'), offset, crc: crc32(z, crc32(h)) });
      out(h);
      out(z);
    }
    const sum = packHash.digest();
    drain(chunk, 0, used);
    drain(sum, 0, sum.length);
    // No fsync, like git's default (core.fsync off for objects): a killed process cannot
    // lose page-cache data, and the rename order already keeps readers consistent.
    packOpen = false;
    closeSync(fd);
    const name = `pack-${sum.toString('hex')}`;
    entries.sort((a, b) => Buffer.compare(a.oid, b.oid));

    const n = entries.length;
    const big = entries.filter((e) => e.offset >= 0x80000000);
    const idx = Buffer.alloc(8 + 1024 + n * 28 + big.length * 8 + 40);
    idx.writeUInt32BE(0xff744f63, 0);
    idx.writeUInt32BE(2, 4);
    let p = 8;
    let k = 0;
    for (let i = 0; i < 256; i++) {
      while (k < n && entries[k].oid[0] === i) k++;
      idx.writeUInt32BE(k, p);
      p += 4;
    }
    for (const e of entries) {
      e.oid.copy(idx, p);
      p += 20;
    }
    for (const e of entries) {
      idx.writeUInt32BE(e.crc >>> 0, p);
      p += 4;
    }
    let bigIndex = 0;
    for (const e of entries) {
      idx.writeUInt32BE(e.offset >= 0x80000000 ? (0x80000000 | bigIndex++) >>> 0 : e.offset, p);
      p += 4;
    }
    for (const e of big) {
      idx.writeBigUInt64BE(BigInt(e.offset), p);
      p += 8;
    }
    sum.copy(idx, p);
    p += 20;
    createHash('sha1').update(idx.subarray(0, p)).digest().copy(idx, p);

    ifd = openSync(tmpIdx, 'wx', 0o444);
    drain(idx, 0, idx.length, ifd);
    const done = ifd;
    ifd = -1;
    closeSync(done);
    renameSync(tmpPack, join(dir, `${name}.pack`));
    renameSync(tmpIdx, join(dir, `${name}.idx`));
    return name;
  } catch (err) {
    for (const [open, f] of [[packOpen, fd], [ifd !== -1, ifd]] as const) {
      try {
        if (open) closeSync(f);
      } catch {
        /* the error was on close itself */
      }
    }
    rmSync(tmpPack, { force: true });
    rmSync(tmpIdx, { force: true });
    throw err;
  }
}
