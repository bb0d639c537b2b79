// Captured edits: a copy-mode folder whose files differ from what skillsync last wrote
// holds an edit by a person or an agent. Before anything else changes the workspace it
// is published as the skill's next version (`local_edit`), so an accepted update merges
// with it instead of overwriting it. An edit that fails the checks stays exactly as it
// is, with the reason recorded for `status`.
import { openSkillFolder, readSkillTree, unchangedSince } from '../workspace/snapshot-read.js';
import { closeDir } from '../plugins/fs-at.js';
import { toSkillsyncError } from '../core/errors.js';
import type { Ctx } from '../workspace/context.js';
import { mutate } from '../workspace/mutate.js';
import { readMainState } from '../workspace/state.js';
import { StatCaches } from '../workspace/stat-cache.js';
import { mergeSkill, syncPlugin } from '../workspace/sync.js';
import { listProposals } from '../workspace/proposals.js';
import type { TargetSpec } from './config.js';
import { readManifest, writeManifest } from './manifest.js';
import { publishEdits, refusal, type EditEntry } from './publish-edit.js';
import { planFor, servedSkills } from './refresh.js';

export interface CaptureOutcome {
  skill: string;
  target: string;
  status: 'published' | 'held' | 'postponed';
  version?: string;
  reason?: string;
}

interface Found {
  t: TargetSpec;
  skill: string;
  base: string;
  /** The folder's tree as read (stored), and what will be published. */
  tree: string;
  publish: string;
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * A folder read into the store once its files stopped changing (a burst of saves is one
 * edit), with the snapshot reader: through directory descriptors, links and special
 * files refused, every blob hashed from the bytes read.
 */
function readSettled(ctx: Ctx, target: string, skill: string): string | null {
  const quietMs = Math.min(2000, Math.max(100, ctx.config.debounceMs));
  const top = openSkillFolder(target, skill);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = readSkillTree(top, { store: ctx.store });
      const newest = Math.max(0, ...[...res.seen.values()].map((s) => Math.max(s.mtimeMs, s.ctimeMs)));
      const age = Date.now() - newest;
      if (age >= quietMs) return res.oid;
      sleep(quietMs - age);
      if (unchangedSince(top, res.seen)) return res.oid;
    }
    return null;
  } finally {
    closeDir(top);
  }
}

function findEdits(ctx: Ctx, out: CaptureOutcome[]): Found[] {
  const served = servedSkills(ctx);
  const caches = new StatCaches(ctx);
  const state = readMainState(ctx);
  const found: Found[] = [];
  const taken = new Set<string>();
  for (const t of ctx.config.targets ?? []) {
    let plan;
    try {
      plan = planFor(ctx, t, served, caches);
    } catch {
      continue; // an unreadable target: refreshTargets records its error
    }
    for (const a of plan.actions) {
      if (a.op !== 'capture' || taken.has(a.skill)) continue; // one edit per skill per pass; the others follow
      let tree: string | null;
      try {
        tree = readSettled(ctx, t.path, a.skill);
      } catch (err) {
        out.push({ skill: a.skill, target: t.path, status: 'postponed', reason: toSkillsyncError(err).message });
        continue;
      }
      if (tree === null) {
        out.push({ skill: a.skill, target: t.path, status: 'postponed', reason: 'the folder is still being written' });
        continue;
      }
      taken.add(a.skill);
      found.push({ t, skill: a.skill, base: a.base, tree, publish: tree });
    }
  }
  // Main moved on since the folder was written (an update was accepted): merge, as sync does.
  for (const f of found) {
    const cur = state.skills.get(f.skill);
    if (!cur || cur === f.base) continue;
    const r = mergeSkill(ctx, f.base, f.tree, cur);
    if (r.conflicts.length) f.publish = '';
    else f.publish = r.tree;
  }
  return found;
}

function record(ctx: Ctx, f: Found, held: string | null): void {
  const m = readManifest(ctx, f.t.path);
  const e = m.entries.get(f.skill);
  if (!e) return;
  if (held) m.entries.set(f.skill, { ...e, held: { tree: f.tree, reason: held } });
  else m.entries.set(f.skill, { mode: 'copy', tree: f.tree });
  writeManifest(ctx, m);
}

/** Find and publish the edits in every target; never throws (an edit not captured is never overwritten). */
export function captureEdits(ctx: Ctx): CaptureOutcome[] {
  if (!(ctx.config.targets ?? []).length) return [];
  try {
    return captureAll(ctx);
  } catch (err) {
    ctx.log.warn(`edits in targets not captured: ${toSkillsyncError(err).message}; the next pass retries`);
    return [];
  }
}

function captureAll(ctx: Ctx): CaptureOutcome[] {
  const out: CaptureOutcome[] = [];
  const found = findEdits(ctx, out);
  if (!found.length) return out;
  const state = readMainState(ctx);
  const ok: Found[] = [];
  for (const f of found) {
    const b = state.bindings.get(f.skill);
    const why = !f.publish
      ? `the edit conflicts with the version published since it was made; edit the folder to include that version's changes (see 'skillsync log ${f.skill}')`
      : b?.status === 'disabled'
        ? `plugin ${b.plugin} is disabled`
        : refusal(ctx, f.skill, f.publish);
    if (why) {
      ctx.log.warn(`edit of ${f.skill} in ${f.t.path} not published: ${why}; the folder is left as it is`);
      record(ctx, f, why);
      out.push({ skill: f.skill, target: f.t.path, status: 'held', reason: why });
    } else ok.push(f);
  }
  if (!ok.length) return out;
  const entries: EditEntry[] = ok.map((f) => ({ skill: f.skill, tree: f.publish, baseTree: f.base, where: f.t.path }));
  let versions: Map<string, string>;
  try {
    versions = mutate(ctx, `capture ${ok.map((f) => f.skill).join(' ')}`, (_s, txn) => publishEdits(txn, entries));
  } catch (err) {
    const e = toSkillsyncError(err);
    for (const f of ok) out.push({ skill: f.skill, target: f.t.path, status: 'postponed', reason: e.message });
    return out;
  }
  for (const f of ok) {
    record(ctx, f, null);
    out.push({ skill: f.skill, target: f.t.path, status: 'published', version: versions.get(f.skill) });
    ctx.log.info(`captured the edit of ${f.skill} in ${f.t.path} as ${versions.get(f.skill) ?? 'no new version (already published)'}`);
  }
  rebuildProposals(ctx, ok.map((f) => f.skill));
  return out;
}

/** A pending proposal of a captured skill is rebuilt on the new local version (supersede). */
function rebuildProposals(ctx: Ctx, skills: string[]): void {
  const want = new Set(skills);
  const plugins = new Set(listProposals(ctx).filter((p) => want.has(p.skill) && !p.edited).map((p) => p.plugin));
  if (!plugins.size) return;
  const caches = new StatCaches(ctx);
  try {
    for (const id of [...plugins].sort()) {
      const r = syncPlugin(ctx, id, caches);
      if (r.status === 'error') ctx.log.warn(`proposals of ${id} not rebuilt on the captured edit: ${r.error}`);
    }
  } finally {
    caches.save();
  }
}
