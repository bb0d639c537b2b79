// Refs with git's own locking protocol, so skillsync and the git CLI can write the
// same repository: `<ref>.lock` is created exclusively, the old value is checked
// (compare-and-swap), the new value is written to the lock and renamed over the ref.
// isomorphic-git writes refs in place with no cross-process lock; not used here.
// A name that would clash with an existing ref as file and folder (`a` and `a/b`,
// loose or packed) is refused before anything is written, as git refuses it.
import { unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SkillsyncError } from '../core/errors.js';
import { isOid } from './hash.js';
import { LockFile, withLockFile, type LockOptions } from './lockfile.js';
import { listLoose, looseKind, pruneEmptyDirs, readLoose, refPath } from './loose-refs.js';
import { packedPath, packedWithPrefix, readPacked, writePacked, type PackedSnapshot } from './packed-refs.js';

export type { RefLogger } from './lockfile.js';

function casMismatch(name: string, expected: string | null, actual: string | null): SkillsyncError {
  return new SkillsyncError(
    'EREF_CHANGED',
    `ref ${name} changed while we worked (expected ${expected ?? 'none'}, found ${actual ?? 'none'}); run the command again`,
    { name, expected, actual },
  );
}

/** The refs of one repository; keeps the parsed packed-refs while the file is unchanged. */
export class Refs {
  private snap: PackedSnapshot | null = null;

  constructor(
    readonly gitdir: string,
    readonly opts: LockOptions = {},
  ) {}

  /** Set while `checking` runs: one look at packed-refs and at each loose path for many checks. */
  private pinned: { snap: PackedSnapshot; kinds: Map<string, 'file' | 'dir' | null> } | null = null;

  packed(): PackedSnapshot {
    return this.pinned?.snap ?? (this.snap = readPacked(this.gitdir, this.snap));
  }

  /**
   * Run clash checks for many refs against one look at the refs (packed-refs read once,
   * each loose path stat'ed once: enabling 10,000 skills asked ~100,000 times). Only
   * for checks made before refs are written: a ref another process creates meanwhile
   * still fails that write, under its lock.
   */
  checking<T>(fn: () => T): T {
    if (this.pinned) return fn();
    this.pinned = { snap: readPacked(this.gitdir, this.snap), kinds: new Map() };
    try {
      return fn();
    } finally {
      this.pinned = null;
    }
  }

  private kind(name: string): 'file' | 'dir' | null {
    const kinds = this.pinned?.kinds;
    if (!kinds) return looseKind(this.gitdir, name);
    let k = kinds.get(name);
    if (k === undefined) kinds.set(name, (k = looseKind(this.gitdir, name)));
    return k;
  }

  /** The oid a ref points at (following symbolic refs), or null when it does not exist. */
  read(name: string): string | null {
    for (let depth = 0; depth < 5; depth++) {
      const v = readLoose(refPath(this.gitdir, name)) ?? this.packed().refs.get(name) ?? null;
      if (v === null) return null;
      if (v.startsWith('ref: ')) {
        name = v.slice(5).trim();
        continue;
      }
      if (!isOid(v)) throw new SkillsyncError('ECORRUPT', `ref ${name} does not hold an object id`, { name, value: String(v).slice(0, 60) });
      return v;
    }
    throw new SkillsyncError('ECORRUPT', `symbolic ref loop at ${name}`, { name });
  }

  /** All refs under a prefix, loose overriding packed. */
  list(prefix: string): Map<string, string> {
    const out = new Map<string, string>();
    const snap = this.packed();
    for (const n of packedWithPrefix(snap, prefix)) out.set(n, snap.refs.get(n)!);
    return listLoose(this.gitdir, prefix, out);
  }

  /** An existing ref that makes `name` impossible to create (file/folder clash), or null. */
  conflict(name: string): string | null {
    const parts = name.split('/');
    const snap = this.packed();
    for (let i = 2; i < parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      if (snap.refs.has(p) || this.kind(p) === 'file') return p;
    }
    const under = packedWithPrefix(snap, name + '/')[0];
    if (under) return under;
    if (this.kind(name) === 'dir') {
      const loose = listLoose(this.gitdir, name + '/');
      if (loose.size) return [...loose.keys()][0];
    }
    return null;
  }

  /** Throw EREF_CONFLICT when creating `name` would clash with an existing ref. */
  assertCreatable(name: string): void {
    const long = name.split('/').find((p) => Buffer.byteLength(p) + '.lock'.length > 255);
    if (long !== undefined) {
      throw new SkillsyncError('EREF_NAME', `cannot create ref ${name}: its part ${JSON.stringify(long.slice(0, 40))}... is ${Buffer.byteLength(long)} bytes, too long for a file name with its .lock; use a shorter name`, { name });
    }
    const other = this.conflict(name);
    if (other) {
      throw new SkillsyncError(
        'EREF_CONFLICT',
        `cannot create ref ${name}: ref ${other} exists and git cannot hold both; delete or rename ${other} with git (git update-ref -d ${other}), then run the command again`,
        { name, other },
      );
    }
  }

  /** Point `name` at `oid`. expected: its value now (null = must not exist, undefined = no check). */
  update(name: string, oid: string, expected?: string | null): void {
    if (!isOid(oid)) throw new SkillsyncError('EREF_VALUE', `not an object id: ${oid}`, { oid });
    const path = refPath(this.gitdir, name);
    if (this.read(name) === null) this.assertCreatable(name);
    withLockFile(path, `ref ${name}`, this.opts, (lock) => {
      const current = this.read(name);
      if (expected !== undefined && current !== expected) throw casMismatch(name, expected, current);
      lock.write(`${oid}\n`);
      lock.commit();
    });
  }

  /** Delete a ref (loose and packed). Returns false when it did not exist. */
  delete(name: string, expected?: string | null): boolean {
    const path = refPath(this.gitdir, name);
    return withLockFile(path, `ref ${name}`, this.opts, () => {
      const current = this.read(name);
      if (expected !== undefined && current !== expected) throw casMismatch(name, expected, current);
      if (current === null) return false;
      if (this.packed().refs.has(name)) this.rewritePacked((refs) => refs.delete(name));
      try {
        unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      pruneEmptyDirs(this.gitdir, dirname(path));
      return true;
    });
  }

  /** Rewrite packed-refs under its lock; edit returns false to write nothing. */
  private rewritePacked(edit: (refs: Map<string, string>) => boolean | void): void {
    withLockFile(packedPath(this.gitdir), 'packed-refs', this.opts, (lock) => {
      // Read under the lock, never a pinned look: what is written must keep every ref there is now.
      const refs = new Map((this.snap = readPacked(this.gitdir, this.snap)).refs);
      if (edit(refs) === false) return;
      writePacked(lock, refs);
      this.snap = null;
    });
  }

  /**
   * Move loose refs under the prefixes into packed-refs (`git pack-refs`), so a pass
   * reads one file. Each loose ref is removed under its own lock, only if unchanged.
   */
  pack(prefixes: string[]): number {
    const loose = new Map<string, string>();
    this.rewritePacked((refs) => {
      for (const prefix of prefixes) for (const [name, oid] of listLoose(this.gitdir, prefix)) loose.set(name, oid);
      if (loose.size === 0) return false;
      for (const [name, oid] of loose) refs.set(name, oid);
    });
    for (const [name, oid] of loose) {
      let lock: LockFile;
      try {
        lock = LockFile.acquire(join(this.gitdir, name), `ref ${name}`, this.opts);
      } catch {
        continue; // busy: it stays loose, which is fine
      }
      try {
        if (readLoose(join(this.gitdir, name)) === oid) unlinkSync(join(this.gitdir, name));
        pruneEmptyDirs(this.gitdir, dirname(join(this.gitdir, name)));
      } finally {
        lock.rollback();
      }
    }
    return loose.size;
  }

  /**
   * Create many refs at once in packed-refs, as `git clone` does. Each name must not
   * exist yet or clash with a ref; otherwise nothing is written.
   */
  createPacked(refs: Map<string, string>): void {
    this.rewritePacked((packed) => {
      // Pinned here, under the packed-refs lock: the look the checks share is the file being rewritten.
      this.checking(() => {
        for (const [name, oid] of refs) {
          if (!isOid(oid)) throw new SkillsyncError('EREF_VALUE', `not an object id: ${oid}`, { oid });
          const path = refPath(this.gitdir, name);
          if (packed.has(name) || looseKind(this.gitdir, name) || looseKind(this.gitdir, name + '.lock')) {
            throw casMismatch(name, null, packed.get(name) ?? readLoose(path));
          }
          this.assertCreatable(name);
        }
      });
      for (const [name, oid] of refs) packed.set(name, oid);
    });
  }
}

/** Every ref these ops would create can be created: no file/folder clash (checked before a commit point). */
export function assertRefsCreatable(refs: Refs, ops: { name: string; oid: string | null }[]): void {
  refs.checking(() => {
    for (const op of ops) if (op.oid !== null && refs.read(op.name) === null) refs.assertCreatable(op.name);
  });
}

export type RefsLike = string | Refs;
const refsOf = (r: RefsLike): Refs => (typeof r === 'string' ? new Refs(r) : r);

export const readRef = (r: RefsLike, name: string) => refsOf(r).read(name);
export const listRefs = (r: RefsLike, prefix: string) => refsOf(r).list(prefix);
export const updateRef = (r: RefsLike, name: string, oid: string, expected?: string | null) => refsOf(r).update(name, oid, expected);
export const deleteRef = (r: RefsLike, name: string, expected?: string | null) => refsOf(r).delete(name, expected);
export const packRefs = (r: RefsLike, prefixes: string[]) => refsOf(r).pack(prefixes);
export const createPackedRefs = (r: RefsLike, refs: Map<string, string>) => refsOf(r).createPacked(refs);
