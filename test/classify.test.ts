import { describe, expect, it } from 'vitest';
import { classify, planSkillUpdate, type PlanInput } from '../src/core/classify.js';

describe('classify (seed semantics on tree oids)', () => {
  const cases: [string, string, string, string][] = [
    // base, local, upstream, expected
    ['A', 'A', 'A', 'unchanged'],
    ['A', 'L', 'A', 'unchanged'], // local edit, upstream quiet
    ['A', 'U', 'U', 'already_applied'],
    ['A', 'A', 'U', 'fast_forward'],
    ['A', 'L', 'U', 'three_way'],
  ];
  for (const [b, l, u, want] of cases) it(`${b}/${l}/${u} → ${want}`, () => expect(classify(b, l, u)).toBe(want));
});

describe('planSkillUpdate', () => {
  const base: PlanInput = { classification: 'three_way', upstream: 'U2', local: 'L', proposal: null, rejectedUpstream: null, autoApplyFastForward: false };
  const prop = (over: object) => ({ upstreamTree: 'U1', localTree: 'L', edited: false, merged: false, ...over });
  const table: [string, Partial<PlanInput>, string][] = [
    ['new update proposes', {}, 'propose'],
    ['untouched older proposal is superseded', { proposal: prop({}) }, 'propose'],
    ['same proposal is kept', { proposal: prop({ upstreamTree: 'U2' }) }, 'keep'],
    ['local moved: regenerate untouched proposal', { proposal: prop({ upstreamTree: 'U2', localTree: 'L0' }) }, 'propose'],
    ['edited proposal is never overwritten: stale', { proposal: prop({ edited: true }) }, 'wait_stale'],
    ['edited proposal for the same upstream is kept', { proposal: prop({ edited: true, upstreamTree: 'U2', localTree: 'L0' }) }, 'keep'],
    ['rejected upstream tree is not proposed again', { rejectedUpstream: 'U2' }, 'skip_rejected'],
    ['a newer tree than the rejected one is proposed', { rejectedUpstream: 'U1' }, 'propose'],
    ['fast-forward with policy is applied', { classification: 'fast_forward', autoApplyFastForward: true }, 'auto_apply'],
    ['fast-forward without policy is proposed', { classification: 'fast_forward' }, 'propose'],
    ['already applied is accepted silently', { classification: 'already_applied' }, 'accept_silently'],
    ['unchanged drops an untouched proposal', { classification: 'unchanged', proposal: prop({}) }, 'drop_proposal'],
    ['unchanged keeps an edited proposal', { classification: 'unchanged', proposal: prop({ edited: true }) }, 'none'],
    ['merged proposal is dropped', { proposal: prop({ merged: true }) }, 'drop_proposal'],
    ['unchanged, nothing pending', { classification: 'unchanged' }, 'none'],
  ];
  for (const [name, over, want] of table) it(name, () => expect(planSkillUpdate({ ...base, ...over }).kind).toBe(want));
});
