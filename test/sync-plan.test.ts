// The sync planner, row by row (in the style of changesets' assemble-release-plan):
// values in, a plan out; no file system, no git.
import { describe, expect, it } from 'vitest';
import { planPluginSync, skillsToObserve, type Observed, type PlanBinding, type PlanProposal, type PlanState, type SyncPlan } from '../src/core/plan/sync-plan.js';
import { bindingsOf, buildPluginIndex } from '../src/core/plan/ownership.js';

const T = (c: string) => c.repeat(40); // tree oids
const BASE = T('a');
const LOCAL = T('b');
const UP = T('c');
const NEWER = T('d');
const ORIGIN = { source: '/srv/plugins', path: 'alpha' };

const bound = (skill: string, acceptedTree = BASE, plugin = 'alpha'): PlanBinding => ({ skill, plugin, path: `alpha/skills/${skill}`, acceptedTree, status: 'synced' });
const proposal = (skill: string, over: Partial<PlanProposal> = {}): PlanProposal => ({
  id: `alpha/${skill}`,
  ref: `refs/heads/proposals/alpha/${skill}`,
  tip: T('e'),
  mergeMode: 'three_way',
  upstreamTree: UP,
  localTree: LOCAL,
  edited: false,
  ...over,
});

interface Row {
  name: string;
  /** skill → published tree */
  skills?: Record<string, string>;
  bindings?: PlanBinding[];
  adopted?: string[];
  /** skill → upstream tree; a declared skill that is not listed here is not observed */
  upstream?: Record<string, string>;
  refused?: string[];
  proposals?: PlanProposal[];
  rejected?: Record<string, string>;
  auto?: boolean;
  origin?: { source: string; path: string };
  recVersion?: string;
  want: {
    skills: [string, string, string][]; // name, classification, action
    publish?: [string, string][]; // skill, mode
    proposals?: [string, string, string | null][]; // skill, mode, replaces
    drops?: string[];
    status?: SyncPlan['status'];
    recordPluginVersion?: boolean;
  };
}

/** `indexed`: the state carries its bindings by plugin, as main's state does. */
function run(r: Row, indexed = false): SyncPlan {
  const bindings = new Map((r.bindings ?? []).map((b) => [b.skill, b]));
  const state: PlanState = {
    plugin: { id: 'alpha', version: r.recVersion ?? '1.0.0', source: ORIGIN.source, path: ORIGIN.path, adoptedSkills: r.adopted ?? [] },
    skills: new Map(Object.entries(r.skills ?? {})),
    bindings,
    ...(indexed ? { byPlugin: buildPluginIndex(bindings) } : {}),
  };
  const upstream = r.upstream ?? {};
  const observed: Observed = {
    id: 'alpha',
    version: '1.0.0',
    origin: r.origin ?? ORIGIN,
    declared: new Map(Object.keys(upstream).map((s) => [s, `alpha/skills/${s}`])),
    trees: new Map(Object.entries(upstream)),
    refused: new Set(r.refused ?? []),
  };
  return planPluginSync(observed, state, { proposals: new Map((r.proposals ?? []).map((p) => [p.id.split('/')[1], p])), rejected: new Map(Object.entries(r.rejected ?? {})) }, { autoApplyFastForward: r.auto ?? false });
}

const rows: Row[] = [
  { name: 'unchanged upstream: nothing to do', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: BASE }, want: { skills: [['doc', 'unchanged', 'none']], status: 'synced' } },
  { name: 'unchanged upstream drops an untouched proposal', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: BASE }, proposals: [proposal('doc')], want: { skills: [['doc', 'unchanged', 'proposal_dropped']], drops: ['doc'] } },
  { name: 'already applied: accepted silently, binding moves', skills: { doc: UP }, bindings: [bound('doc')], upstream: { doc: UP }, want: { skills: [['doc', 'already_applied', 'accept_silently']], publish: [['doc', 'already_applied']] } },
  { name: 'already applied drops an untouched proposal', skills: { doc: UP }, bindings: [bound('doc')], upstream: { doc: UP }, proposals: [proposal('doc')], want: { skills: [['doc', 'already_applied', 'accept_silently']], publish: [['doc', 'already_applied']], drops: ['doc'] } },
  { name: 'fast-forward: proposed', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: UP }, want: { skills: [['doc', 'fast_forward', 'proposal_opened']], proposals: [['doc', 'fast_forward', null]], status: 'update_pending' } },
  { name: 'fast-forward with the policy: published', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: UP }, auto: true, want: { skills: [['doc', 'fast_forward', 'auto_apply']], publish: [['doc', 'fast_forward']], status: 'synced' } },
  { name: 'safety re-routing: a refused fast-forward becomes a proposal', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: UP }, auto: true, refused: ['doc'], want: { skills: [['doc', 'fast_forward', 'proposal_opened']], proposals: [['doc', 'fast_forward', null]], status: 'update_pending' } },
  { name: 'safety re-routing replaces an older untouched proposal in place', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: NEWER }, auto: true, refused: ['doc'], proposals: [proposal('doc', { upstreamTree: UP, localTree: BASE, mergeMode: 'fast_forward' })], want: { skills: [['doc', 'fast_forward', 'proposal_opened']], proposals: [['doc', 'fast_forward', T('e')]] } },
  { name: 'three-way: proposed', skills: { doc: LOCAL }, bindings: [bound('doc')], upstream: { doc: UP }, want: { skills: [['doc', 'three_way', 'proposal_opened']], proposals: [['doc', 'three_way', null]] } },
  { name: 'three-way, the policy does not apply', skills: { doc: LOCAL }, bindings: [bound('doc')], upstream: { doc: UP }, auto: true, want: { skills: [['doc', 'three_way', 'proposal_opened']], proposals: [['doc', 'three_way', null]] } },
  { name: 'the open proposal already is this update', skills: { doc: LOCAL }, bindings: [bound('doc')], upstream: { doc: UP }, proposals: [proposal('doc')], want: { skills: [['doc', 'three_way', 'proposal_pending']], status: 'update_pending' } },
  { name: 'supersede: a newer upstream replaces an untouched proposal', skills: { doc: LOCAL }, bindings: [bound('doc')], upstream: { doc: NEWER }, proposals: [proposal('doc')], want: { skills: [['doc', 'three_way', 'proposal_replaced']], proposals: [['doc', 'three_way', T('e')]] } },
  { name: 'stale: an edited proposal is never overwritten', skills: { doc: LOCAL }, bindings: [bound('doc')], upstream: { doc: NEWER }, proposals: [proposal('doc', { edited: true })], want: { skills: [['doc', 'three_way', 'proposal_stale']], status: 'update_pending' } },
  { name: 'an edited proposal of this very update is kept', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: UP }, proposals: [proposal('doc', { edited: true, localTree: T('f') })], want: { skills: [['doc', 'fast_forward', 'proposal_pending']] } },
  { name: 'merged with git: the binding already has its upstream tree', skills: { doc: UP }, bindings: [bound('doc', UP)], upstream: { doc: UP }, proposals: [proposal('doc')], want: { skills: [['doc', 'unchanged', 'proposal_merged']], drops: ['doc'] } },
  { name: 'rejected upstream tree: not proposed again', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: UP }, rejected: { doc: UP }, want: { skills: [['doc', 'fast_forward', 'rejected_earlier']], status: 'synced' } },
  { name: 'a newer tree after a rejection is proposed', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: NEWER }, rejected: { doc: UP }, want: { skills: [['doc', 'fast_forward', 'proposal_opened']], proposals: [['doc', 'fast_forward', null]] } },
  { name: 'removal upstream: proposed', skills: { doc: BASE }, bindings: [bound('doc')], want: { skills: [['doc', 'removed', 'proposal_opened']], proposals: [['doc', 'removal', null]] } },
  { name: 'removal already proposed: pending', skills: { doc: BASE }, bindings: [bound('doc')], proposals: [proposal('doc', { mergeMode: 'removal', upstreamTree: null })], want: { skills: [['doc', 'removed', 'proposal_pending']] } },
  { name: 'removal while an edited update proposal waits: stale', skills: { doc: BASE }, bindings: [bound('doc')], proposals: [proposal('doc', { edited: true })], want: { skills: [['doc', 'removed', 'proposal_stale']] } },
  { name: 'removal replaces an untouched update proposal', skills: { doc: BASE }, bindings: [bound('doc')], proposals: [proposal('doc')], want: { skills: [['doc', 'removed', 'proposal_replaced']], proposals: [['doc', 'removal', T('e')]] } },
  { name: 'rejected removal: not proposed again', skills: { doc: BASE }, bindings: [bound('doc')], rejected: { doc: 'removal' }, want: { skills: [['doc', 'removed', 'rejected_earlier']] } },
  { name: 'addition: proposed', upstream: { fresh: UP }, want: { skills: [['fresh', 'added', 'proposal_opened']], proposals: [['fresh', 'addition', null]] } },
  { name: 'addition already proposed: pending', upstream: { fresh: UP }, proposals: [proposal('fresh', { mergeMode: 'addition', localTree: null })], want: { skills: [['fresh', 'added', 'proposal_pending']] } },
  { name: 'addition changed again: the untouched proposal is replaced', upstream: { fresh: NEWER }, proposals: [proposal('fresh', { mergeMode: 'addition', localTree: null })], want: { skills: [['fresh', 'added', 'proposal_replaced']], proposals: [['fresh', 'addition', T('e')]] } },
  { name: 'addition changed again under an edited proposal: stale', upstream: { fresh: NEWER }, proposals: [proposal('fresh', { mergeMode: 'addition', localTree: null, edited: true })], want: { skills: [['fresh', 'added', 'proposal_stale']] } },
  { name: 'rejected addition: not proposed again', upstream: { fresh: UP }, rejected: { fresh: UP }, want: { skills: [['fresh', 'added', 'rejected_earlier']] } },
  { name: 'adopted skills are never proposed again', skills: { mine: LOCAL }, adopted: ['mine'], upstream: { mine: UP }, want: { skills: [] } },
  { name: 'ownership: bound to another plugin', skills: { doc: BASE }, bindings: [bound('doc', BASE, 'beta')], upstream: { doc: UP }, want: { skills: [['doc', 'error', 'ownership_conflict']] } },
  { name: 'ownership: a locally managed skill of that name', skills: { doc: LOCAL }, upstream: { doc: UP }, want: { skills: [['doc', 'error', 'ownership_conflict']] } },
  { name: 'ownership: a case-only twin', skills: { Doc: LOCAL }, upstream: { doc: UP }, want: { skills: [['doc', 'error', 'ownership_conflict']] } },
  { name: 'a disabled binding of this plugin is left alone', bindings: [{ ...bound('doc'), status: 'disabled' }], upstream: { doc: UP }, want: { skills: [] } },
  { name: 'the plugin version is recorded when nothing else changes', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: BASE }, recVersion: '0.9.0', want: { skills: [['doc', 'unchanged', 'none']], recordPluginVersion: true } },
  { name: 'the plugin version waits while an update is pending', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: UP }, recVersion: '0.9.0', want: { skills: [['doc', 'fast_forward', 'proposal_opened']], proposals: [['doc', 'fast_forward', null]], recordPluginVersion: false } },
  { name: 'origin changed: reported, nothing changes', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: UP }, auto: true, origin: { source: '/tmp/other', path: 'alpha' }, want: { skills: [['doc', 'unchanged', 'origin_changed']], status: 'origin_changed' } },
  { name: 'origin changed: another folder in the same source', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: UP, fresh: UP }, origin: { source: ORIGIN.source, path: 'elsewhere/alpha' }, want: { skills: [['doc', 'unchanged', 'origin_changed']], status: 'origin_changed' } },
  {
    name: 'several skills at once: one publish, proposals, drops',
    skills: { a: UP, b: BASE, c: BASE },
    bindings: [bound('a'), bound('b'), bound('c')],
    upstream: { a: UP, b: UP, c: BASE, d: NEWER },
    proposals: [proposal('c')],
    auto: true,
    want: {
      skills: [['a', 'already_applied', 'accept_silently'], ['b', 'fast_forward', 'auto_apply'], ['c', 'unchanged', 'proposal_dropped'], ['d', 'added', 'proposal_opened']],
      publish: [['a', 'already_applied'], ['b', 'fast_forward']],
      proposals: [['d', 'addition', null]],
      drops: ['c'],
      status: 'update_pending',
    },
  },
];

describe('planPluginSync', () => {
  for (const r of rows) {
    it(r.name, () => {
      const plan = run(r);
      expect(plan.skills.map((s) => [s.name, s.classification, s.action])).toEqual(r.want.skills);
      expect(plan.publish.map((p) => [p.skill, p.mode])).toEqual(r.want.publish ?? []);
      expect(plan.proposals.map((p) => [p.skill, p.mode, p.replaces])).toEqual(r.want.proposals ?? []);
      expect(plan.drops.map((d) => d.ref.split('/').pop())).toEqual(r.want.drops ?? []);
      if (r.want.status) expect(plan.status).toBe(r.want.status);
      if (r.want.recordPluginVersion !== undefined) expect(plan.recordPluginVersion).toBe(r.want.recordPluginVersion);
      if (plan.status === 'origin_changed') expect([plan.publish, plan.proposals, plan.drops]).toEqual([[], [], []]);
      expect(run(r, true)).toEqual(plan); // the per-plugin index changes nothing
    });
  }

  it("one plugin's bindings, from the index or by a scan, in the bindings' order", () => {
    const bindings = new Map([bound('z'), bound('x', BASE, 'beta'), bound('a'), bound('m', BASE, 'beta')].map((b) => [b.skill, b]));
    for (const state of [{ bindings }, { bindings, byPlugin: buildPluginIndex(bindings) }]) {
      expect(bindingsOf(state, 'alpha').map((b) => b.skill)).toEqual(['z', 'a']);
      expect(bindingsOf(state, 'beta').map((b) => b.skill)).toEqual(['x', 'm']);
      expect(bindingsOf(state, 'gamma')).toEqual([]);
    }
  });

  it('a publish moves the binding to the upstream tree and its folder', () => {
    const plan = run({ name: '', skills: { doc: BASE }, bindings: [bound('doc')], upstream: { doc: UP }, auto: true, want: { skills: [] } });
    expect(plan.publish[0]).toMatchObject({ tree: UP, upstreamTree: UP, baseTree: BASE, binding: { acceptedTree: UP, path: 'alpha/skills/doc' } });
  });
});

describe('skillsToObserve', () => {
  const state: PlanState = {
    plugin: { id: 'alpha', version: '1', source: ORIGIN.source, path: ORIGIN.path, adoptedSkills: ['mine'] },
    skills: new Map([['doc', BASE], ['mine', LOCAL], ['theirs', BASE], ['Twin', BASE]]),
    bindings: new Map([['doc', bound('doc')], ['theirs', bound('theirs', BASE, 'beta')]]),
  };
  const declared = new Map(['doc', 'mine', 'theirs', 'twin', 'fresh'].map((s) => [s, s]));
  it('reads bound and new skills only', () => expect(skillsToObserve(state, { id: 'alpha', origin: ORIGIN, declared })).toEqual(['doc', 'fresh']));
  it('reads nothing from a changed origin', () => expect(skillsToObserve(state, { id: 'alpha', origin: { source: '/x', path: '' }, declared })).toEqual([]));
});

describe('the planner is pure', () => {
  it('imports nothing from git/ or node:fs', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const dir = new URL('../src/core/plan/', import.meta.url);
    for (const f of readdirSync(dir)) {
      const text = readFileSync(new URL(f, dir), 'utf8');
      expect(text, f).not.toMatch(/from '(node:)?fs'|from '[./]*\/git\/|from '[./]*\/workspace\//);
    }
  });
});
