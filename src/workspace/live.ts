// The live view: live/skills/<skill> is a symlink to checkouts/<tree-oid>, a read-only
// checkout of that skill's tree. Each link is swapped atomically (new symlink renamed
// over the old, as kubernetes/git-sync does), so a reader never sees a half-written
// skill. Checkouts are named by tree oid and reused, so an update costs what changed.
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { lookupPath, flattenTree } from '../git/tree-editor.js';
import { writeFileAtomic } from '../git/fsutil.js';
import { hashDirectory } from '../git/dir-tree.js';
import type { Ctx } from './context.js';
import { SKILLS_DIR } from './records.js';
import { assertTreeObject } from '../git/tree-check.js';

/** Retired checkouts are kept this long for readers that resolved the old link. */
const RETIRE_GRACE_MS = 60_000;

interface LiveMarker {
  skillsTree: string | null;
  retired: Record<string, number>;
}

function markerPath(ctx: Ctx) {
  return ctx.paths.liveMarker;
}

function readMarker(ctx: Ctx): LiveMarker {
  try {
    const m = JSON.parse(readFileSync(markerPath(ctx), 'utf8'));
    return { skillsTree: m.skillsTree ?? null, retired: m.retired ?? {} };
  } catch {
    return { skillsTree: null, retired: {} };
  }
}

/** Remove a directory tree that was made read-only. */
export function rmReadonly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
    return;
  } catch {
    /* EACCES on read-only dirs: make writable and retry */
  }
  const walk = (p: string) => {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      chmodSync(p, 0o755);
      for (const n of readdirSync(p)) walk(join(p, n));
    }
  };
  walk(path);
  rmSync(path, { recursive: true, force: true });
}

/** Remove a checkout: renamed aside first (atomic), so a kill mid-way never leaves a partial one under its real name. */
function removeCheckout(ctx: Ctx, tree: string): void {
  const dest = join(ctx.paths.checkouts, tree);
  const aside = join(ctx.paths.checkouts, `.tmp-rm-${tree}-${process.pid}-${randomBytes(3).toString('hex')}`);
  try {
    renameSync(dest, aside);
  } catch {
    return;
  }
  rmReadonly(aside);
}

/** A checkout found on disk is reused only if it still is exactly that tree. */
function checkoutIntact(dest: string, tree: string): boolean {
  try {
    return hashDirectory(dest).oid === tree;
  } catch {
    return false;
  }
}

export function ensureCheckout(ctx: Ctx, tree: string, verify = true): string {
  const dest = join(ctx.paths.checkouts, tree);
  if (existsSync(dest)) {
    if (!verify || checkoutIntact(dest, tree)) return dest;
    ctx.log.warn(`checkout ${tree} was incomplete or changed; rebuilding it`);
    removeCheckout(ctx, tree);
  }
  const tmp = join(ctx.paths.checkouts, `.tmp-${tree}-${process.pid}-${randomBytes(3).toString('hex')}`);
  mkdirSync(tmp, { recursive: true });
  const dirs = new Set<string>([tmp]);
  try {
    for (const [path, e] of flattenTree(ctx.store, tree)) {
      const file = join(tmp, path);
      const dir = dirname(file);
      if (!dirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        for (let d = dir; d.length > tmp.length; d = dirname(d)) dirs.add(d);
      }
      writeFileSync(file, ctx.store.readBlob(e.oid), { mode: e.mode === '100755' ? 0o555 : 0o444 });
    }
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) chmodSync(d, 0o555);
    renameSync(tmp, dest);
  } catch (err) {
    rmReadonly(tmp);
    if (existsSync(dest)) return dest; // another process made the same checkout
    throw err;
  }
  return dest;
}

function swapLink(ctx: Ctx, skill: string, tree: string): void {
  const link = join(ctx.paths.liveSkills, skill);
  const target = join('..', '..', 'checkouts', tree);
  try {
    if (readlinkSync(link) === target) return;
  } catch {
    /* missing or not a link */
  }
  const tmp = join(ctx.paths.liveSkills, `.tmp-${skill}-${process.pid}-${randomBytes(3).toString('hex')}`);
  symlinkSync(target, tmp);
  try {
    renameSync(tmp, link);
  } catch (err) {
    // Something that is not a symlink sits there (a directory someone made): replace it.
    if (['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) {
      rmReadonly(link);
      renameSync(tmp, link);
    } else {
      rmSync(tmp, { force: true });
      throw err;
    }
  }
}

function linkTarget(ctx: Ctx, skill: string): string | null {
  try {
    const t = readlinkSync(join(ctx.paths.liveSkills, skill));
    return t.split('/').pop() ?? null;
  } catch {
    return null;
  }
}

/** Bring live/skills in line with the skills of root tree `rootTree`; cost grows with what changed. */
export function updateLive(ctx: Ctx, rootTree: string): void {
  mkdirSync(ctx.paths.liveSkills, { recursive: true });
  mkdirSync(ctx.paths.checkouts, { recursive: true });
  const skillsEntry = lookupPath(ctx.store, rootTree, SKILLS_DIR);
  const skillsTree = skillsEntry?.mode === '40000' ? skillsEntry.oid : null;
  const marker = readMarker(ctx);
  if (marker.skillsTree === skillsTree && existsSync(ctx.paths.liveSkills)) return;

  const now = Date.now();
  const want = new Map<string, string>();
  if (skillsTree) assertTreeObject(ctx.store, skillsTree, 'skill', SKILLS_DIR); // skill names become link names
  if (skillsTree) for (const e of ctx.store.readTree(skillsTree)) if (e.mode === '40000') want.set(e.name, e.oid);
  const before = new Map<string, string>();
  if (marker.skillsTree) {
    for (const e of ctx.store.readTree(marker.skillsTree)) if (e.mode === '40000') before.set(e.name, e.oid);
  } else {
    for (const n of readdirSync(ctx.paths.liveSkills)) {
      if (n.startsWith('.tmp-')) rmSync(join(ctx.paths.liveSkills, n), { force: true });
      else before.set(n, linkTarget(ctx, n) ?? '');
    }
  }
  for (const [skill, tree] of want) {
    if (before.get(skill) === tree && marker.skillsTree) continue;
    ensureCheckout(ctx, tree);
    swapLink(ctx, skill, tree);
    const old = before.get(skill);
    if (old && old !== tree) marker.retired[old] = now;
  }
  for (const [skill, old] of before) {
    if (want.has(skill)) continue;
    rmSync(join(ctx.paths.liveSkills, skill), { force: true, recursive: false });
    if (old) marker.retired[old] = now;
  }
  // Drop retired checkouts after a grace period, unless a link uses them again.
  const inUse = new Set(want.values());
  for (const [tree, at] of Object.entries(marker.retired)) {
    if (inUse.has(tree)) {
      delete marker.retired[tree];
    } else if (now - at > RETIRE_GRACE_MS) {
      removeCheckout(ctx, tree);
      delete marker.retired[tree];
    }
  }
  writeFileAtomic(markerPath(ctx), JSON.stringify({ skillsTree, retired: marker.retired }));
}

/** True when live/skills/<skill> resolves to a complete checkout of `tree`. */
export function liveMatches(ctx: Ctx, skill: string, tree: string): boolean {
  return linkTarget(ctx, skill) === tree && statSync(join(ctx.paths.liveSkills, skill)).isDirectory();
}
