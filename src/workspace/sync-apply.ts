// Observe and apply, the I/O around the pure sync planner: read the upstream trees a
// plan needs (recording each change as an observation commit), and write what a plan
// decided: one publish for main, proposal branches on top of it, dropped branches.
import { SkillsyncError, errorAction } from '../core/errors.js';
import { formatSafetyTrailer } from '../core/safety/index.js';
import { skillsToObserve, type Observed, type PlanRefs, type PlanState, type SyncPlan } from '../core/plan/sync-plan.js';
import type { PluginManifest, SkillDecl } from '../plugins/types.js';
import { checkPublishable } from './checks.js';
import { readAllowances } from './allowances.js';
import type { Ctx } from './context.js';
import { mergeSkill } from './merge-skill.js';
import { readObservation, recordObservation } from './observe.js';
import { readProposal, writeProposal } from './proposals.js';
import { proposalRef, rejectedRef } from './layout.js';
import { predictVersion, publishVersions } from './publish-versions.js';
import type { RefIndex } from './ref-index.js';
import { rejectedUpstream } from './reject.js';
import { describeFinding, safetyOf } from './skill-files.js';
import { snapshotSkill } from './snapshot.js';
import { SkillParents } from './snapshot-read.js';
import type { StatCaches } from './stat-cache.js';
import { readMainState, type MainState } from './state.js';
import { bindingsOf } from './queries.js';
import type { Txn } from './txn.js';

export function autoApply(ctx: Ctx, plugin: string): boolean {
  const a = ctx.config.autoApplyFastForward;
  return a === true || (Array.isArray(a) && a.includes(plugin));
}

export function planState(state: MainState, id: string): PlanState {
  const rec = state.plugins.get(id)!;
  return { plugin: rec, skills: state.skills, bindings: state.bindings, caseIndex: state.caseIndex, byPlugin: state.byPlugin };
}

/** The open proposals and rejected trees of one plugin. */
export function planRefs(ctx: Ctx, m: PluginManifest, state: PlanState, refs: RefIndex): PlanRefs {
  const proposals: PlanRefs['proposals'] = new Map();
  const rejected = new Map<string, string>();
  const names = new Set([...m.skills.map((s) => s.name), ...bindingsOf(state, m.id).map((b) => b.skill)]);
  for (const skill of refs.proposalSkillsOf(m.id)) names.add(skill);
  for (const skill of names) {
    const tip = refs.proposals.get(proposalRef(m.id, skill));
    if (tip) {
      const p = readProposal(ctx, m.id, skill, tip);
      if (p) (proposals as Map<string, typeof p>).set(skill, p);
    }
    if (refs.rejected.has(rejectedRef(m.id, skill))) {
      const r = rejectedUpstream(ctx, m.id, skill);
      if (r) rejected.set(skill, r);
    }
  }
  return { proposals, rejected };
}

/** Read what the source holds for the skills the plan needs; observations go into `txn`. */
export function observePlugin(ctx: Ctx, m: PluginManifest, state: PlanState, caches: StatCaches, refs: RefIndex, txn: Txn): Observed {
  const declared = new Map(m.skills.map((s) => [s.name, s.path]));
  const observed: Observed = { id: m.id, version: m.version, origin: { source: m.origin.source, path: m.origin.folder }, declared, trees: new Map(), refused: new Set() };
  observed.unreadable = new Map<string, string>();
  const parents = new SkillParents(caches.realRoots); // the plugin's skills/ opened once for all its skills
  try {
    observeSkills(ctx, m, state, caches, refs, txn, observed, parents);
  } finally {
    parents.close();
  }
  return observed;
}

function observeSkills(ctx: Ctx, m: PluginManifest, state: PlanState, caches: StatCaches, refs: RefIndex, txn: Txn, observed: Observed, parents: SkillParents): void {
  const policy = autoApply(ctx, m.id);
  const unreadable = observed.unreadable as Map<string, string>;
  const decls = new Map<string, SkillDecl>();
  for (const s of m.skills) if (!decls.has(s.name)) decls.set(s.name, s); // the first, as find() gave
  for (const name of skillsToObserve(state, observed)) {
    const decl = decls.get(name)!;
    const prev = readObservation(ctx, m.id, name, { refs, caches });
    let snap;
    try {
      snap = snapshotSkill(ctx, m, decl, caches, prev.tree, parents);
    } catch (err) {
      // A skill still being written is read again next pass; the plugin's other skills go on.
      if (!(err instanceof SkillsyncError && err.kind === 'retry' && errorAction(err).abortPass === false)) throw err;
      ctx.log.warn(err.message, { plugin: m.id, skill: name, code: err.code });
      unreadable.set(name, err.message);
      continue;
    }
    const commit = recordObservation(txn, m, name, decl.path, snap.tree, prev);
    if (commit) caches.rememberObservation(m.id, name, commit, snap.tree);
    (observed.trees as Map<string, string>).set(name, snap.tree);
    // Only a policy fast-forward publishes unreviewed: check those trees up front.
    const b = state.bindings.get(name);
    if (policy && b && b.acceptedTree !== snap.tree && !checkPublishable(ctx, name, snap.tree, readAllowances(ctx.store, readMainState(ctx).tree)).ok) (observed.refused as Set<string>).add(name);
  }
}

export interface Applied {
  /** skill → the version a policy fast-forward published */
  versions: Map<string, string>;
  /** skill → conflicts in the proposal written for it */
  conflicts: Map<string, number>;
}

/** Write a plan: main first (one commit), then the proposals on top of it. */
export function applySyncPlan(txn: Txn, plan: SyncPlan): Applied {
  const { ctx } = txn;
  const applied: Applied = { versions: new Map(), conflicts: new Map() };
  for (const d of plan.drops) txn.setRef(d.ref, null, d.tip);
  if (plan.publish.length) {
    const published = publishVersions(
      txn,
      plan.publish.map((p) => ({ skill: p.skill, tree: p.tree, mode: p.mode, plugin: plan.plugin, pluginVersion: plan.pluginVersion, upstreamTree: p.upstreamTree, baseTree: p.baseTree, binding: p.binding })),
      {
        subject: plan.publish.length > 1 ? `sync ${plan.plugin} ${plan.pluginVersion}: ${plan.publish.length} skills` : undefined,
        body: plan.publish.some((p) => p.mode === 'fast_forward') ? 'Fast-forward updates applied by policy (autoApplyFastForward).' : '',
      },
    );
    for (const v of published) if (v.version) applied.versions.set(v.skill, v.version);
  }
  if (plan.proposals.length) {
    const parentTree = txn.editor.write();
    const parent = txn.head!;
    for (const p of plan.proposals) {
      let mergedTree: string | null = p.upstreamTree;
      let conflicts: { path: string; kind: string }[] = [];
      if (p.mode === 'three_way') ({ tree: mergedTree, conflicts } = mergeSkill(ctx, p.baseTree!, p.localTree!, p.upstreamTree!));
      else if (p.mode === 'removal') mergedTree = null;
      const report = mergedTree ? safetyOf(ctx, mergedTree) : null;
      writeProposal(
        txn,
        {
          plugin: plan.plugin,
          pluginVersion: plan.pluginVersion,
          skill: p.skill,
          mode: p.mode,
          baseTree: p.baseTree,
          localTree: p.localTree,
          upstreamTree: p.upstreamTree,
          mergedTree,
          binding: p.mode === 'removal' ? null : { skill: p.skill, plugin: plan.plugin, path: p.path, acceptedTree: p.upstreamTree!, status: 'synced' },
          conflicts,
          safety: report ? formatSafetyTrailer(report) : 'none',
          safetyDetails: report ? report.findings.slice(0, 20).map((f) => `${f.severity} ${describeFinding(f)}`) : [],
          predictedVersion: predictVersion(txn, p.skill),
          parent,
          parentTree,
        },
        p.replaces,
      );
      applied.conflicts.set(p.skill, conflicts.length);
    }
  }
  if (plan.recordPluginVersion) {
    const rec = txn.state.plugins.get(plan.plugin)!;
    txn.setPlugin({ ...rec, version: plan.pluginVersion });
    txn.commit(`plugin ${plan.plugin} is now at ${plan.pluginVersion}`, '', [['Plugin', plan.plugin], ['Plugin-Version', plan.pluginVersion], ['Workspace-Change', 'plugin_version']]);
  }
  return applied;
}
