// Upstream snapshots: the git tree of a skill folder as the source holds it now,
// with every object stored in the workspace repository. The checks that discovery
// made on its own read (front matter) are made again on the stored blobs: the bytes
// checked are the bytes published.
import { SkillsyncError } from '../core/errors.js';
import { FRONTMATTER_DEFAULTS, parseFrontmatter, refusesSkill } from '../core/frontmatter.js';
import { MAX_SKILL_PATH_BYTES, NAME_MAX, displayName } from '../core/names.js';
import { RACY_WINDOW_MS } from '../git/dir-tree.js';
import type { ObjectStore } from '../git/objects.js';
import type { PluginManifest, SkillDecl } from '../plugins/types.js';
import type { GitSourceTree } from '../plugins/git-source.js';
import { closeDir, sourceError, type DirHandle } from '../plugins/fs-at.js';
import type { Ctx } from './context.js';
import { assertTreeDeep } from '../git/tree-check.js';
import type { StatCaches } from './stat-cache.js';
import { openSkillFolder, readSkillTree, rehash, unchangedSince, type ReadResult, type SkillParents } from './snapshot-read.js';

const ATTEMPTS = 3;
/**
 * A file written less than this long ago may still be in the middle of a write (a
 * writer that pauses between two write() calls leaves a partial file every stat
 * agrees with): the snapshot waits until its files are this old, then checks again.
 */
export const SETTLE_MS = 500;
/** How much of SKILL.md discovery reads for its front matter; the same prefix is checked here. */
const SKILL_MD_CHECK_BYTES = FRONTMATTER_DEFAULTS.maxBytes + 4096;

function changing(plugin: PluginManifest, skill: SkillDecl): SkillsyncError {
  return new SkillsyncError('ESOURCE_CHANGING', `${plugin.id}/${skill.name} kept changing while it was read; it will be read again on the next pass`, { plugin: plugin.id, skill: skill.name }, 'retry');
}

function corrupt(display: string, err: unknown): SkillsyncError {
  if (err instanceof SkillsyncError && err.code === 'ESOURCE_CORRUPT') return err; // the source's store named it already
  const why = err instanceof Error ? err.message.replace(/;[^;]*fsck[^;]*$/, '') : String(err);
  return new SkillsyncError('ESOURCE_CORRUPT', `the git source ${display} is damaged (${why}); repair that repository or clone it again (git fsck in it shows what is wrong); the workspace is fine`, { source: display }, 'stall');
}

/** Copy a tree and everything under it from a source repository's objects into the workspace's. */
export function copyTree(src: ObjectStore, dst: ObjectStore, tree: string, path = '', display = src.gitdir): void {
  if (dst.has(tree)) return; // children are always stored before their parent tree
  let entries;
  try {
    entries = src.readTree(tree);
  } catch (err) {
    throw corrupt(display, err);
  }
  for (const e of entries) {
    const p = path ? `${path}/${e.name}` : e.name;
    if (Buffer.byteLength(e.name) > NAME_MAX || Buffer.byteLength(p) > MAX_SKILL_PATH_BYTES) {
      throw new SkillsyncError('EPATH_TOO_LONG', `path too long in skill: ${displayName(p)} (names are at most ${NAME_MAX} bytes, paths ${MAX_SKILL_PATH_BYTES})`, { path: p });
    }
    if (e.mode === '40000') copyTree(src, dst, e.oid, p, display);
    else if (e.mode === '120000') throw new SkillsyncError('ESYMLINK', `symlink in skill: ${p} (symlinks are not followed; replace it with the file it points to)`, { path: p });
    else if (e.mode === '160000') throw new SkillsyncError('ESUBMODULE', `submodule in skill: ${p} (submodules cannot be mirrored)`, { path: p });
    else if (!dst.has(e.oid)) {
      let body: Buffer;
      try {
        body = src.readBlob(e.oid);
      } catch (err) {
        throw corrupt(display, err);
      }
      dst.write('blob', body);
    }
  }
  let body: Buffer;
  try {
    body = src.read(tree).body;
  } catch (err) {
    throw corrupt(display, err);
  }
  dst.write('tree', body);
}

/** The stored SKILL.md must pass what discovery checked on its own read: no code-bearing front matter. */
function checkStoredSkillMd(store: ObjectStore, tree: string): void {
  const md = store.readTree(tree).find((e) => e.name === 'SKILL.md');
  if (!md || (md.mode !== '100644' && md.mode !== '100755')) {
    throw new SkillsyncError('ESOURCE_CHANGING', 'SKILL.md is missing or not a regular file in what was read; it will be read again on the next pass', { path: 'SKILL.md' }, 'retry');
  }
  const fm = parseFrontmatter(store.readBlob(md.oid).subarray(0, SKILL_MD_CHECK_BYTES));
  if (refusesSkill(fm)) throw new SkillsyncError(fm.code, `SKILL.md: ${fm.error}`, { path: 'SKILL.md' });
}

/**
 * Files modified within the racy window may have been rewritten within one timestamp
 * tick while we read them (a torn read that stat cannot reveal): read them once more
 * and require the same content, as git treats racily clean index entries.
 */
function recentFilesStable(top: DirHandle, res: ReadResult): boolean {
  const recent = Date.now() - RACY_WINDOW_MS;
  for (const [rel, st] of res.seen) {
    if (Math.max(st.mtimeMs, st.ctimeMs) < recent) continue;
    if (rehash(top, rel) !== res.oids.get(rel)) return false;
  }
  return true;
}

export interface Snapshot {
  tree: string;
  files: number;
}

/**
 * Snapshot one skill. `previous` is the last observed tree: when the result differs,
 * the folder is re-checked after hashing and hashed again if anything moved, so a
 * proposal is never built from a half-saved edit. `parents`: the plugin's skill
 * parents held open for all its skills (see SkillParents).
 */
export function snapshotSkill(ctx: Ctx, plugin: PluginManifest, skill: SkillDecl, caches: StatCaches, previous: string | null, parents?: SkillParents): Snapshot {
  try {
    const snap = snapshotIn(ctx, plugin, skill, caches, previous, parents);
    if (snap.tree !== previous) checkStoredSkillMd(ctx.store, snap.tree);
    return snap;
  } catch (err) {
    // Name the plugin and skill: a plugin may hold hundreds of skills.
    const e = err instanceof SkillsyncError ? err : sourceError(err, skill.path);
    if (!e.message.startsWith(`${plugin.id}/${skill.name}`)) {
      throw new SkillsyncError(e.code, `${plugin.id}/${skill.name}: ${e.message}`, { ...e.data, plugin: plugin.id, skill: skill.name }, e.kind);
    }
    throw e;
  }
}

function snapshotIn(ctx: Ctx, plugin: PluginManifest, skill: SkillDecl, caches: StatCaches, previous: string | null, parents?: SkillParents): Snapshot {
  const source = plugin.source;
  if (source.kind === 'git') {
    const gs = source as GitSourceTree;
    let e;
    try {
      e = gs.entry(skill.path);
    } catch (err) {
      throw err instanceof SkillsyncError && (err.code === 'EPATH_ESCAPE' || err.code === 'EPATH_INVALID') ? err : corrupt(gs.display, err);
    }
    if (!e || e.mode !== '40000') {
      throw new SkillsyncError('ESOURCE_GONE', `skill folder ${skill.path} is missing in ${gs.display}`, { path: skill.path }, 'retry');
    }
    try {
      assertTreeDeep(gs.store, e.oid, 'skill', '', `${gs.display}:${skill.path}`);
    } catch (err) {
      throw err instanceof SkillsyncError ? err : corrupt(gs.display, err);
    }
    copyTree(gs.store, ctx.store, e.oid, '', gs.display);
    return { tree: e.oid, files: -1 };
  }
  const top = parents ? parents.open(source.root, skill.path) : openSkillFolder(source.root, skill.path, caches.realRoots);
  try {
    return snapshotFolder(ctx, plugin, skill, caches, previous, top);
  } finally {
    closeDir(top);
  }
}

function snapshotFolder(ctx: Ctx, plugin: PluginManifest, skill: SkillDecl, caches: StatCaches, previous: string | null, top: DirHandle): Snapshot {
  // First look without storing anything: a no-op pass must not write objects.
  const cache = caches.get(plugin.id, skill.name);
  // Never observed (a first mirror): the tree is new whatever it is, so the look
  // without storing would only read and hash every file twice.
  const probe = previous === null ? null : new Map(cache);
  const quick = probe ? readSkillTree(top, { cache: probe }) : null;
  if (probe && quick && quick.oid === previous) {
    let changed = probe.size !== cache.size;
    for (const [k, v] of probe) {
      if (cache.get(k) !== v) {
        cache.set(k, v);
        changed = true;
      }
    }
    for (const k of cache.keys()) if (!probe.has(k)) cache.delete(k);
    if (changed) caches.touch(plugin.id, skill.name);
    return { tree: quick.oid, files: quick.files };
  }
  caches.touch(plugin.id, skill.name);
  for (let attempt = 1; ; attempt++) {
    const cache = caches.get(plugin.id, skill.name);
    let res: ReadResult;
    try {
      res = readSkillTree(top, { store: ctx.store, cache });
    } catch (err) {
      // A file changed under us: read again, a few times, before giving up for this pass.
      if (err instanceof SkillsyncError && err.code === 'ESOURCE_CHANGING' && attempt < ATTEMPTS) continue;
      throw err;
    }
    if (res.oid === previous) return { tree: res.oid, files: res.files };
    // A new tree will be committed: every blob the cache vouched for must really be stored.
    if ([...res.reused].some((oid) => !ctx.store.has(oid))) {
      ctx.log.warn(`stat cache of ${plugin.id}/${skill.name} named missing objects; rereading the folder`);
      caches.drop(plugin.id, skill.name);
      continue;
    }
    // Let files written in the last moments settle, then require that nothing moved.
    const newest = Math.max(0, ...[...res.seen.values()].map((st) => Math.max(st.mtimeMs, st.ctimeMs)));
    const age = Date.now() - newest;
    if (age < SETTLE_MS) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(SETTLE_MS, SETTLE_MS - age));
    if (unchangedSince(top, res.seen) && recentFilesStable(top, res)) {
      for (const p of res.hardlinks) {
        ctx.log.warn(`${plugin.id}/${skill.name}: ${displayName(p)} has several hard links and may be the same file as one outside the source; mirrored as it is now`, { plugin: plugin.id, skill: skill.name, path: p });
      }
      return { tree: res.oid, files: res.files };
    }
    if (attempt >= ATTEMPTS) throw changing(plugin, skill);
  }
}
