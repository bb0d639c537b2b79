// The ways back: unadopt (the skill is bound to its plugin again), reject --undo (that
// upstream tree may be proposed again), and the list of what was rejected.
import { SkillsyncError } from '../core/errors.js';
import { listRefs, readRef } from '../git/refs.js';
import { parseTrailers, trailerMap } from '../core/trailers.js';
import type { Ctx } from './context.js';
import { mutate } from './mutate.js';
import { findPlugin } from './discovery.js';
import { readObservation } from './observe.js';
import { parseProposalId } from './queries.js';
import { REF_NAMESPACES, rejectedRef } from './layout.js';

const REJECTED = REF_NAMESPACES.rejected;

export function unadoptSkill(ctx: Ctx, id: string, skill: string): { plugin: string; skill: string; status: 'bound' | 'disabled'; acceptedTree: string } {
  return mutate(ctx, `unadopt ${id} ${skill}`, (state, txn) => {
    const rec = state.plugins.get(id);
    if (!rec || !rec.adoptedSkills.includes(skill)) {
      const b = state.bindings.get(skill);
      const why = b?.plugin === id ? `it is bound to plugin ${id} already` : `it was not adopted from plugin ${id}`;
      throw new SkillsyncError('ENOT_ADOPTED', `cannot unadopt '${skill}': ${why}; see 'skillsync plugins'`, { plugin: id, skill });
    }
    const published = state.skills.get(skill) ?? null;
    // The accepted upstream is what the plugin has now; local edits show as `modified`.
    const upstream = readObservation(ctx, id, skill).tree ?? published;
    if (!upstream) throw new SkillsyncError('ENO_SKILL', `skill '${skill}' has neither a published version nor an upstream observation`, { plugin: id, skill });
    const decl = findPlugin(ctx, id)?.skills.find((s) => s.name === skill);
    const status = published ? ('synced' as const) : ('disabled' as const);
    txn.setBinding(skill, { skill, plugin: id, path: decl?.path ?? '', acceptedTree: upstream, status });
    txn.setPlugin({ ...rec, adoptedSkills: rec.adoptedSkills.filter((s) => s !== skill), ...(rec.adopted ? { adopted: false, enabled: published !== null, paused: false } : {}) });
    txn.commit(`${skill}: bound to plugin ${id} again`, '', [['Skill', skill], ['Plugin', id], ['Upstream-Tree', upstream], ['Workspace-Change', 'unadopt']]);
    return { plugin: id, skill, status: status === 'synced' ? ('bound' as const) : ('disabled' as const), acceptedTree: upstream };
  });
}

export function unrejectProposal(ctx: Ctx, proposalId: string): { id: string; upstreamTree: string | null } {
  const { plugin, skill } = parseProposalId(proposalId);
  return mutate(ctx, `reject --undo ${proposalId}`, (_state, txn) => {
    const ref = rejectedRef(plugin, skill);
    const oid = readRef(ctx.refs, ref);
    if (!oid) throw new SkillsyncError('ENOT_REJECTED', `nothing was rejected for ${plugin}/${skill}; see 'skillsync rejected'`, { id: proposalId });
    txn.setRef(ref, null, oid);
    return { id: `${plugin}/${skill}`, upstreamTree: trailerMap(parseTrailers(ctx.store.readCommit(oid).message))['Upstream-Tree'] ?? null };
  });
}

export interface RejectedView {
  id: string;
  plugin: string;
  skill: string;
  mergeMode: string;
  upstreamTree: string | null;
  commit: string;
  date: string;
}

export function listRejected(ctx: Ctx): RejectedView[] {
  const out: RejectedView[] = [];
  for (const [ref, oid] of listRefs(ctx.refs, REJECTED)) {
    const [plugin, skill, ...more] = ref.slice(REJECTED.length).split('/');
    if (!plugin || !skill || more.length) continue;
    const c = ctx.store.readCommit(oid);
    const t = trailerMap(parseTrailers(c.message));
    out.push({ id: `${plugin}/${skill}`, plugin, skill, mergeMode: t['Proposal-Mode'] ?? t['Merge-Mode'] ?? '', upstreamTree: t['Upstream-Tree'] ?? null, commit: oid, date: new Date(c.committer.timestamp * 1000).toISOString() });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}
