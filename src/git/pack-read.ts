// Reading packed objects (idx v2 + pack v2), including ofs/ref deltas, so that a
// workspace repository that was `git gc`-ed or pushed to still reads correctly.
import { closeSync, openSync, readdirSync, readFileSync, readSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_MAX_OBJECT_BYTES, inflateBounded, tooLarge } from './inflate.js';
import type { ObjectType } from './hash.js';
import { SkillsyncError } from '../core/errors.js';

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

class PackIndex {
  readonly count: number;
  private readonly fanout: Uint32Array;
  constructor(
    readonly packPath: string,
    private readonly idx: Buffer,
  ) {
    if (idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) {
      throw new SkillsyncError('ECORRUPT', `unsupported pack index ${packPath}`, {});
    }
    this.fanout = new Uint32Array(256);
    for (let i = 0; i < 256; i++) this.fanout[i] = idx.readUInt32BE(8 + i * 4);
    this.count = this.fanout[255];
  }

  private handle: number | null = null;

  /** An open descriptor for the pack, kept for the life of this index. */
  fd(): number {
    if (this.handle === null) {
      this.handle = openSync(this.packPath, 'r');
      this.size = fstatSync(this.handle).size;
    }
    return this.handle;
  }

  size = 0;

  close(): void {
    if (this.handle !== null) {
      try {
        closeSync(this.handle);
      } catch {
        /* already closed */
      }
      this.handle = null;
    }
  }

  offsetOf(oid: string): number | null {
    const key = Buffer.from(oid, 'hex');
    const first = key[0];
    let lo = first === 0 ? 0 : this.fanout[first - 1];
    let hi = this.fanout[first];
    const base = 8 + 256 * 4;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.idx.compare(key, 0, 20, base + mid * 20, base + mid * 20 + 20);
      if (c === 0) {
        const offBase = base + this.count * 20 + this.count * 4;
        const off = this.idx.readUInt32BE(offBase + mid * 4);
        if (off & 0x80000000) {
          const bigBase = offBase + this.count * 4;
          return Number(this.idx.readBigUInt64BE(bigBase + (off & 0x7fffffff) * 8));
        }
        return off;
      }
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return null;
  }

  *oids(): Generator<string> {
    const base = 8 + 256 * 4;
    for (let i = 0; i < this.count; i++) yield this.idx.toString('hex', base + i * 20, base + i * 20 + 20);
  }
}

function applyDelta(base: Buffer, delta: Buffer, maxBytes: number): Buffer {
  let i = 0;
  const varint = () => {
    let v = 0;
    let shift = 0;
    let b: number;
    do {
      b = delta[i++];
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return v;
  };
  const srcSize = varint();
  if (srcSize !== base.length) throw new SkillsyncError('ECORRUPT', 'delta base size mismatch', {});
  const outSize = varint();
  if (outSize > maxBytes) throw tooLarge('a packed object', outSize, maxBytes);
  const out = Buffer.allocUnsafe(outSize);
  let o = 0;
  while (i < delta.length) {
    const op = delta[i++];
    if (op & 0x80) {
      let off = 0;
      let size = 0;
      for (let k = 0; k < 4; k++) if (op & (1 << k)) off |= delta[i++] << (8 * k);
      for (let k = 0; k < 3; k++) if (op & (0x10 << k)) size |= delta[i++] << (8 * k);
      if (size === 0) size = 0x10000;
      if (o + size > outSize || (off >>> 0) + size > base.length) throw new SkillsyncError('ECORRUPT', 'delta copies out of bounds', {});
      base.copy(out, o, off >>> 0, (off >>> 0) + size);
      o += size;
    } else if (op) {
      if (o + op > outSize) throw new SkillsyncError('ECORRUPT', 'delta writes out of bounds', {});
      delta.copy(out, o, i, i + op);
      o += op;
      i += op;
    } else {
      throw new SkillsyncError('ECORRUPT', 'invalid delta opcode', {});
    }
  }
  if (o !== outSize) throw new SkillsyncError('ECORRUPT', 'delta result size mismatch', {});
  return out;
}

export class PackReader {
  private packs: PackIndex[] | null = null;

  constructor(
    private readonly gitdir: string,
    private readonly objectsDir = join(gitdir, 'objects'),
    private readonly maxBytes = DEFAULT_MAX_OBJECT_BYTES,
  ) {}

  private load(): PackIndex[] {
    const dir = join(this.objectsDir, 'pack');
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return (this.packs = []);
    }
    const packs: PackIndex[] = [];
    for (const n of names.sort()) {
      if (!n.endsWith('.idx')) continue;
      const packPath = join(dir, n.slice(0, -4) + '.pack');
      try {
        packs.push(new PackIndex(packPath, readFileSync(join(dir, n))));
      } catch {
        // A pack being written by git (idx renamed in last) or removed by gc: skip it.
      }
    }
    return (this.packs = packs);
  }

  /** Forget the list of packs (call after writing a pack or when an object seems missing). */
  refresh(): void {
    for (const p of this.packs ?? []) p.close();
    this.packs = null;
  }

  /** Locate an object; with reload, a miss rescans objects/pack once (new packs from a push or gc). */
  find(oid: string, reload = true): { pack: PackIndex; offset: number } | null {
    for (let attempt = 0; attempt < (reload ? 2 : 1); attempt++) {
      const packs = this.packs ?? this.load();
      for (const pack of packs) {
        const offset = pack.offsetOf(oid);
        if (offset !== null) return { pack, offset };
      }
      if (attempt === 0 && reload) this.refresh(); // new packs may have arrived (push, gc)
    }
    return null;
  }

  read(oid: string, reload = true): { type: ObjectType; body: Buffer } | null {
    const hit = this.find(oid, reload);
    if (!hit) return null;
    try {
      return this.readAt(hit.pack.fd(), hit.pack, hit.offset, 0);
    } catch (err) {
      // The pack was replaced under us (git gc): look again from scratch once.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EBADF') throw err;
      this.refresh();
      const again = this.find(oid, false);
      return again ? this.readAt(again.pack.fd(), again.pack, again.offset, 0) : null;
    }
  }

  private readAt(fd: number, pack: PackIndex, offset: number, depth: number): { type: ObjectType; body: Buffer } {
    if (depth > 64) throw new SkillsyncError('ECORRUPT', 'delta chain too deep', {});
    // One read for the header and, for a small object (most trees and blobs), its data too.
    const head = Buffer.alloc(Math.max(32, Math.min(4096, pack.size - offset)));
    readSync(fd, head, 0, head.length, offset);
    let i = 0;
    let byte = head[i++];
    const typeNum = (byte >> 4) & 7;
    let size = byte & 15;
    let shift = 4;
    while (byte & 0x80) {
      byte = head[i++];
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    let baseOffset = -1;
    let baseOid = '';
    if (typeNum === 6) {
      byte = head[i++];
      let rel = byte & 0x7f;
      while (byte & 0x80) {
        byte = head[i++];
        rel = (rel + 1) * 128 + (byte & 0x7f);
      }
      baseOffset = offset - rel;
    } else if (typeNum === 7) {
      baseOid = head.toString('hex', i, i + 20);
      i += 20;
    }
    const data = this.inflateSmall(head, i, size) ?? this.inflateAt(fd, pack.size, offset + i, size);
    if (typeNum >= 1 && typeNum <= 4) return { type: TYPES[typeNum], body: data };
    const base =
      typeNum === 6
        ? this.readAt(fd, pack, baseOffset, depth + 1)
        : (() => {
            const off = pack.offsetOf(baseOid);
            if (off !== null) return this.readAt(fd, pack, off, depth + 1);
            const other = this.read(baseOid);
            if (!other) throw new SkillsyncError('ECORRUPT', `missing delta base ${baseOid}`, {});
            return other;
          })();
    return { type: base.type, body: applyDelta(base.body, data, this.maxBytes) };
  }

  /** The object's data from the bytes already read, when its whole stream is surely among them. */
  private inflateSmall(head: Buffer, at: number, size: number): Buffer | null {
    if (size > this.maxBytes || size + (size >> 3) + 64 > head.length - at) return null;
    try {
      const out = inflateBounded(head.subarray(at), size, 'a packed object');
      return out.length === size ? out : null;
    } catch {
      return null; // read it the long way, which reports what is wrong
    }
  }

  private inflateAt(fd: number, fileSize: number, pos: number, size: number): Buffer {
    if (size > this.maxBytes) throw tooLarge('a packed object', size, this.maxBytes);
    let chunk = Math.max(4096, size + (size >> 3) + 64);
    for (;;) {
      const len = Math.min(chunk, fileSize - pos);
      const buf = Buffer.allocUnsafe(len);
      readSync(fd, buf, 0, len, pos);
      try {
        const out = inflateBounded(buf, size, 'a packed object');
        if (out.length !== size) throw new SkillsyncError('ECORRUPT', `packed object at ${pos} in ${this.gitdir} has the wrong size`, {});
        return out;
      } catch (err) {
        if (err instanceof SkillsyncError || len >= fileSize - pos) throw err;
        chunk *= 4;
      }
    }
  }

  *allOids(): Generator<string> {
    for (const pack of this.packs ?? this.load()) yield* pack.oids();
  }
}
