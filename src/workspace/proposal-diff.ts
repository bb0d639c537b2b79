// What a proposal changes, as `git diff main...<branch>`: from the merge base of main and
// the branch tip to the tip. Files are compared by blob oid; text files get a unified diff.
import { SkillsyncError } from '../core/errors.js';
import { isBinary } from '../core/merge/text.js';
import { unifiedDiff } from '../core/unified-diff.js';
import { flattenTree } from '../git/tree-editor.js';
import type { Ctx } from './context.js';
import { readProposal, type ProposalInfo } from './proposals.js';
import { parseProposalId } from './queries.js';
import { readMainState } from './state.js';

export interface FileChange {
  path: string;
  status: 'added' | 'deleted' | 'modified' | 'mode';
  oldMode: string | null;
  newMode: string | null;
  oldOid: string | null;
  newOid: string | null;
  binary: boolean;
  added: number;
  removed: number;
  /** Unified diff lines (hunks) of a text file. */
  hunks: string[];
}

/** The nearest common ancestor (first found walking back from `b`). */
export function mergeBase(ctx: Ctx, a: string, b: string, limit = 5000): string | null {
  const seen = new Set<string>();
  const queue = [a];
  while (queue.length && seen.size < limit) {
    const c = queue.shift()!;
    if (seen.has(c)) continue;
    seen.add(c);
    queue.push(...ctx.store.readCommit(c).parents);
  }
  const q2 = [b];
  const seen2 = new Set<string>();
  while (q2.length && seen2.size < limit) {
    const c = q2.shift()!;
    if (seen.has(c)) return c;
    if (seen2.has(c)) continue;
    seen2.add(c);
    q2.push(...ctx.store.readCommit(c).parents);
  }
  return null;
}

export function openProposal(ctx: Ctx, id: string): ProposalInfo {
  const { plugin, skill } = parseProposalId(id);
  const p = readProposal(ctx, plugin, skill);
  if (!p) throw new SkillsyncError('ENO_PROPOSAL', `no open proposal ${plugin}/${skill}; see 'skillsync proposals'`, { id });
  return p;
}

export function treeChanges(ctx: Ctx, fromTree: string, toTree: string, withText = true): FileChange[] {
  const a = flattenTree(ctx.store, fromTree);
  const b = flattenTree(ctx.store, toTree);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => (Buffer.from(x) < Buffer.from(y) ? -1 : 1));
  const out: FileChange[] = [];
  for (const path of paths) {
    const x = a.get(path);
    const y = b.get(path);
    if (x && y && x.oid === y.oid && x.mode === y.mode) continue;
    const oldBuf = x && x.oid !== y?.oid ? ctx.store.readBlob(x.oid) : null;
    const newBuf = y && y.oid !== x?.oid ? ctx.store.readBlob(y.oid) : null;
    const binary = (oldBuf !== null && isBinary(oldBuf)) || (newBuf !== null && isBinary(newBuf));
    const status = !x ? 'added' : !y ? 'deleted' : x.oid === y.oid ? 'mode' : 'modified';
    const d = !binary && (oldBuf || newBuf) ? unifiedDiff(oldBuf?.toString('utf8') ?? '', newBuf?.toString('utf8') ?? '') : { lines: [], added: 0, removed: 0 };
    out.push({ path, status, oldMode: x?.mode ?? null, newMode: y?.mode ?? null, oldOid: x?.oid ?? null, newOid: y?.oid ?? null, binary, added: d.added, removed: d.removed, hunks: withText ? d.lines : [] });
  }
  return out;
}

/** The proposal's change against its merge base with main. */
export function proposalDiff(ctx: Ctx, p: ProposalInfo): { base: string; tip: string; files: FileChange[] } {
  const main = readMainState(ctx).commit;
  const base = (main ? mergeBase(ctx, main, p.tip) : null) ?? p.parent;
  if (!base) throw new SkillsyncError('ENO_MERGE_BASE', `proposal ${p.id} shares no history with main; compare it with git`, { id: p.id });
  return { base, tip: p.tip, files: treeChanges(ctx, ctx.store.readCommit(base).tree, ctx.store.readCommit(p.tip).tree) };
}
