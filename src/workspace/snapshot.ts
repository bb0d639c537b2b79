// Upstream snapshots: the git tree of a skill folder as the source holds it now,
// with every object stored in the workspace repository.
import { join } from 'node:path';
import { RACY_WINDOW_MS, hashDirectory, unchangedSince } from '../git/dir-tree.js';
import { readFileSync, type Stats } from 'node:fs';
import { hashObject } from '../git/hash.js';
import type { ObjectStore } from '../git/objects.js';
import { SkillsyncError } from '../core/errors.js';
import type { PluginManifest, SkillDecl } from '../plugins/types.js';
import type { GitSourceTree } from '../plugins/git-source.js';
import type { Ctx } from './context.js';
import { assertTreeDeep } from '../git/tree-check.js';
import type { StatCaches } from './stat-cache.js';

const ATTEMPTS = 3;
/** A file younger than this may still be being written. */
const SETTLE_MS = 100;

function changing(plugin: PluginManifest, skill: SkillDecl): SkillsyncError {
  return new SkillsyncError('ESOURCE_CHANGING', `${plugin.id}/${skill.name} kept changing while it was read; it will be read again on the next pass`, { plugin: plugin.id, skill: skill.name }, 'retry');
}

/** Copy a tree and everything under it from one repository's objects into another's. */
export function copyTree(src: ObjectStore, dst: ObjectStore, tree: string, path = ''): void {
  if (dst.has(tree)) return; // children are always stored before their parent tree
  for (const e of src.readTree(tree)) {
    const p = path ? `${path}/${e.name}` : e.name;
    if (e.mode === '40000') copyTree(src, dst, e.oid, p);
    else if (e.mode === '120000') throw new SkillsyncError('ESYMLINK', `symlink in skill: ${p} (symlinks are not followed; replace it with the file it points to)`, { path: p });
    else if (e.mode === '160000') throw new SkillsyncError('ESUBMODULE', `submodule in skill: ${p} (submodules cannot be mirrored)`, { path: p });
    else if (!dst.has(e.oid)) dst.write('blob', src.readBlob(e.oid));
  }
  dst.write('tree', src.read(tree).body);
}

/**
 * Files modified within the racy window may have been rewritten within one timestamp
 * tick while we read them (a torn read that stat cannot reveal): read them once more
 * and require the same content, as git treats racily clean index entries.
 */
function recentFilesStable(dir: string, seen: Map<string, Stats>, oids: Map<string, string>): boolean {
  const recent = Date.now() - RACY_WINDOW_MS;
  for (const [rel, st] of seen) {
    if (st.mtimeMs < recent) continue;
    let now: Buffer;
    try {
      now = readFileSync(join(dir, rel));
    } catch {
      return false;
    }
    if (hashObject('blob', now) !== oids.get(rel)) return false;
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
 * proposal is never built from a half-saved edit.
 */
export function snapshotSkill(ctx: Ctx, plugin: PluginManifest, skill: SkillDecl, caches: StatCaches, previous: string | null): Snapshot {
  try {
    return snapshotIn(ctx, plugin, skill, caches, previous);
  } catch (err) {
    // Name the plugin and skill: a plugin may hold hundreds of skills.
    if (err instanceof SkillsyncError && !err.message.startsWith(`${plugin.id}/${skill.name}`)) {
      throw new SkillsyncError(err.code, `${plugin.id}/${skill.name}: ${err.message}`, { ...err.data, plugin: plugin.id, skill: skill.name }, err.kind);
    }
    throw err;
  }
}

function snapshotIn(ctx: Ctx, plugin: PluginManifest, skill: SkillDecl, caches: StatCaches, previous: string | null): Snapshot {
  const source = plugin.source;
  if (source.kind === 'git') {
    const gs = source as GitSourceTree;
    const e = gs.entry(skill.path);
    if (!e || e.mode !== '40000') {
      throw new SkillsyncError('ESOURCE_GONE', `skill folder ${skill.path} is missing in ${gs.display}`, { path: skill.path }, 'retry');
    }
    assertTreeDeep(gs.store, e.oid, 'skill', '', `${gs.display}:${skill.path}`);
    copyTree(gs.store, ctx.store, e.oid);
    return { tree: e.oid, files: -1 };
  }
  const dir = join(source.root, skill.path);
  // First look without storing anything: a no-op pass must not write objects.
  const cache = caches.get(plugin.id, skill.name);
  const probe = new Map(cache);
  const quick = hashDirectory(dir, { cache: probe });
  if (quick.oid === previous) {
    let changed = probe.size !== cache.size;
    for (const [k, v] of probe) {
      if (cache.get(k) !== v) {
        cache.set(k, v);
        changed = true;
      }
    }
    for (const k of cache.keys()) if (!probe.has(k)) cache.delete(k);
    if (changed) caches.touch(plugin.id);
    return { tree: quick.oid, files: quick.files };
  }
  caches.touch(plugin.id);
  for (let attempt = 1; ; attempt++) {
    const cache = caches.get(plugin.id, skill.name);
    const reused: string[] = [];
    const oids = new Map<string, string>();
    let res;
    try {
      res = hashDirectory(dir, {
        store: ctx.store,
        cache,
        onFile: (p, _m, oid, content) => {
          oids.set(p, oid);
          if (content === null) reused.push(oid);
        },
      });
    } catch (err) {
      // A file changed under us: read again, a few times, before giving up for this pass.
      if (err instanceof SkillsyncError && err.code === 'ESOURCE_CHANGING' && attempt < ATTEMPTS) continue;
      throw err;
    }
    if (res.oid === previous) return { tree: res.oid, files: res.files };
    // A new tree will be committed: every blob the cache vouched for must really be stored.
    if (reused.some((oid) => !ctx.store.has(oid))) {
      ctx.log.warn(`stat cache of ${plugin.id}/${skill.name} named missing objects; rereading the folder`);
      caches.drop(plugin.id, skill.name);
      continue;
    }
    // A file modified in the last moments may still be in the middle of a write (a
    // writer descheduled inside write() leaves a partial file that every stat agrees
    // with): let it settle, then look again.
    const newest = Math.max(0, ...[...res.seen.values()].map((st) => st.mtimeMs));
    const age = Date.now() - newest;
    if (age < SETTLE_MS) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS - age);
      if (!unchangedSince(dir, res.seen) || !recentFilesStable(dir, res.seen, oids)) {
        if (attempt >= ATTEMPTS) throw changing(plugin, skill);
        continue;
      }
    }
    if (unchangedSince(dir, res.seen) && recentFilesStable(dir, res.seen, oids)) return { tree: res.oid, files: res.files };
    if (attempt >= ATTEMPTS) throw changing(plugin, skill);
  }
}
