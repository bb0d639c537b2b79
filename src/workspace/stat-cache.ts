// The workspace index (cache/stat/index): one binary file, like git's index, holding
// for every plugin (and target) and skill the stat entry of each upstream file and the
// tree oid of each folder. Loaded with one read; a skill's entries are decoded only
// when asked for, untouched skills are copied back as raw bytes, and the file is
// rewritten (atomically) only when its bytes change. Derived data: a missing, old or
// corrupt index (checksum) is ignored and rebuilt by the next pass.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../git/fsutil.js';
import type { StatCache, StatEntry } from '../git/dir-tree.js';
import type { Ctx } from './context.js';

const MAGIC = 0x534b4958; // 'SKIX'
const VERSION = 1;
const SUM = 20;
const F_EXEC = 1;
const F_DIR = 2;
const F_OID = 4;

/** A skill's record in the loaded file, read in place: offsets of its observation (-1: none) and entries. */
interface Slot {
  obsAt: number;
  bodyAt: number;
  bodyLen: number;
}

/**
 * The index as this context last loaded or wrote it, and the file it was (inode, size,
 * mtime): a daemon's passes reuse it while the file is that one, instead of reading and
 * checking 7 MB at 50,000 files several times per pass.
 */
export interface IndexMemo {
  stamp: string;
  bytes: Buffer;
  groups: Map<string, SlotMap>;
}

/** One plugin's (or target's) skills as loaded, and where the whole group's record is in the bytes. */
class SlotMap extends Map<string, Slot> {
  rawAt = 0;
  rawEnd = 0;
}

/** Which file this is (inode, size, mtime): a file replaced by rename, or rewritten, has another stamp. */
export const fileStamp = (st: { ino: number; size: number; mtimeMs: number }) => `${st.ino}:${st.size}:${st.mtimeMs}`;

interface Group {
  /** As loaded (a SlotMap from the bytes), or a new Map once skills were dropped. */
  skills: Map<string, Slot> | SlotMap;
  /** Decoded entries (the caller may change them; `touch` says which did). */
  decoded: Map<string, StatCache>;
  /** Skills whose entries were touched, or 'all' (re-encoded on save; the rest are copied). */
  touched: Set<string> | 'all';
  obs: Map<string, [string, string] | null>;
}

class Writer {
  private buf: Buffer;
  len = 0;
  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size);
  }
  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u8(v: number) { this.room(1); this.buf[this.len++] = v; }
  u16(v: number) { this.room(2); this.buf.writeUInt16LE(v, this.len); this.len += 2; }
  u32(v: number) { this.room(4); this.buf.writeUInt32LE(v, this.len); this.len += 4; }
  f64(v: number) { this.room(8); this.buf.writeDoubleLE(v, this.len); this.len += 8; }
  str(s: string) { const n = Buffer.byteLength(s); this.u16(n); this.room(n); this.buf.write(s, this.len, 'utf8'); this.len += n; }
  hex(h: string) { this.room(SUM); this.buf.write(h, this.len, SUM, 'hex'); this.len += SUM; }
  bytes(b: Buffer) { this.room(b.length); b.copy(this.buf, this.len); this.len += b.length; }
  at(pos: number, v: number) { this.buf.writeUInt32LE(v, pos); }
  done(): Buffer { return this.buf.subarray(0, this.len); }
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end = buf.length) {}
  need(n: number) { if (this.pos + n > this.end) throw new Error('truncated index'); }
  u8() { this.need(1); return this.buf[this.pos++]!; }
  u16() { this.need(2); const v = this.buf.readUInt16LE(this.pos); this.pos += 2; return v; }
  u32() { this.need(4); const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  f64() { this.need(8); const v = this.buf.readDoubleLE(this.pos); this.pos += 8; return v; }
  str() { const n = this.u16(); this.need(n); const s = this.buf.toString('utf8', this.pos, this.pos + n); this.pos += n; return s; }
  hex() { this.need(SUM); const s = this.buf.toString('hex', this.pos, this.pos + SUM); this.pos += SUM; return s; }
  slice(n: number) { this.need(n); const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
}

function encodeEntries(w: Writer, c: StatCache): void {
  w.u32(c.size);
  for (const [k, e] of c) {
    w.str(k);
    w.f64(e.mtimeMs);
    w.f64(e.ctimeMs);
    w.f64(e.size);
    w.f64(e.ino);
    w.f64(e.hashedAt);
    const hasOid = e.oid.length === 40;
    w.u8((e.exec ? F_EXEC : 0) | (e.names ? F_DIR : 0) | (hasOid ? F_OID : 0));
    if (hasOid) w.hex(e.oid);
    if (e.names) {
      w.u32(e.names.length);
      for (const n of e.names) w.str(n);
    }
  }
}

function decodeEntries(body: Buffer): StatCache {
  const r = new Reader(body);
  const c: StatCache = new Map();
  for (let n = r.u32(); n > 0; n--) {
    const k = r.str();
    const m = r.f64(), cz = r.f64(), s = r.f64(), i = r.f64(), t = r.f64();
    const f = r.u8();
    const e: StatEntry = { mtimeMs: m, ctimeMs: cz, size: s, ino: i, exec: (f & F_EXEC) !== 0, oid: f & F_OID ? r.hex() : '', hashedAt: t };
    if (f & F_DIR) {
      const d: string[] = [];
      for (let j = r.u32(); j > 0; j--) d.push(r.str());
      e.names = d;
    }
    c.set(k, e);
  }
  return c;
}

/** Parse an index file; throws on anything but a complete, current one. Entries stay undecoded, in `buf`. */
export function parseIndex(buf: Buffer, checked = false): Map<string, SlotMap> {
  if (buf.length < 12 + SUM) throw new Error('short index');
  if (!checked) {
    const sum = createHash('sha1').update(buf.subarray(0, buf.length - SUM)).digest();
    if (!sum.equals(buf.subarray(buf.length - SUM))) throw new Error('index checksum mismatch');
  }
  const r = new Reader(buf, buf.length - SUM);
  if (r.u32() !== MAGIC || r.u32() !== VERSION) throw new Error('not an index of this version');
  const groups = new Map<string, SlotMap>();
  for (let g = r.u32(); g > 0; g--) {
    const rawAt = r.pos;
    const name = r.str();
    const skills = new SlotMap();
    skills.rawAt = rawAt;
    for (let s = r.u32(); s > 0; s--) {
      const skill = r.str();
      let obsAt = -1;
      if (r.u8()) {
        obsAt = r.pos;
        r.slice(2 * SUM);
      }
      const bodyLen = r.u32();
      const bodyAt = r.pos;
      r.slice(bodyLen);
      skills.set(skill, { obsAt, bodyAt, bodyLen });
    }
    skills.rawEnd = r.pos;
    groups.set(name, skills);
  }
  if (r.pos !== r.end) throw new Error('trailing bytes in index');
  return groups;
}

export class StatCaches {
  private readonly groups = new Map<string, Group>();
  private readonly dirty = new Set<string>();
  /** The bytes loaded (slots point into them): an index that would be written unchanged is not rewritten. */
  private loadedBytes: Buffer | null = null;
  private readonly file: string;
  /** Source roots resolved in this pass (one StatCaches lives for one pass). */
  readonly realRoots = new Map<string, string>();

  constructor(private readonly ctx: Ctx) {
    this.file = join(ctx.paths.statCaches, 'index');
    let fd: number | null = null;
    try {
      fd = openSync(this.file, 'r');
      const stamp = fileStamp(fstatSync(fd));
      let memo = ctx.statIndex;
      if (!memo || memo.stamp !== stamp) {
        ctx.statIndex = undefined;
        const bytes = readFileSync(fd);
        memo = { stamp, bytes, groups: parseIndex(bytes) };
        ctx.statIndex = memo;
      }
      for (const [name, skills] of memo.groups) this.groups.set(name, { skills, decoded: new Map(), obs: new Map(), touched: new Set() });
      this.loadedBytes = memo.bytes;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') ctx.log.debug(`workspace index ignored (${(err as Error).message}); it is rebuilt`);
      this.groups.clear();
      this.loadedBytes = null;
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }

  private body(slot: Slot): Buffer {
    return this.loadedBytes!.subarray(slot.bodyAt, slot.bodyAt + slot.bodyLen);
  }

  private group(name: string): Group {
    let g = this.groups.get(name);
    if (!g) {
      g = { skills: new Map(), decoded: new Map(), obs: new Map(), touched: new Set() };
      this.groups.set(name, g);
    }
    return g;
  }

  /** The stat entries of one skill (of a plugin, or of a target by its key); mutable, `touch` after changing. */
  get(plugin: string, skill: string): StatCache {
    const g = this.group(plugin);
    let c = g.decoded.get(skill);
    if (!c) {
      const slot = g.skills.get(skill);
      c = new Map();
      if (slot) {
        try {
          c = decodeEntries(this.body(slot));
        } catch {
          /* unreadable record: the skill is hashed again */
        }
      }
      g.decoded.set(skill, c);
    }
    return c;
  }

  /** Say that the entries of this skill (or of every skill of this plugin) changed and must be saved. */
  touch(plugin: string, skill?: string): void {
    const g = this.group(plugin);
    if (skill === undefined) g.touched = 'all';
    else if (g.touched !== 'all') g.touched.add(skill);
    this.dirty.add(plugin);
  }

  private obsOf(g: Group, skill: string): [string, string] | null {
    if (g.obs.has(skill)) return g.obs.get(skill)!;
    const at = g.skills.get(skill)?.obsAt ?? -1;
    if (at < 0) return null;
    const b = this.loadedBytes!;
    return [b.toString('hex', at, at + SUM), b.toString('hex', at + SUM, at + 2 * SUM)];
  }

  observationTree(plugin: string, skill: string, commit: string): string | null {
    const o = this.obsOf(this.group(plugin), skill);
    return o && o[0] === commit ? o[1] : null;
  }

  rememberObservation(plugin: string, skill: string, commit: string, tree: string): void {
    const g = this.group(plugin);
    const o = this.obsOf(g, skill);
    if (o && o[0] === commit && o[1] === tree) return;
    g.obs.set(skill, [commit, tree]);
    this.dirty.add(plugin);
  }

  drop(plugin: string, skill?: string): void {
    const g = this.group(plugin);
    if (skill) {
      g.skills = new Map(g.skills); // the slots may be the context's memo: never changed in place
      g.skills.delete(skill);
      g.decoded.set(skill, new Map());
      if (g.touched !== 'all') g.touched.add(skill);
    } else this.groups.set(plugin, { skills: new Map(), decoded: new Map(), obs: new Map(), touched: new Set() });
    this.dirty.add(plugin);
  }

  /** The loaded slots of group `g` when it would encode to the bytes it was loaded from, else null. */
  private unchanged(g: Group): SlotMap | null {
    if (!(g.skills instanceof SlotMap) || g.skills.rawEnd === 0 || g.touched === 'all' || g.touched.size || g.obs.size) return null;
    for (const k of g.decoded.keys()) if (!g.skills.has(k)) return null;
    return g.skills;
  }

  /** The whole index as bytes: decoded skills encoded again, the others copied as loaded. */
  encode(): Buffer {
    const w = new Writer((this.loadedBytes?.length ?? 0) + (1 << 16));
    w.u32(MAGIC);
    w.u32(VERSION);
    const names = [...this.groups.keys()].sort();
    w.u32(names.length);
    for (const name of names) {
      const g = this.groups.get(name)!;
      const raw = this.unchanged(g);
      if (raw) {
        // A plugin this pass did not change (most of them in a watch pass): its bytes as loaded.
        w.bytes(this.loadedBytes!.subarray(raw.rawAt, raw.rawEnd));
        continue;
      }
      const skills = [...new Set([...g.skills.keys(), ...g.decoded.keys(), ...g.obs.keys()])].sort();
      w.str(name);
      w.u32(skills.length);
      for (const skill of skills) {
        w.str(skill);
        const o = this.obsOf(g, skill);
        w.u8(o ? 1 : 0);
        if (o) {
          w.hex(o[0]);
          w.hex(o[1]);
        }
        const c = g.decoded.get(skill);
        const slot = g.skills.get(skill);
        const lenAt = w.len;
        w.u32(0);
        if (slot && (!c || (g.touched !== 'all' && !g.touched.has(skill)))) w.bytes(this.body(slot));
        else if (c) encodeEntries(w, c);
        else w.u32(0);
        w.at(lenAt, w.len - lenAt - 4);
      }
    }
    w.bytes(createHash('sha1').update(w.done()).digest());
    return w.done();
  }

  /** Persist; call only after the objects the entries name are on disk. */
  save(): void {
    if (this.ctx.dryRun || this.dirty.size === 0) return; // dry run: it would remember observations never written
    this.dirty.clear();
    try {
      const buf = this.encode();
      if (this.loadedBytes?.equals(buf)) return;
      const stamp = writeStamped(this.file, buf);
      // What we wrote is what the next pass of this context would read: keep it, parsed.
      this.ctx.statIndex = { stamp, bytes: buf, groups: parseIndex(buf, true) };
      this.loadedBytes = buf;
      for (const [name, skills] of this.ctx.statIndex.groups) this.groups.set(name, { skills, decoded: new Map(), obs: new Map(), touched: new Set() });
      removeOldCaches(this.ctx.paths.statCaches);
    } catch (err) {
      this.ctx.log.debug(`workspace index not saved: ${(err as Error).message}`);
    }
  }
}

/** Write a file atomically (temp + rename); returns the stamp of the file written (taken before the rename, so it is ours). */
export function writeStamped(file: string, buf: Buffer | string): string {
  return fileStamp(writeFileAtomic(file, buf, { stat: true })!);
}

/** The per-plugin JSON caches of earlier versions: replaced by the index. */
function removeOldCaches(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) if (n.endsWith('.json')) rmSync(join(dir, n), { force: true });
}
