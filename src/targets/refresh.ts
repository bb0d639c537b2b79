// Bringing every target in line with what the live view serves, after every command
// that changed main and on every pass. Each target is planned and applied on its own:
// one that cannot be written (permissions, a missing parent, a full disk) records its
// error for `status` and never stops the workspace or the other targets.
import { existsSync, mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { isOid } from '../git/hash.js';
import { SkillsyncError, toSkillsyncError } from '../core/errors.js';
import type { Ctx } from '../workspace/context.js';
import { StatCaches } from '../workspace/stat-cache.js';
import type { TargetSpec } from './config.js';
import { inspectEntry } from './disk.js';
import { newExchanger, type Exchanger } from './exchange.js';
import { manifestFile, readManifest, writeManifest, type TargetManifest } from './manifest.js';
import { planTarget, type Action, type DiskEntry } from './plan.js';
import { removeEntry, removeStaleTemps, writeCopies, writeLink } from './write-entry.js';

export interface TargetReport {
  path: string;
  label: string;
  mode: TargetSpec['mode'];
  /** Entries skillsync manages there. */
  managed: number;
  conflicts: { skill: string; reason: string }[];
  held: { skill: string; reason: string }[];
  /** Edits found and not captured yet. */
  edits: string[];
  warnings: string[];
  error: string | null;
}

/** skill → tree oid the live view serves (live/skills/<skill> → ../../checkouts/<tree>). */
export function servedSkills(ctx: Ctx): Map<string, string> {
  const out = new Map<string, string>();
  let names: string[] = [];
  try {
    names = readdirSync(ctx.paths.liveSkills);
  } catch {
    return out;
  }
  for (const n of names) {
    if (n.startsWith('.')) continue;
    try {
      const tree = basename(readlinkSync(join(ctx.paths.liveSkills, n)));
      if (isOid(tree) && existsSync(join(ctx.paths.checkouts, tree))) out.set(n, tree);
    } catch {
      /* not a link: not served */
    }
  }
  return out;
}

export function statKey(ctx: Ctx, t: TargetSpec): string {
  return `@target-${basename(manifestFile(ctx, t.path), '.json')}`;
}

export interface TargetPlan {
  manifest: TargetManifest;
  actions: Action[];
  disk: Map<string, DiskEntry>;
}

export function planFor(ctx: Ctx, t: TargetSpec, served: Map<string, string>, caches: StatCaches): TargetPlan {
  const manifest = readManifest(ctx, t.path);
  const desired = new Map<string, string>();
  for (const [s, tree] of served) if (!t.skills || t.skills.includes(s)) desired.set(s, tree);
  const disk = new Map<string, DiskEntry>();
  const key = statKey(ctx, t);
  for (const s of new Set([...desired.keys(), ...manifest.entries.keys()])) disk.set(s, inspectEntry(t.path, s, caches.get(key, s)));
  caches.touch(key);
  const actions = planTarget({ mode: t.mode, desired, linkFor: (s) => join(ctx.paths.liveSkills, s), recorded: manifest.entries, disk });
  return { manifest, actions, disk };
}

export function reportOf(t: TargetSpec, p: TargetPlan, error: string | null): TargetReport {
  const r: TargetReport = { path: t.path, label: t.label, mode: t.mode, managed: p.manifest.entries.size, conflicts: [], held: [], edits: [], warnings: [], error };
  for (const a of p.actions) {
    if (a.op === 'conflict') r.conflicts.push({ skill: a.skill, reason: a.reason });
    else if (a.op === 'hold') r.held.push({ skill: a.skill, reason: a.reason });
    else if (a.op === 'capture') r.edits.push(a.skill);
    else if (a.op === 'forget' && a.warning) r.warnings.push(a.warning);
  }
  return r;
}

/** Make sure the target folder exists: created when its parent does, never a whole path. */
function ensureFolder(t: TargetSpec): void {
  if (existsSync(t.path)) return;
  if (!existsSync(dirname(t.path))) throw new SkillsyncError('ETARGET_PARENT', `the folder ${dirname(t.path)} does not exist; create it, or fix the target's path`, { path: t.path });
  mkdirSync(t.path);
}

function applyActions(ctx: Ctx, t: TargetSpec, p: TargetPlan, ex: Exchanger): void {
  const m = p.manifest;
  const writes = p.actions.filter((a) => a.op === 'copy' || a.op === 'link');
  // Intents first: a write killed half-way is recognised as ours and completed next time.
  for (const a of writes) {
    const prev = m.entries.get(a.skill);
    const target = a.op === 'copy' ? a.tree : a.link;
    m.entries.set(a.skill, prev ? { ...prev, pending: target } : { mode: a.op === 'copy' ? 'copy' : 'symlink', tree: null, pending: target });
  }
  let dirty = writes.length > 0;
  if (dirty) writeManifest(ctx, m);
  try {
    const copies = p.actions.flatMap((a) => (a.op === 'copy' ? [a] : []));
    const trees = new Map(copies.map((a) => [a.skill, a.tree]));
    writeCopies(ex, ctx.store, t.path, copies, (skill) => m.entries.set(skill, { mode: 'copy', tree: trees.get(skill)! }));
    for (const a of p.actions) {
      switch (a.op) {
        case 'link':
          writeLink(t.path, a.skill, a.link, p.disk.get(a.skill)?.kind === 'dir', ex);
          m.entries.set(a.skill, { mode: 'symlink', tree: null, link: a.link });
          break;
        case 'remove':
          removeEntry(t.path, a.skill, a.kind);
          m.entries.delete(a.skill);
          break;
        case 'record':
          m.entries.set(a.skill, a.entry);
          break;
        case 'forget':
          if (a.warning) ctx.log.warn(`target ${t.path}: ${a.warning}`);
          m.entries.delete(a.skill);
          break;
        default:
          continue;
      }
      dirty = true;
    }
  } finally {
    if (dirty || m.error) {
      m.error = null;
      writeManifest(ctx, m);
    }
  }
}

/** Plan and apply one target; its failure is recorded, never thrown. */
export function refreshTarget(ctx: Ctx, t: TargetSpec, served: Map<string, string>, caches: StatCaches, ex: Exchanger): TargetReport {
  let plan: TargetPlan | null = null;
  try {
    ensureFolder(t);
    for (const n of removeStaleTemps(t.path)) ctx.log.info(`target ${t.path}: removed ${n} left by an interrupted write`);
    plan = planFor(ctx, t, served, caches);
    applyActions(ctx, t, plan, ex);
    return reportOf(t, plan, null);
  } catch (err) {
    const e = toSkillsyncError(err);
    const msg = e.message.replace('check the owner and mode of the workspace', 'check the owner and mode of the target folder');
    ctx.log.warn(`target ${t.path} not updated: ${msg}; the next pass retries`);
    try {
      const m = readManifest(ctx, t.path);
      m.error = msg;
      writeManifest(ctx, m);
    } catch {
      /* the workspace itself is failing: its own error is reported elsewhere */
    }
    return { ...(plan ? reportOf(t, plan, msg) : { path: t.path, label: t.label, mode: t.mode, managed: 0, conflicts: [], held: [], edits: [], warnings: [] }), error: msg };
  }
}

/** Every configured target, in config order. Call with the workspace lock held. */
export function refreshTargets(ctx: Ctx): TargetReport[] {
  const targets = ctx.config.targets ?? [];
  if (!targets.length) return [];
  const served = servedSkills(ctx);
  const caches = new StatCaches(ctx);
  const ex = newExchanger();
  const out = targets.map((t) => refreshTarget(ctx, t, served, caches, ex));
  try {
    caches.save();
  } catch {
    /* derived data */
  }
  return out;
}
