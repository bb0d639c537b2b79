// sync: one pass over enabled, unpaused plugins. A pipeline per plugin: discover →
// snapshot each skill (observation commit when it changed) → classify against the
// binding → plan → apply (silent accepts and policy fast-forwards on main, proposals
// as branches), in one transaction per plugin so one bad plugin never blocks another.
import { SkillsyncError, errorAction, toSkillsyncError, type ErrorKind } from '../core/errors.js';
import { foldedKey } from '../core/names.js';
import { caseIndex } from './enable.js';
import { classify, planSkillUpdate, type Classification } from '../core/classify.js';
import { formatSafetyTrailer } from '../core/safety/index.js';
import { mergeTrees, type FlatTree } from '../core/merge/tree.js';
import { EMPTY_TREE } from '../git/hash.js';
import { flattenTree, writeFlatTree } from '../git/tree-editor.js';
import type { TreeMode } from '../git/tree.js';
import type { PluginManifest, SkillDecl } from '../plugins/types.js';
import type { Ctx } from './context.js';
import { discover } from './discovery.js';
import { mutate } from './mutate.js';
import { readObservation, recordObservation } from './observe.js';
import { snapshotSkill } from './snapshot.js';
import { StatCaches } from './stat-cache.js';
import { describeFinding, safetyOf } from './skill-files.js';
import { nextVersion } from './versions.js';
import { proposalRef, readProposal, writeProposal, type MergeMode, type ProposalInfo } from './proposals.js';
import { RefIndex } from './ref-index.js';
import { rejectedRef, rejectedUpstream } from './reject.js';
import { reconcileVersions } from './reconcile.js';
import type { Binding } from './records.js';
import { readMainState, type MainState } from './state.js';
import type { Txn } from './txn.js';

export type SkillSyncStatus = Classification | 'added' | 'removed' | 'error';

export interface SkillSyncResult {
  name: string;
  classification: SkillSyncStatus;
  action: string;
  proposal?: string;
  version?: string;
  conflicts?: number;
  error?: string;
}

export interface PluginSyncResult {
  id: string;
  status: 'synced' | 'update_pending' | 'missing' | 'paused' | 'disabled' | 'adopted' | 'error';
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

function flat(ctx: Ctx, tree: string | null): FlatTree {
  const out: FlatTree = new Map();
  if (!tree) return out;
  for (const [p, e] of flattenTree(ctx.store, tree)) {
    if (e.mode === '100644' || e.mode === '100755') out.set(p, { mode: e.mode, oid: e.oid });
  }
  return out;
}

/** The three-way tree merge of one skill, stored; returns the merged tree and conflicts. */
export function mergeSkill(ctx: Ctx, base: string, local: string, upstream: string): { tree: string; conflicts: { path: string; kind: string }[] } {
  const res = mergeTrees(flat(ctx, base), flat(ctx, local), flat(ctx, upstream), (oid) => ctx.store.readBlob(oid), {
    labels: ['local', 'base', 'upstream'],
  });
  const files = new Map<string, { mode: TreeMode; oid: string }>();
  for (const [path, f] of res.files) files.set(path, { mode: f.mode, oid: f.oid ?? ctx.store.writeBlob(f.content!) });
  return { tree: files.size ? writeFlatTree(ctx.store, files) : EMPTY_TREE, conflicts: res.conflicts.map((c) => ({ path: c.path, kind: c.kind })) };
}

function autoApply(ctx: Ctx, plugin: string): boolean {
  const a = ctx.config.autoApplyFastForward;
  return a === true || (Array.isArray(a) && a.includes(plugin));
}

interface Pending {
  decl: SkillDecl | null;
  name: string;
  binding: Binding | null;
  mode: MergeMode;
  base: string | null;
  local: string | null;
  upstream: string | null;
  proposal: ProposalInfo | null;
  result: SkillSyncResult;
}

function syncOnePlugin(ctx: Ctx, m: PluginManifest, caches: StatCaches, refs: RefIndex, state: MainState, txn: Txn): PluginSyncResult {
  const known = { refs, caches };
  const proposalOf = (skill: string) => {
    const tip = refs.proposals.get(proposalRef(m.id, skill));
    return tip ? readProposal(ctx, m.id, skill, tip) : null;
  };
  const rejectedOf = (skill: string) => (refs.rejected.has(rejectedRef(m.id, skill)) ? rejectedUpstream(ctx, m.id, skill) : null);
  const observe = (skill: string, path: string, decl: SkillDecl) => {
    const obs = readObservation(ctx, m.id, skill, known);
    const snap = snapshotSkill(ctx, m, decl, caches, obs.tree);
    const commit = recordObservation(txn, m, skill, path, snap.tree, obs);
    if (commit) caches.rememberObservation(m.id, skill, commit, snap.tree);
    return snap;
  };
  const rec = state.plugins.get(m.id)!;
  const out: PluginSyncResult = { id: m.id, status: 'synced', skills: [] };
  const bindings = [...state.bindings.values()].filter((b) => b.plugin === m.id && b.status === 'synced');
  const declared = new Map(m.skills.map((s) => [s.name, s]));
  const proposals: Pending[] = [];
  const mainActions: Pending[] = [];

  const consider = (p: Pending, plan: ReturnType<typeof planSkillUpdate>) => {
    switch (plan.kind) {
      case 'accept_silently':
      case 'auto_apply':
        p.result.action = plan.kind;
        mainActions.push(p);
        if (p.proposal && !p.proposal.edited) txn.setRef(p.proposal.ref, null, p.proposal.tip);
        break;
      case 'propose':
        p.result.action = plan.replaces ? 'proposal_replaced' : 'proposal_opened';
        proposals.push(p);
        break;
      case 'drop_proposal':
        p.result.action = 'proposal_dropped';
        if (p.proposal) txn.setRef(p.proposal.ref, null, p.proposal.tip);
        break;
      case 'keep':
        p.result.action = 'proposal_pending';
        p.result.proposal = p.proposal?.id;
        break;
      case 'wait_stale':
        p.result.action = 'proposal_stale';
        p.result.proposal = p.proposal?.id;
        break;
      case 'skip_rejected':
        p.result.action = 'rejected_earlier';
        break;
      default:
        p.result.action = 'none';
    }
  };

  // Bound skills: updates and removals.
  for (const b of bindings) {
    const decl = declared.get(b.skill) ?? null;
    const proposal = proposalOf(b.skill);
    const local = state.skills.get(b.skill) ?? EMPTY_TREE;
    const merged = proposal ? isMerged(ctx, proposal, b) : false;
    if (!decl) {
      const p: Pending = { decl, name: b.skill, binding: b, mode: 'removal', base: b.acceptedTree, local, upstream: null, proposal, result: { name: b.skill, classification: 'removed', action: '' } };
      const rejected = rejectedOf(b.skill);
      if (proposal && (proposal.mergeMode === 'removal' || proposal.edited)) consider(p, { kind: proposal.edited && proposal.mergeMode !== 'removal' ? 'wait_stale' : 'keep' });
      else if (rejected === 'removal') consider(p, { kind: 'skip_rejected' });
      else consider(p, { kind: 'propose', replaces: proposal !== null });
      out.skills.push(p.result);
      continue;
    }
    const snap = observe(b.skill, decl.path, decl);
    const cls = classify(b.acceptedTree, local, snap.tree);
    const p: Pending = { decl, name: b.skill, binding: b, mode: cls === 'fast_forward' ? 'fast_forward' : 'three_way', base: b.acceptedTree, local, upstream: snap.tree, proposal, result: { name: b.skill, classification: cls, action: '' } };
    consider(
      p,
      planSkillUpdate({
        classification: cls,
        upstream: snap.tree,
        local,
        proposal: proposal ? { upstreamTree: proposal.upstreamTree, localTree: proposal.localTree, edited: proposal.edited, merged } : null,
        rejectedUpstream: rejectedOf(b.skill),
        autoApplyFastForward: autoApply(ctx, m.id),
      }),
    );
    if (merged && p.result.action === 'proposal_dropped') p.result.action = 'proposal_merged'; // merged with git: done, not dropped
    out.skills.push(p.result);
  }

  // Skills added upstream after enable (never the adopted ones, never someone else's).
  const folded = caseIndex(state);
  for (const decl of m.skills) {
    const twin = folded.get(foldedKey(decl.name));
    if (twin && twin !== decl.name) {
      out.skills.push({ name: decl.name, classification: 'error', action: 'ownership_conflict', error: `'${decl.name}' differs only by case from '${twin}' in the workspace` });
      continue;
    }
    if (state.bindings.has(decl.name) || rec.adoptedSkills.includes(decl.name)) {
      const other = state.bindings.get(decl.name);
      if (other && other.plugin !== m.id) out.skills.push({ name: decl.name, classification: 'error', action: 'ownership_conflict', error: `skill '${decl.name}' is bound to plugin ${other.plugin}` });
      continue;
    }
    if (state.skills.has(decl.name)) {
      out.skills.push({ name: decl.name, classification: 'error', action: 'ownership_conflict', error: `a locally managed skill '${decl.name}' already exists` });
      continue;
    }
    const snap = observe(decl.name, decl.path, decl);
    const proposal = proposalOf(decl.name);
    const p: Pending = { decl, name: decl.name, binding: null, mode: 'addition', base: null, local: null, upstream: snap.tree, proposal, result: { name: decl.name, classification: 'added', action: '' } };
    if (proposal && (proposal.upstreamTree === snap.tree || proposal.edited)) consider(p, { kind: proposal.edited && proposal.upstreamTree !== snap.tree ? 'wait_stale' : 'keep' });
    else if (rejectedOf(decl.name) === snap.tree) consider(p, { kind: 'skip_rejected' });
    else consider(p, { kind: 'propose', replaces: proposal !== null });
    out.skills.push(p.result);
  }

  // Main first (silent accepts, policy fast-forwards), then proposals on top of it.
  for (const p of mainActions) {
    const b = p.binding!;
    txn.setBinding(p.name, { ...b, acceptedTree: p.upstream!, path: p.decl?.path ?? b.path });
    if (p.result.action === 'accept_silently') {
      txn.commit(`${p.name}: upstream ${m.id} ${m.version} already applied`, '', {
        Skill: p.name,
        Plugin: m.id,
        'Plugin-Version': m.version,
        'Upstream-Tree': p.upstream!,
        'Base-Tree': p.base!,
        'Merge-Mode': 'already_applied',
      });
    } else {
      const report = safetyOf(ctx, p.upstream!);
      if (report.blocked) {
        // Never publish unreviewed content that the policy blocks: propose it instead.
        p.result.action = 'proposal_opened';
        proposals.push(p);
        txn.setBinding(p.name, b);
        continue;
      }
      const version = nextVersion(ctx, p.name);
      txn.setSkill(p.name, p.upstream!);
      const subject = `${p.name} ${version}: update from ${m.id} ${m.version} (fast_forward, applied by policy)`;
      const commit = txn.commit(subject, '', {
        Skill: p.name,
        'Skill-Version': version,
        Plugin: m.id,
        'Plugin-Version': m.version,
        'Upstream-Tree': p.upstream!,
        'Base-Tree': p.base!,
        'Merge-Mode': 'fast_forward',
        Safety: formatSafetyTrailer(report),
      });
      txn.tag(p.name, version, commit, `${subject}\n\nSkill: ${p.name}\nSkill-Version: ${version}\nMerge-Mode: fast_forward\n`);
      p.result.version = version;
    }
  }
  if (proposals.length) {
    const parentTree = txn.editor.write();
    const parent = txn.head!;
    for (const p of proposals) {
      let mergedTree: string | null = p.upstream;
      let conflicts: { path: string; kind: string }[] = [];
      if (p.mode === 'three_way') {
        const r = mergeSkill(ctx, p.base!, p.local!, p.upstream!);
        mergedTree = r.tree;
        conflicts = r.conflicts;
      } else if (p.mode === 'removal') {
        mergedTree = null;
      }
      const report = mergedTree ? safetyOf(ctx, mergedTree) : null;
      const binding: Binding | null =
        p.mode === 'removal' ? null : { skill: p.name, plugin: m.id, path: p.decl!.path, acceptedTree: p.upstream!, status: 'synced' };
      writeProposal(
        txn,
        {
          plugin: m.id,
          pluginVersion: m.version,
          skill: p.name,
          mode: p.mode,
          baseTree: p.base,
          localTree: p.local,
          upstreamTree: p.upstream,
          mergedTree,
          binding,
          conflicts,
          safety: report ? formatSafetyTrailer(report) : 'none',
          safetyDetails: report ? report.findings.slice(0, 20).map((f) => `${f.severity} ${describeFinding(f)}`) : [],
          predictedVersion: nextVersion(ctx, p.name),
          parent,
          parentTree,
        },
        p.proposal?.tip ?? null,
      );
      p.result.proposal = `${m.id}/${p.name}`;
      p.result.conflicts = conflicts.length;
    }
  }
  const pending = out.skills.some((s) => s.proposal || s.action === 'proposal_pending' || s.action === 'proposal_stale');
  out.status = pending ? 'update_pending' : 'synced';
  if (rec.version !== m.version && mainActions.length + proposals.length === 0 && !pending) {
    txn.setPlugin({ ...rec, version: m.version });
    txn.commit(`plugin ${m.id} is now at ${m.version}`, '', { Plugin: m.id, 'Plugin-Version': m.version });
  }
  return out;
}

/** A proposal someone merged into main with git: its binding is on main now. */
function isMerged(ctx: Ctx, p: ProposalInfo, b: Binding): boolean {
  if (p.mergeMode === 'removal') return false;
  return p.upstreamTree !== null && b.acceptedTree === p.upstreamTree;
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
        const skills = [...state.bindings.values()].filter((b) => b.plugin === id).map((b) => ({ name: b.skill, classification: 'unchanged' as const, action: 'source_missing' }));
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

/** One sync pass. `only` limits it to some plugins (by id); `keepDiscovery`: ctx.discovered is current (the daemon refreshed what changed). */
export function syncAll(ctx: Ctx, only?: string[], opts: { keepDiscovery?: boolean } = {}): SyncResult {
  const started = Date.now();
  if (!opts.keepDiscovery || !ctx.discovered) {
    ctx.discovered = undefined;
    discover(ctx);
  }
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
