// The live view: live/skills/<skill> is a symlink to checkouts/<tree-oid>, a read-only
// checkout of that skill's tree. Each link is swapped atomically (new symlink renamed
// over the old, as kubernetes/git-sync does), so a reader never sees a half-written
// skill. Checkouts are named by tree oid and reused, so an update costs what changed.
import { chmodSync, closeSync, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { lookupPath, flattenTree } from '../git/tree-editor.js';
import { hashDirectory } from '../git/dir-tree.js';
import type { Ctx } from './context.js';
import { SKILLS_DIR } from './records.js';
import { assertTreeObject } from '../git/tree-check.js';
import { displayName } from '../core/names.js';
import { checkoutChanges, makeReadOnly, sealByNames, sealOf, shapeKey } from './live-seal.js';
import { fileStamp, writeStamped } from './stat-cache.js';

/** Retired checkouts are kept this long for readers that resolved the old link. */
const RETIRE_GRACE_MS = 60_000;

interface LiveMarker {
  skillsTree: string | null;
  retired: Record<string, number>;
  /** Seal of every checkout in use (entries:digest:shape), taken when it was made or verified. */
  seals: Record<string, string>;
  /** The paths a seal walks, by shape key: checkouts with the same names share one list. */
  shapes: Record<string, string[]>;
  /** Where the next pass resumes verifying seals when there are more than one pass checks. */
  cursor: string;
  /** live/skills as the last update left it (inode, mtime, ctime): a watch pass that finds it so need not list it. */
  dir?: string;
}

/** The marker as this context last read or wrote it, and the file it was (see readMarker). */
export interface LiveMemo {
  stamp: string;
  marker: LiveMarker;
}

/** A folder stamp younger than this may share its timestamp tick with a later change (git's racy rule). */
const RACY_DIR_MS = 1000;

/** `live/skills`' identity, or '' when it cannot vouch for its entries (missing, or changed too recently). */
function dirStamp(path: string): string {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st || Math.max(st.mtimeMs, st.ctimeMs) > Date.now() - RACY_DIR_MS) return '';
  return `${st.ino}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** What a daemon watch pass verifies: the checkouts of these skills, and `entries` more round robin. */
export interface LiveScope {
  skills: ReadonlySet<string>;
  entries: number;
}

function markerPath(ctx: Ctx) {
  return ctx.paths.liveMarker;
}

/**
 * The marker and the stamp of the file it came from. A daemon's context keeps the
 * marker it last read or wrote (ctx.liveMemo) and reuses it while the file is that
 * one: no 1 MB JSON parse per pass at 10,000 skills. The memo is taken while the
 * update runs, so a failed update leaves none.
 */
function readMarker(ctx: Ctx): { marker: LiveMarker; stamp: string | null } {
  const memo = ctx.liveMemo;
  ctx.liveMemo = undefined;
  let fd: number | null = null;
  try {
    fd = openSync(markerPath(ctx), 'r');
    const stamp = fileStamp(fstatSync(fd));
    if (memo && memo.stamp === stamp) return { marker: memo.marker, stamp };
    const m = JSON.parse(readFileSync(fd, 'utf8'));
    const marker = { skillsTree: m.skillsTree ?? null, retired: m.retired ?? {}, seals: m.seals ?? {}, shapes: m.shapes ?? {}, cursor: typeof m.cursor === 'string' ? m.cursor : '', dir: typeof m.dir === 'string' ? m.dir : undefined };
    return { marker, stamp };
  } catch {
    return { marker: { skillsTree: null, retired: {}, seals: {}, shapes: {}, cursor: '' }, stamp: null };
  } finally {
    if (fd !== null) closeSync(fd);
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
  const target = checkoutLink(tree);
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

/** What live/skills/<skill> must point at for tree `tree`. */
function checkoutLink(tree: string): string {
  return join('..', '..', 'checkouts', tree);
}

function readLink(ctx: Ctx, skill: string): string | null {
  try {
    return readlinkSync(join(ctx.paths.liveSkills, skill));
  } catch {
    return null;
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

/** Checkout entries verified against their seals per pass at most; the rest wait for the next passes. */
const VERIFY_BUDGET = 50_000;

/** Bring live/skills in line with the skills of root tree `rootTree`; cost grows with what changed. */
export function updateLive(ctx: Ctx, rootTree: string): void {
  mkdirSync(ctx.paths.liveSkills, { recursive: true });
  mkdirSync(ctx.paths.checkouts, { recursive: true });
  const skillsEntry = lookupPath(ctx.store, rootTree, SKILLS_DIR);
  const skillsTree = skillsEntry?.mode === '40000' ? skillsEntry.oid : null;
  const { marker, stamp } = readMarker(ctx);
  const scope = ctx.liveScope;
  const unchanged = marker.skillsTree === skillsTree;
  let dirty = !unchanged;

  const now = Date.now();
  const want = new Map<string, string>();
  if (skillsTree) assertTreeObject(ctx.store, skillsTree, 'skill', SKILLS_DIR); // skill names become link names
  if (skillsTree) for (const e of ctx.store.readTree(skillsTree)) if (e.mode === '40000') want.set(e.name, e.oid);
  const before = new Map<string, string>();
  if (marker.skillsTree) {
    for (const e of ctx.store.readTree(marker.skillsTree)) if (e.mode === '40000') before.set(e.name, e.oid);
  }
  // What is really in live/skills: the marker says what was made, not what is there now.
  // A watch pass that finds the folder as the last update left it (a link can only be
  // deleted, added or replaced by changing the folder, which moves its mtime and ctime)
  // knows its entries and links without listing or reading them.
  // The stamp is taken before the folder is read: a change after it moves the stamp, so
  // the next pass reads the folder again; one this update makes stores no stamp at all.
  const atStart = dirStamp(ctx.paths.liveSkills);
  const asLeft = scope !== undefined && marker.skillsTree !== null && atStart !== '' && marker.dir === atStart;
  let touched = false;
  const present = new Set<string>();
  if (asLeft) {
    for (const n of before.keys()) present.add(n);
  } else {
    for (const n of readdirSync(ctx.paths.liveSkills)) {
      if (n.startsWith('.tmp-')) {
        rmSync(join(ctx.paths.liveSkills, n), { force: true });
        touched = true;
      } else present.add(n);
    }
  }
  if (!marker.skillsTree) for (const n of present) before.set(n, linkTarget(ctx, n) ?? '');
  // Checkouts someone edited are rebuilt from git before any link points at them again.
  const verified = new Set<string>();
  if (verifySeals(ctx, marker, want, verified, scope)) dirty = true;
  for (const [skill, tree] of want) {
    const old = before.get(skill);
    if (old && old !== tree) marker.retired[old] = now;
    const fresh = !marker.seals[tree];
    if (fresh || (!scope && !verified.has(tree) && !existsSync(join(ctx.paths.checkouts, tree)))) {
      ensureCheckout(ctx, tree);
      marker.seals[tree] = sealString(ctx, marker, tree);
      dirty = true;
    }
    if (asLeft && old === tree) continue; // the link is the one the last update checked
    const target = readLink(ctx, skill);
    if (target === checkoutLink(tree)) continue;
    if (old === tree && marker.skillsTree !== null) {
      ctx.log.warn(`live view: live/skills/${skill} ${target === null ? 'was missing' : `pointed at ${displayName(target)}`}; restored`, { skill });
    }
    swapLink(ctx, skill, tree);
    touched = true;
  }
  for (const [skill, old] of before) {
    if (want.has(skill)) continue;
    rmSync(join(ctx.paths.liveSkills, skill), { force: true, recursive: false });
    touched = true;
    if (old) marker.retired[old] = now;
  }
  for (const n of present) {
    if (want.has(n) || before.has(n)) continue;
    ctx.log.warn(`live view: live/skills/${displayName(n)} is not a published skill; removed`, { entry: n });
    rmReadonly(join(ctx.paths.liveSkills, n));
    touched = true;
  }
  // Drop retired checkouts after a grace period, unless a link uses them again.
  const inUse = new Set(want.values());
  for (const [tree, at] of Object.entries(marker.retired)) {
    if (inUse.has(tree)) {
      delete marker.retired[tree];
      dirty = true;
    } else if (now - at > RETIRE_GRACE_MS) {
      removeCheckout(ctx, tree);
      delete marker.retired[tree];
      delete marker.seals[tree];
      dirty = true;
    }
  }
  for (const tree of Object.keys(marker.seals)) {
    if (!inUse.has(tree) && !(tree in marker.retired)) {
      delete marker.seals[tree];
      dirty = true;
    }
  }
  const dir = touched ? '' : atStart;
  if (marker.dir !== dir) {
    marker.dir = dir;
    dirty = true;
  }
  if (dirty) {
    // Only the shapes some seal names are kept.
    const used = new Set(Object.values(marker.seals).map((v) => v.split(':')[2]));
    const shapes: Record<string, string[]> = {};
    for (const k of Object.keys(marker.shapes).sort()) if (used.has(k)) shapes[k] = marker.shapes[k]!;
    marker.skillsTree = skillsTree;
    marker.shapes = shapes;
    ctx.liveMemo = { stamp: writeStamped(markerPath(ctx), JSON.stringify({ skillsTree, retired: marker.retired, seals: marker.seals, shapes, cursor: marker.cursor, dir })), marker };
  } else if (stamp) ctx.liveMemo = { stamp, marker };
}

/** Seal a checkout from its tree (when it is made, or sealed before shapes were kept), recording its shape. */
function sealString(ctx: Ctx, marker: LiveMarker, tree: string): string {
  const s = sealOf(ctx.store, join(ctx.paths.checkouts, tree), tree);
  if (!s) return '';
  const key = shapeKey(s.names);
  marker.shapes[key] ??= s.names;
  return `${s.entries}:${s.digest}:${key}`;
}

/**
 * Whether a checkout still has seal `sealed`: lstat of the names its shape records, no
 * tree read. A seal of an older marker (no shape) is checked from the tree once and
 * given its shape (`upgraded`).
 */
function sealMatches(ctx: Ctx, marker: LiveMarker, tree: string, sealed: string): 'yes' | 'no' | 'upgraded' {
  const [entries, digest, key] = sealed.split(':');
  const dir = join(ctx.paths.checkouts, tree);
  const names = key ? marker.shapes[key] : undefined;
  if (names) {
    const s = sealByNames(dir, names);
    return s !== null && s.digest === digest && String(s.entries) === entries ? 'yes' : 'no';
  }
  const s = sealOf(ctx.store, dir, tree);
  if (!s || s.digest !== digest || String(s.entries) !== entries) return 'no';
  const k = shapeKey(s.names);
  marker.shapes[k] ??= s.names;
  marker.seals[tree] = `${entries}:${digest}:${k}`;
  return 'upgraded';
}

/**
 * Compare checkouts in use with their seals (lstat only), round robin: up to
 * VERIFY_BUDGET entries per pass, or for a daemon watch pass (`scope`) the checkouts of
 * the skills it syncs and `scope.entries` more. An edited one is reported by file,
 * removed and rebuilt from git. Returns true when the marker changed.
 */
function verifySeals(ctx: Ctx, marker: LiveMarker, want: Map<string, string>, verified: Set<string>, scope?: LiveScope): boolean {
  const trees = [...new Set(want.values())].filter((t) => marker.seals[t]).sort();
  if (trees.length === 0) return false;
  let changed = false;
  const check = (tree: string): void => {
    verified.add(tree);
    const sealed = marker.seals[tree]!;
    const m = sealMatches(ctx, marker, tree, sealed);
    if (m === 'upgraded') changed = true;
    if (m !== 'no') return;
    changed = true;
    const dir = join(ctx.paths.checkouts, tree);
    const edits = existsSync(dir) ? checkoutChanges(ctx.store, dir, tree) : [{ path: '.', change: 'the whole checkout was deleted' }];
    if (edits.length === 0) {
      // Only modes or timestamps moved: make it read-only again and seal it as it is.
      makeReadOnly(dir);
      marker.seals[tree] = sealString(ctx, marker, tree);
      return;
    }
    const skills = [...want].filter(([, t]) => t === tree).map(([s]) => `skills/${s}`);
    const shown = edits.slice(0, 5).map((e) => `${displayName(e.path)} ${e.change}`).join(', ') + (edits.length > 5 ? ` and ${edits.length - 5} more` : '');
    ctx.log.warn(`live view: checkouts/${tree} (${skills.join(', ')}) was changed on disk: ${shown}; restored from git`, { tree, changes: edits });
    removeCheckout(ctx, tree);
    ensureCheckout(ctx, tree, false);
    marker.seals[tree] = sealString(ctx, marker, tree);
  };
  if (scope) {
    for (const skill of scope.skills) {
      const tree = want.get(skill);
      if (tree && marker.seals[tree] && !verified.has(tree)) check(tree);
    }
  }
  let budget = scope ? scope.entries : VERIFY_BUDGET;
  let i = Math.max(0, trees.findIndex((t) => t >= marker.cursor));
  let n = 0;
  for (; n < trees.length && budget > 0; n++, i = (i + 1) % trees.length) {
    const tree = trees[i]!;
    budget -= Number(marker.seals[tree]!.split(':')[0]) || 1;
    if (!verified.has(tree)) check(tree);
  }
  if (n < trees.length) {
    // Not all verified this pass: the next one starts where this one stopped.
    if (marker.cursor !== trees[i]) changed = true;
    marker.cursor = trees[i]!;
  }
  return changed;
}
