// sync: one pass over enabled, unpaused plugins. Per plugin: observe (snapshot each
// skill the plan needs, an observation commit when it changed) → plan (pure, in
// core/plan) → apply (main first, proposals on top), in one transaction per plugin so
// one bad plugin never blocks another.
import { SkillsyncError, codeInfo, errorAction, toSkillsyncError, type ErrorKind } from '../core/errors.js';
import { planPluginSync, type SkillAction, type SkillStatus } from '../core/plan/sync-plan.js';
import type { PluginManifest } from '../plugins/types.js';
import type { Ctx } from './context.js';
import { discover } from './discovery.js';
import { mutate } from './mutate.js';
import { RefIndex } from './ref-index.js';
import { reconcileVersions } from './reconcile.js';
import { readMainState, type MainState } from './state.js';
import { StatCaches } from './stat-cache.js';
import { applySyncPlan, autoApply, observePlugin, planRefs, planState } from './sync-apply.js';
import type { Txn } from './txn.js';
import { bindingsOf } from './queries.js';

export { mergeSkill } from './merge-skill.js';

export type SkillSyncStatus = SkillStatus;

export interface SkillSyncResult {
  name: string;
  classification: SkillSyncStatus;
  action: SkillAction | 'source_missing';
  proposal?: string;
  version?: string;
  conflicts?: number;
  error?: string;
}

export interface PluginSyncResult {
  id: string;
  status: 'synced' | 'update_pending' | 'missing' | 'paused' | 'disabled' | 'adopted' | 'origin_changed' | 'error';
  skills: SkillSyncResult[];
  error?: string;
  errorCode?: string;
  /** What the daemon does about the error: see errorAction. */
  errorKind?: ErrorKind;
}

export interface SyncResult {
  plugins: PluginSyncResult[];
  durationMs: number;
}

/** observe → plan → apply for one plugin. */
function syncOnePlugin(ctx: Ctx, m: PluginManifest, caches: StatCaches, refs: RefIndex, state: MainState, txn: Txn): PluginSyncResult {
  const ps = planState(state, m.id);
  const observed = observePlugin(ctx, m, ps, caches, refs, txn);
  const plan = planPluginSync(observed, ps, planRefs(ctx, m, ps, refs), { autoApplyFastForward: autoApply(ctx, m.id) });
  const applied = applySyncPlan(txn, plan);
  const skills: SkillSyncResult[] = plan.skills.map((r) => {
    const out: SkillSyncResult = { ...r };
    const v = applied.versions.get(r.name);
    if (v && r.action === 'auto_apply') out.version = v;
    const c = applied.conflicts.get(r.name);
    if (c !== undefined && (r.action === 'proposal_opened' || r.action === 'proposal_replaced')) out.conflicts = c;
    return out;
  });
  if (plan.originChanged) {
    const { was, now } = plan.originChanged;
    const where = (o: typeof was) => `${o.source}${o.path ? ':' + o.path : ''}`;
    return {
      id: m.id,
      status: 'origin_changed',
      skills,
      error: `plugin ${m.id} was enabled from ${where(was)} but is now found at ${where(now)}; nothing was taken from it — run 'skillsync enable ${m.id}' to follow the new origin`,
      errorCode: 'EORIGIN_CHANGED',
      errorKind: codeInfo('EORIGIN_CHANGED').kind,
    };
  }
  return { id: m.id, status: plan.status === 'update_pending' ? 'update_pending' : 'synced', skills };
}

export function syncPlugin(ctx: Ctx, id: string, caches: StatCaches, refs: RefIndex = new RefIndex(ctx)): PluginSyncResult {
  const m = discover(ctx).plugins.find((p) => p.id === id);
  try {
    return mutate(ctx, `sync ${id}`, (state, txn) => {
      const rec = state.plugins.get(id);
      if (!rec) throw new SkillsyncError('ENOT_ENABLED', `plugin ${id} is not enabled; run 'skillsync enable ${id}'`, { plugin: id });
      if (rec.adopted) return { id, status: 'adopted', skills: [] };
      if (!rec.enabled) return { id, status: 'disabled', skills: [] };
      if (rec.paused) return { id, status: 'paused', skills: [] };
      const broken = !m ? discover(ctx).errors.find((e) => e.pluginId === id) : undefined;
      if (broken) {
        // Still there but unreadable now: an error for this plugin only; nothing changes.
        return { id, status: 'error', skills: [], error: broken.message, errorCode: broken.code };
      }
      if (!m) {
        // The source vanished: report, delete nothing.
        const skills = bindingsOf(state, id).map((b) => ({ name: b.skill, classification: 'unchanged' as const, action: 'source_missing' as const }));
        return { id, status: 'missing', skills };
      }
      return syncOnePlugin(ctx, m, caches, refs, state, txn);
    });
  } catch (err) {
    const e = toSkillsyncError(err);
    const next = errorAction(e);
    if (next.abortPass) throw e;
    ctx.log.warn(`sync of ${id} failed: ${e.message}`, { plugin: id, code: e.code, kind: e.kind });
    return { id, status: 'error', skills: [], error: e.message, errorCode: e.code, errorKind: e.kind };
  }
}

/** One sync pass. `only` limits it to some plugins (by id); `keepDiscovery`: the result ctx.discovery keeps is current (the daemon refreshed what changed). */
export function syncAll(ctx: Ctx, only?: string[], opts: { keepDiscovery?: boolean } = {}): SyncResult {
  const started = Date.now();
  if (!opts.keepDiscovery) ctx.discovery.invalidate();
  discover(ctx);
  reconcileVersions(ctx);
  const caches = new StatCaches(ctx);
  const ids = only && only.length ? only : [...readMainState(ctx).plugins.keys()].sort();
  const plugins: PluginSyncResult[] = [];
  const refs = new RefIndex(ctx);
  try {
    for (const id of ids) plugins.push(syncPlugin(ctx, id, caches, refs));
  } finally {
    caches.save();
  }
  return { plugins, durationMs: Date.now() - started };
}
