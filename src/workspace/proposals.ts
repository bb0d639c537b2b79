// Proposal branches proposals/<plugin>/<skill>: one generated commit on
// top of main with the merged skill and the binding moved to the new upstream tree.
// A branch someone has committed to is "edited" and never overwritten by skillsync.
import { listRefs, readRef } from '../git/refs.js';
import { REF_NAMESPACES, parseProposalRef, proposalBranch, proposalRef } from './layout.js';
export { proposalRef } from './layout.js';
import type { Commit } from '../git/commit.js';
import { formatConflict, formatMessage, oneLine, parseConflict, quotePath, parseTrailers, trailerMap, trailerValues, type ProposalMode, type TrailerKey } from '../core/trailers.js';
import { fileHasConflictMarkers } from '../core/merge/markers.js';
import { flattenTree } from '../git/tree-editor.js';
import { BINDINGS_DIR, SKILLS_DIR, serializeRecord, type Binding } from './records.js';
import { TreeEditor, lookupPath } from '../git/tree-editor.js';
import type { Ctx } from './context.js';
import type { Txn } from './txn.js';
import { readObservation } from './observe.js';


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
  mergeMode: ProposalMode;
  pluginVersion: string | null;
  /** Conflicts still open at the branch tip (a resolution committed on the branch removes them). */
  conflicts: string[];
  conflictKinds: Record<string, string>;
  baseTree: string | null;
  upstreamTree: string | null;
  localTree: string | null;
  safety: string;
  edited: boolean;
  status: 'open' | 'edited' | 'stale';
}

function isGenerated(ctx: Ctx, c: Commit, id: string): boolean {
  return trailerMap(parseTrailers(c.message)).Proposal === id && c.committer.email === ctx.identity.email;
}

function proposalMode(v: string | undefined): ProposalMode {
  return v === 'fast_forward' || v === 'addition' || v === 'removal' ? v : 'three_way';
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
  const list = parseTrailers(commit.message);
  const t = trailerMap(list);
  const edited = generated !== tip;
  // Conflicts as the branch tip has them: text files that still hold markers; binary and
  // delete conflicts until a person commits on the branch.
  const recorded = trailerValues(list, 'Conflict').map(parseConflict);
  const tipTree = skillTreeAt(ctx, tip, skill);
  const marked = new Set(tipTree ? filesWithConflictMarkers(ctx, tipTree) : []);
  const conflictKinds: Record<string, string> = {};
  for (const c of recorded) if (c.kind === 'content' ? marked.has(c.path) : !edited) conflictKinds[c.path] = c.kind;
  for (const path of marked) conflictKinds[path] ??= 'content';
  const conflicts = Object.keys(conflictKinds).sort();
  let status: ProposalInfo['status'] = edited ? 'edited' : 'open';
  if (edited) {
    const obs = readObservation(ctx, plugin, skill);
    if (obs.tree && t['Upstream-Tree'] && obs.tree !== t['Upstream-Tree'] && proposalMode(t['Proposal-Mode'] ?? t['Merge-Mode']) !== 'removal') status = 'stale';
  }
  return {
    id,
    plugin,
    skill,
    branch: proposalBranch(plugin, skill),
    ref,
    tip,
    generated,
    parent: commit.parents[0] ?? null,
    mergeMode: proposalMode(t['Proposal-Mode'] ?? t['Merge-Mode']),
    pluginVersion: t['Plugin-Version'] ?? null,
    conflicts,
    conflictKinds,
    baseTree: t['Base-Tree'] ?? null,
    upstreamTree: t['Upstream-Tree'] ?? null,
    localTree: t['Local-Tree'] ?? null,
    safety: t['Safety'] ?? 'none',
    edited,
    status,
  };
}

export function listProposals(ctx: Ctx): ProposalInfo[] {
  const out: ProposalInfo[] = [];
  for (const [ref, tip] of listRefs(ctx.refs, REF_NAMESPACES.proposals)) {
    const id = parseProposalRef(ref);
    if (!id) continue;
    try {
      const p = readProposal(ctx, id.plugin, id.skill, tip);
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
  mode: ProposalMode;
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
  const body: string[] = [oneLine(`Plugin ${p.plugin} ${p.pluginVersion}: ${what} for ${p.skill}; accepting it would publish ${p.skill} ${p.predictedVersion}.`)];
  if (p.conflicts.length) {
    body.push(`Conflicts to resolve on this branch before accepting:\n${p.conflicts.map((c) => `  ${quotePath(c.path)} (${c.kind})`).join('\n')}`);
  }
  if (p.safetyDetails.length) body.push(`Safety findings:\n${p.safetyDetails.map((s) => `  ${oneLine(s)}`).join('\n')}`);
  body.push(`Review with git, then: skillsync accept ${id}   (or: git merge ${proposalBranch(p.plugin, p.skill)})`);
  // Proposal-only trailers: `git log --grep 'Merge-Mode: …'` finds versions on main, never proposals.
  const trailers: [TrailerKey, string | null | undefined][] = [
    ['Proposal', id],
    ['Proposal-Mode', p.mode],
    ['Skill', p.skill],
    ['Plugin', p.plugin],
    ['Plugin-Version', p.pluginVersion],
    ['Upstream-Tree', p.upstreamTree],
    ['Base-Tree', p.baseTree],
    ['Local-Tree', p.localTree],
    ['Safety', p.safety || 'none'],
    ...p.conflicts.map((c): [TrailerKey, string] => ['Conflict', formatConflict(c.path, c.kind)]),
  ];
  const message = formatMessage(`proposal: ${p.skill} ${what} from ${p.plugin} ${p.pluginVersion}`, body.join('\n\n'), trailers);
  const sig = txn.signature();
  const commit = ctx.store.writeCommit({ tree, parents: [p.parent], author: sig, committer: sig, message });
  txn.setRef(proposalRef(p.plugin, p.skill), commit, expectedTip);
  return commit;
}

export function skillTreeAt(ctx: Ctx, commit: string, skill: string): string | null {
  const e = lookupPath(ctx.store, ctx.store.readCommit(commit).tree, `${SKILLS_DIR}/${skill}`);
  return e?.mode === '40000' ? e.oid : null;
}

export function bindingBlobAt(ctx: Ctx, commit: string, skill: string): string | null {
  return lookupPath(ctx.store, ctx.store.readCommit(commit).tree, `${BINDINGS_DIR}/${skill}.json`)?.oid ?? null;
}

/** Paths (relative to the skill) of text files in `tree` that still hold conflict markers. */
export function filesWithConflictMarkers(ctx: Ctx, tree: string): string[] {
  const marked: string[] = [];
  for (const [path, e] of flattenTree(ctx.store, tree)) {
    if (fileHasConflictMarkers(ctx.store.readBlob(e.oid))) marked.push(path);
  }
  return marked;
}
