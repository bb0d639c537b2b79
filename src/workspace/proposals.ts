// Proposal branches: refs/heads/proposals/<plugin>/<skill>, one generated commit on
// top of main with the merged skill and the binding moved to the new upstream tree.
// A branch someone has committed to is "edited" and never overwritten by skillsync.
import { listRefs, readRef } from '../git/refs.js';
import { parseTrailers, withTrailers, type Commit } from '../git/commit.js';
import { BINDINGS_DIR, SKILLS_DIR, serializeRecord, type Binding } from './records.js';
import { TreeEditor, lookupPath } from '../git/tree-editor.js';
import type { Ctx } from './context.js';
import type { Txn } from './txn.js';
import { readObservation } from './observe.js';

export type MergeMode = 'fast_forward' | 'three_way' | 'addition' | 'removal';

export interface ProposalInfo {
  id: string;
  plugin: string;
  skill: string;
  branch: string;
  ref: string;
  tip: string;
  /** The commit skillsync generated (tip when nobody committed on the branch). */
  generated: string;
  parent: string | null;
  mergeMode: MergeMode;
  conflicts: string[];
  conflictKinds: Record<string, string>;
  baseTree: string | null;
  upstreamTree: string | null;
  localTree: string | null;
  predictedVersion: string | null;
  safety: string;
  edited: boolean;
  status: 'open' | 'edited' | 'stale';
}

export function proposalRef(plugin: string, skill: string): string {
  return `refs/heads/proposals/${plugin}/${skill}`;
}

export function allTrailerValues(message: string, key: string): string[] {
  const paras = message.trimEnd().split(/\n\s*\n/);
  const last = paras[paras.length - 1] ?? '';
  const out: string[] = [];
  for (const line of last.split('\n')) if (line.startsWith(`${key}: `)) out.push(line.slice(key.length + 2));
  return out;
}

function isGenerated(ctx: Ctx, c: Commit, id: string): boolean {
  return parseTrailers(c.message)['Proposal'] === id && c.committer.email === ctx.identity.email;
}

export function readProposal(ctx: Ctx, plugin: string, skill: string, tipOid?: string | null): ProposalInfo | null {
  const ref = proposalRef(plugin, skill);
  const tip = tipOid ?? readRef(ctx.refs, ref);
  if (!tip) return null;
  const id = `${plugin}/${skill}`;
  let oid = tip;
  let commit = ctx.store.readCommit(tip);
  let steps = 0;
  while (!isGenerated(ctx, commit, id) && commit.parents.length > 0 && steps++ < 200) {
    oid = commit.parents[0];
    commit = ctx.store.readCommit(oid);
  }
  const generated = isGenerated(ctx, commit, id) ? oid : tip;
  const t = parseTrailers(commit.message);
  const conflictLines = allTrailerValues(commit.message, 'Conflict');
  const conflictKinds: Record<string, string> = {};
  const conflicts = conflictLines.map((l) => {
    const m = /^(.*) \(([a-z/]+)\)$/.exec(l);
    if (m) conflictKinds[m[1]] = m[2];
    return m ? m[1] : l;
  });
  const edited = generated !== tip;
  let status: ProposalInfo['status'] = edited ? 'edited' : 'open';
  if (edited) {
    const obs = readObservation(ctx, plugin, skill);
    if (obs.tree && t['Upstream-Tree'] && obs.tree !== t['Upstream-Tree'] && t['Merge-Mode'] !== 'removal') status = 'stale';
  }
  return {
    id,
    plugin,
    skill,
    branch: ref.slice('refs/heads/'.length),
    ref,
    tip,
    generated,
    parent: commit.parents[0] ?? null,
    mergeMode: (t['Merge-Mode'] ?? 'three_way') as MergeMode,
    conflicts,
    conflictKinds,
    baseTree: t['Base-Tree'] ?? null,
    upstreamTree: t['Upstream-Tree'] ?? null,
    localTree: t['Local-Tree'] ?? null,
    predictedVersion: t['Skill-Version'] ?? null,
    safety: t['Safety'] ?? 'none',
    edited,
    status,
  };
}

export function listProposals(ctx: Ctx): ProposalInfo[] {
  const out: ProposalInfo[] = [];
  for (const [ref, tip] of listRefs(ctx.refs, 'refs/heads/proposals/')) {
    const parts = ref.slice('refs/heads/proposals/'.length).split('/');
    if (parts.length !== 2) continue;
    try {
      const p = readProposal(ctx, parts[0], parts[1], tip);
      if (p) out.push(p);
    } catch (err) {
      ctx.log.warn(`cannot read proposal ${ref}: ${(err as Error).message}`);
    }
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Delete a proposal branch nobody has committed to. Returns false when it is edited or absent. */
export function dropProposalIfUntouched(txn: Txn, plugin: string, skill: string): boolean {
  const p = readProposal(txn.ctx, plugin, skill);
  if (!p || p.edited) return false;
  txn.setRef(p.ref, null, p.tip);
  return true;
}

export interface NewProposal {
  plugin: string;
  pluginVersion: string;
  skill: string;
  mode: MergeMode;
  baseTree: string | null;
  localTree: string | null;
  upstreamTree: string | null;
  /** The merged skill tree; null removes the skill. */
  mergedTree: string | null;
  /** The binding on the branch (moved to the new upstream tree); null drops it. */
  binding: Binding | null;
  conflicts: { path: string; kind: string }[];
  safety: string;
  safetyDetails: string[];
  predictedVersion: string;
  /** The commit the proposal builds on (main). */
  parent: string;
  parentTree: string;
}

/** Write the proposal commit and queue the branch update (compare-and-swap on `expectedTip`). */
export function writeProposal(txn: Txn, p: NewProposal, expectedTip: string | null): string {
  const { ctx } = txn;
  const ed = new TreeEditor(ctx.store, p.parentTree);
  if (p.mergedTree) ed.set(`${SKILLS_DIR}/${p.skill}`, '40000', p.mergedTree);
  else ed.remove(`${SKILLS_DIR}/${p.skill}`);
  if (p.binding) ed.set(`${BINDINGS_DIR}/${p.skill}.json`, '100644', ctx.store.writeBlob(serializeRecord(p.binding)));
  else ed.remove(`${BINDINGS_DIR}/${p.skill}.json`);
  const tree = ed.write();
  const id = `${p.plugin}/${p.skill}`;
  const what =
    p.mode === 'addition' ? 'new skill' : p.mode === 'removal' ? 'skill removed upstream' : p.mode === 'fast_forward' ? 'update (fast-forward)' : 'update (three-way merge)';
  const body: string[] = [`Plugin ${p.plugin} ${p.pluginVersion}: ${what} for ${p.skill}.`];
  if (p.conflicts.length) {
    body.push(`Conflicts to resolve on this branch before accepting:\n${p.conflicts.map((c) => `  ${c.path} (${c.kind})`).join('\n')}`);
  }
  if (p.safetyDetails.length) body.push(`Safety findings:\n${p.safetyDetails.map((s) => `  ${s}`).join('\n')}`);
  body.push(`Review with git, then: skillsync accept ${id}   (or: git merge ${proposalRef(p.plugin, p.skill).slice(11)})`);
  const trailerLines: Record<string, string | undefined> = {
    Proposal: id,
    Skill: p.skill,
    'Skill-Version': p.predictedVersion,
    Plugin: p.plugin,
    'Plugin-Version': p.pluginVersion,
    'Upstream-Tree': p.upstreamTree ?? undefined,
    'Base-Tree': p.baseTree ?? undefined,
    'Local-Tree': p.localTree ?? undefined,
    'Merge-Mode': p.mode,
    Safety: p.safety || 'none',
  };
  let message = withTrailers(`proposal: ${p.skill} ${what} from ${p.plugin} ${p.pluginVersion}\n\n${body.join('\n\n')}`, trailerLines);
  if (p.conflicts.length) message = message.trimEnd() + '\n' + p.conflicts.map((c) => `Conflict: ${c.path} (${c.kind})`).join('\n') + '\n';
  const sig = txn.signature();
  const commit = ctx.store.writeCommit({ tree, parents: [p.parent], author: sig, committer: sig, message });
  txn.setRef(proposalRef(p.plugin, p.skill), commit, expectedTip);
  return commit;
}

export { hasConflictMarkers } from '../core/merge/markers.js';

export function skillTreeAt(ctx: Ctx, commit: string, skill: string): string | null {
  const e = lookupPath(ctx.store, ctx.store.readCommit(commit).tree, `${SKILLS_DIR}/${skill}`);
  return e?.mode === '40000' ? e.oid : null;
}

export function bindingBlobAt(ctx: Ctx, commit: string, skill: string): string | null {
  return lookupPath(ctx.store, ctx.store.readCommit(commit).tree, `${BINDINGS_DIR}/${skill}.json`)?.oid ?? null;
}
