// Pure update rules: how an upstream change relates to the published skill, and what
// a sync pass does about it. No I/O; table-driven tests in test/classify.test.ts.

export type Classification = 'unchanged' | 'already_applied' | 'fast_forward' | 'three_way';

/** The four-way classification of an upstream change, on git tree oids. */
export function classify(base: string, local: string, upstream: string): Classification {
  if (upstream === base) return 'unchanged';
  if (local === upstream) return 'already_applied';
  if (local === base) return 'fast_forward';
  return 'three_way';
}

export interface ExistingProposal {
  upstreamTree: string | null;
  localTree: string | null;
  /** Someone committed on the branch. */
  edited: boolean;
  /** The branch is already part of main (merged with git). */
  merged: boolean;
}

export type SkillAction =
  | { kind: 'none' }
  | { kind: 'accept_silently' } // already_applied: move the binding, no new version
  | { kind: 'auto_apply' } // fast_forward published without review (policy)
  | { kind: 'propose'; replaces: boolean } // new proposal (replacing an untouched one)
  | { kind: 'keep' } // the open proposal already is this update
  | { kind: 'wait_stale' } // an edited proposal is in the way: the newer update waits
  | { kind: 'skip_rejected' } // this exact upstream tree was rejected
  | { kind: 'drop_proposal' }; // the proposal no longer applies (upstream went back, or merged)

export interface PlanInput {
  classification: Classification;
  upstream: string;
  local: string;
  proposal: ExistingProposal | null;
  rejectedUpstream: string | null;
  autoApplyFastForward: boolean;
}

export function planSkillUpdate(i: PlanInput): SkillAction {
  const p = i.proposal;
  if (p?.merged) return { kind: 'drop_proposal' };
  if (i.classification === 'unchanged' || i.classification === 'already_applied') {
    const drop = p && !p.edited;
    if (i.classification === 'already_applied') return { kind: 'accept_silently' };
    return drop ? { kind: 'drop_proposal' } : { kind: 'none' };
  }
  if (p && p.upstreamTree === i.upstream && p.localTree === i.local) return { kind: 'keep' };
  if (p?.edited) return p.upstreamTree === i.upstream ? { kind: 'keep' } : { kind: 'wait_stale' };
  if (i.rejectedUpstream === i.upstream) return p ? { kind: 'drop_proposal' } : { kind: 'skip_rejected' };
  if (i.classification === 'fast_forward' && i.autoApplyFastForward) return { kind: 'auto_apply' };
  return { kind: 'propose', replaces: p !== null };
}
