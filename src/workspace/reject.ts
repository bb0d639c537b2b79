// reject <plugin>/<skill>: drop the proposal; that exact upstream tree is remembered
// (a rejected ref keeps the rejected proposal commit) and not proposed
// again; a newer upstream tree is.
import { SkillsyncError } from '../core/errors.js';
import { readRef } from '../git/refs.js';
import { parseTrailers, trailerMap } from '../core/trailers.js';
import type { Ctx } from './context.js';
import { mutate } from './mutate.js';
import { readProposal } from './proposals.js';
import { rejectedRef } from './layout.js';
import { parseProposalId } from './queries.js';

/** The upstream tree last rejected ('removal' for a rejected removal), or null. */
export function rejectedUpstream(ctx: Ctx, plugin: string, skill: string): string | null {
  const oid = readRef(ctx.refs, rejectedRef(plugin, skill));
  if (!oid) return null;
  const t = trailerMap(parseTrailers(ctx.store.readCommit(oid).message));
  return (t['Proposal-Mode'] ?? t['Merge-Mode']) === 'removal' ? 'removal' : (t['Upstream-Tree'] ?? null);
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
