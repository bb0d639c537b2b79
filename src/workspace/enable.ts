// enable: the initial mirror of one or more plugins. Ownership check and the publish
// checks for every skill first; a plugin that fails them is left out whole (each plugin
// is all-or-nothing). Everything the others publish lands in ONE commit on main, with
// one version tag per skill, bindings and upstream observations.
import { SkillsyncError, toSkillsyncError } from '../core/errors.js';
import { lookupPath } from '../git/tree-editor.js';
import type { PluginManifest, SkillDecl } from '../plugins/types.js';
import type { Ctx } from './context.js';
import { discover, unknownPlugin } from './discovery.js';
import { mutate } from './mutate.js';
import { readObservation, recordObservation, type Observation } from './observe.js';
import { publishVersions, type PublishEntry } from './publish-versions.js';
import { caseIndex, ownershipConflict, ownershipError } from './queries.js';
import type { PluginRecord } from './records.js';
import { checkPublishable } from './checks.js';
import { readAllowances } from './allowances.js';
import { snapshotSkill } from './snapshot.js';
import { SkillParents } from './snapshot-read.js';
import type { StatCaches } from './stat-cache.js';
import type { MainState } from './state.js';
import type { Txn } from './txn.js';
import { latestVersion } from './versions.js';
import { foldedKey } from '../core/names.js';

export interface EnabledSkill {
  name: string;
  action: 'mirrored' | 'restored' | 'unchanged';
  version: string | null;
  tree: string;
  safety: string;
}

export interface EnableResult {
  plugin: string;
  status: 'enabled' | 'already_enabled';
  version: string;
  skills: EnabledSkill[];
  warnings: string[];
}

export interface EnableFailure {
  plugin: string;
  status: 'error';
  error: string;
  code: string;
}

function isSynced(state: MainState, m: PluginManifest): boolean {
  const rec = state.plugins.get(m.id);
  if (!rec?.enabled || rec.paused || rec.version !== m.version) return false;
  // Enabling again from a new origin is how a person follows a plugin that moved.
  if (rec.source !== m.source.display || rec.path !== m.path) return false;
  return m.skills.every((s) => {
    if (rec.adoptedSkills.includes(s.name)) return true;
    const b = state.bindings.get(s.name);
    return b?.plugin === m.id && b.status === 'synced' && state.skills.has(s.name);
  });
}

/** What enabling one plugin would write; nothing is written until every skill passed. */
interface PluginPlan {
  manifest: PluginManifest;
  record: PluginRecord;
  entries: PublishEntry[];
  unchanged: EnabledSkill[];
  observations: { skill: string; path: string; tree: string; prev: Observation }[];
}

/** `claimed`: skill name -> plugin, for the plugins planned earlier in the same enable. */
function planPlugin(ctx: Ctx, state: MainState, m: PluginManifest, caches: StatCaches, folded: Map<string, string>, claimed: Map<string, string>): PluginPlan {
  const prevRec = state.plugins.get(m.id);
  const adopted = new Set(prevRec?.adoptedSkills ?? []);
  const plan: PluginPlan = {
    manifest: m,
    record: { id: m.id, enabled: true, paused: false, adopted: false, version: m.version, source: m.origin.source, path: m.origin.folder, adoptedSkills: [...adopted].sort() },
    entries: [],
    unchanged: [],
    observations: [],
  };
  const parents = new SkillParents(caches.realRoots); // the plugin's skills/ opened once for all its skills
  try {
    for (const s of m.skills) planSkill(ctx, state, m, s, caches, folded, claimed, adopted, plan, parents);
  } finally {
    parents.close();
  }
  return plan;
}

function planSkill(ctx: Ctx, state: MainState, m: PluginManifest, s: SkillDecl, caches: StatCaches, folded: Map<string, string>, claimed: Map<string, string>, adopted: Set<string>, plan: PluginPlan, parents: SkillParents): void {
  if (adopted.has(s.name)) return;
  const conflict = ownershipConflict(state, m.id, s.name, folded);
  if (conflict) throw ownershipError(m.id, s.name, conflict);
  const earlier = claimed.get(s.name);
  if (earlier !== undefined && earlier !== m.id) throw ownershipError(m.id, s.name, { reason: 'other_plugin', owner: earlier, message: '' });
  const b = state.bindings.get(s.name);
  const exists = state.skills.has(s.name);
  const prev = readObservation(ctx, m.id, s.name);
  const snap = snapshotSkill(ctx, m, s, caches, prev.tree, parents);
  plan.observations.push({ skill: s.name, path: s.path, tree: snap.tree, prev });
  if (b && b.status === 'synced' && exists) {
    plan.unchanged.push({ name: s.name, action: 'unchanged', version: null, tree: state.skills.get(s.name)!, safety: '' });
    return;
  }
  const binding = { skill: s.name, plugin: m.id, path: s.path, acceptedTree: b?.acceptedTree ?? snap.tree, status: 'synced' as const };
  const common = { skill: s.name, plugin: m.id, pluginVersion: m.version, binding };
  if (b) {
    // Enabled again: bring back the last published version (it may hold local edits);
    // the next sync proposes whatever upstream changed meanwhile.
    const last = latestVersion(ctx, s.name);
    const lastTree = last ? lookupPath(ctx.store, ctx.store.readCommit(last.commit).tree, `skills/${s.name}`) : null;
    const tree = state.skills.get(s.name) ?? lastTree?.oid ?? b.acceptedTree;
    if (last) plan.entries.push({ ...common, tree, mode: 'restore', localTree: tree, existingVersion: last.version });
    else plan.entries.push({ ...common, tree, mode: 'initial_mirror', upstreamTree: tree });
    return;
  }
  const check = checkPublishable(ctx, s.name, snap.tree, readAllowances(ctx.store, state.tree));
  if (!check.ok) {
    throw new SkillsyncError(
      'ESAFETY_BLOCKED',
      `plugin ${m.id} not enabled: skill '${s.name}' failed the safety check (${check.problems.filter((p) => p.severity === 'error').slice(0, 3).map((p) => p.message).join('; ')}); nothing was changed`,
      { plugin: m.id, skill: s.name, findings: check.safety?.findings ?? [] },
    );
  }
  plan.entries.push({ ...common, tree: snap.tree, mode: 'initial_mirror', upstreamTree: snap.tree });
}

function applyPlan(txn: Txn, p: PluginPlan, caches: StatCaches): void {
  for (const o of p.observations) {
    const commit = recordObservation(txn, p.manifest, o.skill, o.path, o.tree, o.prev);
    // Views after the command (enable's own summary) then need not read 10,000 commits.
    if (commit) caches.rememberObservation(p.manifest.id, o.skill, commit, o.tree);
  }
  txn.setPlugin(p.record);
}

/**
 * Enable plugins in one commit. With `isolate`, a plugin that fails is reported and
 * the others go ahead; without it the first failure throws and nothing is written.
 */
export function enablePlugins(
  ctx: Ctx,
  ids: string[],
  caches: StatCaches,
  isolate = ids.length > 1,
  onPlanned?: (plugins: number, skills: number) => void,
): (EnableResult | EnableFailure)[] {
  const manifests = new Map<string, PluginManifest | SkillsyncError>();
  for (const id of ids) manifests.set(id, discover(ctx).plugins.find((p) => p.id === id) ?? unknownPlugin(ctx, id));
  const label = ids.length > 3 ? `${ids.slice(0, 3).join(' ')} and ${ids.length - 3} more` : ids.join(' ');
  return mutate(ctx, `enable ${label}`, (state, txn) => {
    const results: (EnableResult | EnableFailure)[] = [];
    const plans: PluginPlan[] = [];
    const folded = new Map(caseIndex(state)); // this command's claims are added to it
    const claimed = new Map<string, string>();
    let skillsSeen = 0;
    for (const [i, id] of ids.entries()) {
      const m = manifests.get(id)!;
      if (i > 0) onPlanned?.(i, skillsSeen);
      if (!(m instanceof SkillsyncError)) skillsSeen += m.skills.length;
      try {
        if (m instanceof SkillsyncError) throw m;
        const warnings = m.skills.flatMap((s) => s.warnings.map((w) => `${s.name}: ${w}`));
        if (isSynced(state, m)) {
          results.push({ plugin: id, status: 'already_enabled', version: m.version, skills: [], warnings });
          continue;
        }
        const plan = planPlugin(ctx, state, m, caches, folded, claimed);
        // Skills claimed by this plugin are taken for the plugins after it (same name or a case twin).
        for (const e of plan.entries) {
          folded.set(foldedKey(e.skill), e.skill);
          claimed.set(e.skill, m.id);
        }
        plans.push(plan);
        results.push({ plugin: id, status: 'enabled', version: m.version, skills: [...plan.unchanged], warnings });
      } catch (err) {
        if (!isolate) throw err;
        const e = toSkillsyncError(err);
        results.push({ plugin: id, status: 'error', error: e.message, code: e.code });
      }
    }
    onPlanned?.(ids.length, skillsSeen);
    if (!plans.length) return results;
    for (const p of plans) applyPlan(txn, p, caches);
    const entries = plans.flatMap((p) => p.entries);
    const names = plans.map((p) => `${p.manifest.id} ${p.manifest.version}`);
    const subject = plans.length === 1 ? `enable ${names[0]}` : `enable ${plans.length} plugins`;
    if (entries.length) {
      const published = publishVersions(txn, entries, {
        subject: `${subject}: ${entries.length} skill${entries.length === 1 ? '' : 's'}`,
        body: plans.length > 1 ? `Plugins: ${names.join(', ')}.` : `Initial mirror from ${plans[0].manifest.source.display}.`,
      });
      const byName = new Map(published.map((v) => [v.skill, v]));
      for (const r of results) {
        if (r.status !== 'enabled') continue;
        const plan = plans.find((p) => p.manifest.id === r.plugin)!;
        for (const e of plan.entries) {
          const v = byName.get(e.skill)!;
          r.skills.push({ name: e.skill, action: e.mode === 'restore' ? 'restored' : 'mirrored', version: v.version, tree: e.tree!, safety: e.mode === 'restore' ? '' : v.safety });
        }
      }
    } else {
      txn.commit(subject, '', [...plans.flatMap((p): [['Plugin', string], ['Plugin-Version', string]] => [['Plugin', p.manifest.id], ['Plugin-Version', p.manifest.version]]), ['Workspace-Change', 'enable']]);
    }
    return results;
  });
}

/** Enable one plugin; throws when it cannot be enabled. */
export function enablePlugin(ctx: Ctx, id: string, caches: StatCaches): EnableResult {
  return enablePlugins(ctx, [id], caches, false)[0] as EnableResult;
}
