// The sync planner: what one pass does for one plugin, decided from values only (what
// the source holds now, main's records, the proposal and rejected refs, the policy).
// No I/O, so every row is a table test (test/sync-plan.test.ts); applySyncPlan does
// the writing.
import { classify, planSkillUpdate, type Classification } from '../classify.js';
import type { ProposalMode } from '../trailers.js';
import { bindingsOf, caseIndex, ownershipConflict } from './ownership.js';

/** git's empty tree: the local tree of a bound skill that is missing from main. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export interface Origin {
  /** The source it was discovered in (display form) and its folder inside that source. */
  source: string;
  path: string;
}

export interface PlanBinding {
  skill: string;
  plugin: string;
  path: string;
  acceptedTree: string;
  status: 'synced' | 'disabled';
}

export interface PlanState {
  plugin: { id: string; version: string; source: string; path: string; adoptedSkills: string[] };
  /** skill name → published tree (all of main) */
  skills: ReadonlyMap<string, string>;
  /** skill name → binding (all of main) */
  bindings: ReadonlyMap<string, PlanBinding>;
  /** The case index of skills and bindings, when the caller keeps one (see ownership.ts). */
  caseIndex?: ReadonlyMap<string, string>;
  /** The bindings by plugin, when the caller keeps that index (see ownership.ts). */
  byPlugin?: ReadonlyMap<string, readonly PlanBinding[]>;
}

export interface PlanProposal {
  id: string;
  ref: string;
  tip: string;
  mergeMode: ProposalMode;
  upstreamTree: string | null;
  localTree: string | null;
  /** Someone committed on the branch. */
  edited: boolean;
}

export interface PlanRefs {
  /** skill → open proposal of this plugin */
  proposals: ReadonlyMap<string, PlanProposal>;
  /** skill → the upstream tree rejected last ('removal' for a rejected removal) */
  rejected: ReadonlyMap<string, string>;
}

export interface PlanPolicy {
  autoApplyFastForward: boolean;
}

export interface Observed {
  id: string;
  version: string;
  origin: Origin;
  /** Skills the plugin declares now: name → folder in the source. */
  declared: ReadonlyMap<string, string>;
  /** Upstream trees read from the source, for the skills of skillsToObserve. */
  trees: ReadonlyMap<string, string>;
  /** Observed trees the publish checks refuse (only asked where a policy might publish them). */
  refused: ReadonlySet<string>;
  /** Skills that could not be read this pass (still being written): skill → why; read again next pass. */
  unreadable?: ReadonlyMap<string, string>;
}

export type SkillStatus = Classification | 'added' | 'removed' | 'error';
export type SkillAction =
  | 'none'
  | 'accept_silently'
  | 'auto_apply'
  | 'proposal_opened'
  | 'proposal_replaced'
  | 'proposal_dropped'
  | 'proposal_merged'
  | 'retry_next_pass'
  | 'proposal_pending'
  | 'proposal_stale'
  | 'rejected_earlier'
  | 'ownership_conflict'
  | 'origin_changed';

export interface SkillRow {
  name: string;
  classification: SkillStatus;
  action: SkillAction;
  /** The open proposal this row is about (pending, stale) or opens. */
  proposal?: string;
  error?: string;
}

/** A change to main: a silent accept (binding moves) or a policy fast-forward (new version). */
export interface PublishStep {
  skill: string;
  mode: 'already_applied' | 'fast_forward';
  tree: string;
  upstreamTree: string;
  baseTree: string;
  binding: PlanBinding;
}

export interface ProposalStep {
  skill: string;
  mode: ProposalMode;
  /** Folder in the source (the binding on the branch points there). */
  path: string;
  baseTree: string | null;
  localTree: string | null;
  upstreamTree: string | null;
  /** The tip of the untouched proposal it replaces (compare-and-swap), or null. */
  replaces: string | null;
}

export interface SyncPlan {
  plugin: string;
  pluginVersion: string;
  status: 'synced' | 'update_pending' | 'origin_changed';
  skills: SkillRow[];
  publish: PublishStep[];
  proposals: ProposalStep[];
  /** Untouched proposal branches to delete. */
  drops: { ref: string; tip: string }[];
  /** Record the plugin's new version (nothing else changed). */
  recordPluginVersion: boolean;
  originChanged?: { was: Origin; now: Origin };
}

/** A plugin whose id is now served from somewhere else is not an update: it may be a takeover. */
export function originChanged(state: PlanState, now: Origin): boolean {
  const rec = state.plugin;
  return rec.source !== '' && (rec.source !== now.source || rec.path !== now.path);
}

type Claim = { kind: 'bound'; binding: PlanBinding } | { kind: 'new' } | { kind: 'skip' } | { kind: 'conflict'; error: string };

/** Who a declared skill belongs to, by the ownership rule. */
function claimOf(state: PlanState, plugin: string, skill: string, folded: ReadonlyMap<string, string>): Claim {
  const c = ownershipConflict(state, plugin, skill, folded);
  if (c?.reason === 'case_twin') return { kind: 'conflict', error: c.message };
  if (state.plugin.adoptedSkills.includes(skill) && !c) return { kind: 'skip' };
  if (c) return state.plugin.adoptedSkills.includes(skill) && c.reason === 'local_skill' ? { kind: 'skip' } : { kind: 'conflict', error: c.message };
  const b = state.bindings.get(skill);
  if (b) return b.status === 'synced' ? { kind: 'bound', binding: b } : { kind: 'skip' };
  return { kind: 'new' };
}

/** The declared skills whose upstream tree the pass needs (read before planning). */
export function skillsToObserve(state: PlanState, observed: Pick<Observed, 'id' | 'origin' | 'declared'>): string[] {
  if (originChanged(state, observed.origin)) return [];
  const folded = caseIndex(state);
  return [...observed.declared.keys()].filter((s) => {
    const b = state.bindings.get(s);
    if (b?.plugin === observed.id && b.status === 'synced') return true;
    return claimOf(state, observed.id, s, folded).kind === 'new';
  });
}

export function planPluginSync(observed: Observed, state: PlanState, refs: PlanRefs, policy: PlanPolicy): SyncPlan {
  const id = observed.id;
  const plan: SyncPlan = { plugin: id, pluginVersion: observed.version, status: 'synced', skills: [], publish: [], proposals: [], drops: [], recordPluginVersion: false };
  const own = bindingsOf(state, id).filter((b) => b.status === 'synced');
  if (originChanged(state, observed.origin)) {
    plan.status = 'origin_changed';
    plan.originChanged = { was: { source: state.plugin.source, path: state.plugin.path }, now: observed.origin };
    plan.skills = own.map((b) => ({ name: b.skill, classification: 'unchanged', action: 'origin_changed' }));
    return plan;
  }
  const row = (r: SkillRow) => void plan.skills.push(r);
  const propose = (skill: string, mode: ProposalMode, path: string, base: string | null, local: string | null, upstream: string | null, existing: PlanProposal | undefined, classification: SkillStatus) => {
    const replaces = existing && !existing.edited ? existing.tip : null;
    plan.proposals.push({ skill, mode, path, baseTree: base, localTree: local, upstreamTree: upstream, replaces });
    row({ name: skill, classification, action: existing ? 'proposal_replaced' : 'proposal_opened', proposal: `${id}/${skill}` });
  };
  const drop = (p: PlanProposal | undefined) => {
    if (p && !p.edited) plan.drops.push({ ref: p.ref, tip: p.tip });
  };

  // Bound skills: updates and removals.
  for (const b of own) {
    const existing = refs.proposals.get(b.skill);
    const local = state.skills.get(b.skill) ?? EMPTY_TREE;
    const path = observed.declared.get(b.skill);
    if (path === undefined) {
      if (existing && (existing.mergeMode === 'removal' || existing.edited)) {
        const stale = existing.edited && existing.mergeMode !== 'removal';
        row({ name: b.skill, classification: 'removed', action: stale ? 'proposal_stale' : 'proposal_pending', proposal: existing.id });
      } else if (refs.rejected.get(b.skill) === 'removal') row({ name: b.skill, classification: 'removed', action: 'rejected_earlier' });
      else propose(b.skill, 'removal', b.path, b.acceptedTree, local, null, existing, 'removed');
      continue;
    }
    const why = observed.unreadable?.get(b.skill);
    if (why !== undefined) {
      row({ name: b.skill, classification: 'error', action: 'retry_next_pass', error: why });
      continue;
    }
    const upstream = observed.trees.get(b.skill)!;
    const cls = classify(b.acceptedTree, local, upstream);
    const merged = existing ? existing.mergeMode !== 'removal' && existing.upstreamTree === b.acceptedTree : false;
    const next = planSkillUpdate({
      classification: cls,
      upstream,
      local,
      proposal: existing ? { upstreamTree: existing.upstreamTree, localTree: existing.localTree, edited: existing.edited, merged } : null,
      rejectedUpstream: refs.rejected.get(b.skill) ?? null,
      autoApplyFastForward: policy.autoApplyFastForward,
    });
    const publish = (mode: PublishStep['mode'], tree: string) =>
      plan.publish.push({ skill: b.skill, mode, tree, upstreamTree: upstream, baseTree: b.acceptedTree, binding: { ...b, acceptedTree: upstream, path } });
    const mode: ProposalMode = cls === 'fast_forward' ? 'fast_forward' : 'three_way';
    switch (next.kind) {
      case 'accept_silently':
        publish('already_applied', local);
        drop(existing);
        row({ name: b.skill, classification: cls, action: 'accept_silently' });
        break;
      case 'auto_apply':
        if (observed.refused.has(b.skill)) {
          // Never publish unreviewed content that the checks refuse: propose it instead.
          propose(b.skill, mode, path, b.acceptedTree, local, upstream, existing, cls);
          plan.skills[plan.skills.length - 1].action = 'proposal_opened';
        } else {
          publish('fast_forward', upstream);
          drop(existing);
          row({ name: b.skill, classification: cls, action: 'auto_apply' });
        }
        break;
      case 'propose':
        propose(b.skill, mode, path, b.acceptedTree, local, upstream, existing, cls);
        break;
      case 'drop_proposal':
        if (existing) plan.drops.push({ ref: existing.ref, tip: existing.tip });
        // Merged with git: done, not dropped.
        row({ name: b.skill, classification: cls, action: merged ? 'proposal_merged' : 'proposal_dropped' });
        break;
      case 'keep':
        row({ name: b.skill, classification: cls, action: 'proposal_pending', proposal: existing?.id });
        break;
      case 'wait_stale':
        row({ name: b.skill, classification: cls, action: 'proposal_stale', proposal: existing?.id });
        break;
      case 'skip_rejected':
        row({ name: b.skill, classification: cls, action: 'rejected_earlier' });
        break;
      default:
        row({ name: b.skill, classification: cls, action: 'none' });
    }
  }

  // Skills added upstream after enable (never the adopted ones, never someone else's).
  const folded = caseIndex(state);
  for (const [skill, path] of observed.declared) {
    const claim = claimOf(state, id, skill, folded);
    if (claim.kind === 'conflict') row({ name: skill, classification: 'error', action: 'ownership_conflict', error: claim.error });
    if (claim.kind !== 'new') continue;
    const why = observed.unreadable?.get(skill);
    if (why !== undefined) {
      row({ name: skill, classification: 'error', action: 'retry_next_pass', error: why });
      continue;
    }
    const upstream = observed.trees.get(skill)!;
    const existing = refs.proposals.get(skill);
    if (existing && (existing.upstreamTree === upstream || existing.edited)) {
      const stale = existing.edited && existing.upstreamTree !== upstream;
      row({ name: skill, classification: 'added', action: stale ? 'proposal_stale' : 'proposal_pending', proposal: existing.id });
    } else if (refs.rejected.get(skill) === upstream) row({ name: skill, classification: 'added', action: 'rejected_earlier' });
    else propose(skill, 'addition', path, null, null, upstream, existing, 'added');
  }

  const pending = plan.skills.some((s) => s.proposal !== undefined);
  plan.status = pending ? 'update_pending' : 'synced';
  plan.recordPluginVersion = state.plugin.version !== observed.version && plan.publish.length + plan.proposals.length === 0 && !pending;
  return plan;
}
