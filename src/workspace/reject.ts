// reject <plugin>/<skill>: drop the proposal; that exact upstream tree is remembered
// (refs/rejected/<plugin>/<skill> keeps the rejected proposal commit) and not proposed
// again; a newer upstream tree is.
import { SkillsyncError } from '../core/errors.js';
import { readRef } from '../git/refs.js';
import { parseTrailers } from '../git/commit.js';
import type { Ctx } from './context.js';
import { mutate } from './mutate.js';
import { readProposal } from './proposals.js';

export function rejectedRef(plugin: string, skill: string): string {
  return `refs/rejected/${plugin}/${skill}`;
}

/** The upstream tree last rejected ('removal' for a rejected removal), or null. */
export function rejectedUpstream(ctx: Ctx, plugin: string, skill: string): string | null {
  const oid = readRef(ctx.refs, rejectedRef(plugin, skill));
  if (!oid) return null;
  const t = parseTrailers(ctx.store.readCommit(oid).message);
  return t['Merge-Mode'] === 'removal' ? 'removal' : (t['Upstream-Tree'] ?? null);
}

export function parseProposalId(id: string): { plugin: string; skill: string } {
  const parts = id.replace(/^proposals\//, '').split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new SkillsyncError('EPROPOSAL_ID', `'${id}' is not a proposal id; use <plugin>/<skill> as listed by 'skillsync proposals'`, { id });
  }
  return { plugin: parts[0], skill: parts[1] };
}

export function rejectProposal(ctx: Ctx, id: string): { id: string; upstreamTree: string | null } {
  const { plugin, skill } = parseProposalId(id);
  return mutate(ctx, `reject ${id}`, (_state, txn) => {
    const p = readProposal(ctx, plugin, skill);
    if (!p) throw new SkillsyncError('ENO_PROPOSAL', `no open proposal ${plugin}/${skill}; see 'skillsync proposals'`, { id });
    txn.setRef(rejectedRef(plugin, skill), p.generated, undefined);
    txn.setRef(p.ref, null, p.tip);
    return { id: p.id, upstreamTree: p.upstreamTree };
  });
}
