// A change to the workspace: new commits on main plus ref updates (tags, upstream
// observations, proposal branches). Objects are written first (by the caller's
// store.batch), then a journal, then main moves with one compare-and-swap (the commit
// point), then the other refs. A crash after the commit point is completed from the
// journal by the next command; a crash before it leaves main and every ref as they were.
import { readFileSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '../git/fsutil.js';
import { assertRefsCreatable, createPackedRefs, deleteRef, packRefs, readRef, updateRef } from '../git/refs.js';
import { TreeEditor } from '../git/tree-editor.js';
import type { Signature } from '../git/commit.js';
import { formatMessage, type TrailerKey } from '../core/trailers.js';
import { SkillsyncError, toSkillsyncError } from '../core/errors.js';
import type { Ctx } from './context.js';
import { readMainState, type MainState } from './state.js';
import { MAIN, PACKED_NAMESPACES, versionTagName, versionTagRef } from './layout.js';
import { BINDINGS_DIR, PLUGINS_DIR, SKILLS_DIR, serializeRecord, type Binding, type PluginRecord } from './records.js';
import { updateLive } from './live.js';
import { carryGood, servedTree } from './main-gate.js';
import { EMPTY_TREE } from '../git/hash.js';
import { refreshTargets } from '../targets/refresh.js';
import { readReconciled, writeReconciled } from './reconciled-marker.js';

export interface RefOp {
  name: string;
  /** null deletes the ref. */
  oid: string | null;
  /** Value the ref must have (null = must not exist); undefined = no check. */
  expected?: string | null;
}

interface Journal {
  main: { old: string | null; new: string } | null;
  ops: RefOp[];
  command: string;
  at: string;
}

export class Txn {
  readonly ops: RefOp[] = [];
  readonly editor: TreeEditor;
  head: string | null;
  /** Skills whose published tree changed, for the summary. */
  readonly touched = new Set<string>();
  /** Highest version number taken per skill by this transaction (its tags are not written yet). */
  readonly versionsTaken = new Map<string, number>();

  constructor(
    readonly ctx: Ctx,
    readonly state: MainState,
  ) {
    this.editor = new TreeEditor(ctx.store, state.tree);
    this.head = state.commit;
  }

  signature(): Signature {
    return { name: this.ctx.identity.name, email: this.ctx.identity.email, timestamp: this.ctx.now(), tzOffset: 0 };
  }

  setSkill(skill: string, tree: string | null): void {
    if (tree) this.editor.set(`${SKILLS_DIR}/${skill}`, '40000', tree);
    else this.editor.remove(`${SKILLS_DIR}/${skill}`);
    this.touched.add(skill);
  }

  skillTree(skill: string): string | null {
    return this.editor.get(`${SKILLS_DIR}/${skill}`)?.oid ?? null;
  }

  setBinding(skill: string, b: Binding | null): void {
    const path = `${BINDINGS_DIR}/${skill}.json`;
    if (b) this.editor.set(path, '100644', this.ctx.store.writeBlob(serializeRecord(b)));
    else this.editor.remove(path);
  }

  setPlugin(rec: PluginRecord): void {
    this.editor.set(`${PLUGINS_DIR}/${rec.id}.json`, '100644', this.ctx.store.writeBlob(serializeRecord(rec)));
  }

  /** A commit that publishes no version (flags, adoption); versions go through publishVersions. */
  commit(subject: string, body: string, trailers: [TrailerKey, string | null | undefined][]): string {
    return this.commitMessage(formatMessage(subject, body, trailers));
  }

  /** Commit the current tree on top of head with a formatted message. Returns the commit oid. */
  commitMessage(message: string, extraParents: string[] = []): string {
    const tree = this.editor.write();
    const sig = this.signature();
    const parents = [...(this.head ? [this.head] : []), ...extraParents];
    this.head = this.ctx.store.writeCommit({ tree, parents, author: sig, committer: sig, message });
    return this.head;
  }

  /** An annotated tag for a skill version. */
  tag(skill: string, version: string, commit: string, message: string): void {
    const oid = this.ctx.store.writeTag({ object: commit, type: 'commit', tag: versionTagName(skill, version), tagger: this.signature(), message });
    this.ops.push({ name: versionTagRef(skill, version), oid, expected: null });
  }

  setRef(name: string, oid: string | null, expected?: string | null): void {
    this.ops.push({ name, oid, expected });
  }

  get movesMain(): boolean {
    return this.head !== this.state.commit;
  }
}

function applyOp(ctx: Ctx, op: RefOp, replay: boolean): void {
  const gd = ctx.refs;
  try {
    if (op.oid === null) {
      // On replay the delete may already have happened; otherwise keep the
      // compare-and-swap, so a branch someone pushed to meanwhile is left alone.
      if (replay && readRef(gd, op.name) === null) return;
      deleteRef(gd, op.name, op.expected);
    } else {
      if (replay && readRef(gd, op.name) === op.oid) return;
      updateRef(gd, op.name, op.oid, op.expected);
    }
  } catch (err) {
    if (err instanceof SkillsyncError && err.code === 'EREF_CHANGED') {
      ctx.log.warn(`${op.name} was changed by someone else meanwhile; left as it is`, { ref: op.name });
      return;
    }
    // A replayed op that can never succeed (a name too long, a clashing ref) is reported once and skipped.
    const e = toSkillsyncError(err);
    if (replay && e.kind !== 'retry') {
      ctx.log.warn(`could not complete ${op.name} from the interrupted command: ${e.message}; skipped`, { ref: op.name, code: e.code });
      return;
    }
    throw err;
  }
}

function isAncestor(ctx: Ctx, ancestor: string, tip: string, limit = 2000): boolean {
  const seen = new Set<string>();
  const queue = [tip];
  while (queue.length && seen.size < limit) {
    const c = queue.shift()!;
    if (c === ancestor) return true;
    if (seen.has(c)) continue;
    seen.add(c);
    try {
      queue.push(...ctx.store.readCommit(c).parents);
    } catch {
      /* missing objects: not an ancestor we can prove */
    }
  }
  return false;
}

/** Apply a built transaction. Throws EREF_CHANGED (kind retry) when main moved meanwhile. */
export function applyTxn(ctx: Ctx, txn: Txn, command: string): void {
  const main = txn.movesMain ? { old: txn.state.commit, new: txn.head! } : null;
  if (!main && txn.ops.length === 0) return;
  const journal: Journal = { main, ops: txn.ops, command, at: new Date().toISOString() };
  const useJournal = main !== null || txn.ops.length > 1;
  if (useJournal) writeFileAtomic(ctx.paths.journal, JSON.stringify(journal)); // atomic rename; no fsync, as git's refs
  try {
    // Refs that could not be created must fail here, before the commit point.
    assertRefsCreatable(ctx.refs, txn.ops);
    if (main) updateRef(ctx.refs, MAIN, main.new, main.old);
  } catch (err) {
    rmSync(ctx.paths.journal, { force: true });
    throw err;
  }
  // Our own commits keep versions and tags consistent: carry the marker forward.
  if (main && readReconciled(ctx) === main.old) writeReconciled(ctx, main.new);
  if (main) carryGood(ctx, main.old, main.new); // our publish path checked what it committed
  // Many new refs (an enable's tags and observations) go straight into packed-refs.
  const creations = txn.ops.filter((op) => op.expected === null && op.oid !== null);
  let rest = txn.ops;
  if (creations.length >= 32) {
    try {
      createPackedRefs(ctx.refs, new Map(creations.map((op) => [op.name, op.oid!])));
      rest = txn.ops.filter((op) => !creations.includes(op));
    } catch (err) {
      ctx.log.debug(`bulk ref creation fell back to loose refs: ${(err as Error).message}`);
    }
  }
  for (const op of rest) applyOp(ctx, op, false);
  if (useJournal) rmSync(ctx.paths.journal, { force: true });
  if (rest.length >= 32) ctx.packRefsPending = true;
  if (main) refreshLive(ctx);
}

export function refreshLive(ctx: Ctx): void {
  try {
    updateLive(ctx, servedTree(ctx) ?? EMPTY_TREE); // the last good commit while main is blocked
  } catch (err) {
    ctx.log.warn(`live view not updated: ${(err as Error).message}; the next pass retries`);
  }
  // The folders agents read follow the live view (each target isolates its own errors).
  refreshTargets(ctx);
}

/** Complete or discard what a killed process left in the journal. Call with the lock held. */
export function recoverJournal(ctx: Ctx): boolean {
  let journal: Journal;
  try {
    journal = JSON.parse(readFileSync(ctx.paths.journal, 'utf8')) as Journal;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    ctx.log.warn('discarding an unreadable journal left by an interrupted command');
    rmSync(ctx.paths.journal, { force: true });
    return false;
  }
  let replay = true;
  if (journal.main) {
    const cur = readRef(ctx.refs, MAIN);
    replay = cur === journal.main.new || (cur !== journal.main.old && cur !== null && isAncestor(ctx, journal.main.new, cur));
  }
  if (replay) {
    ctx.log.warn(`completing '${journal.command}' interrupted at ${journal.at}`, { refs: journal.ops.length });
    for (const op of journal.ops) applyOp(ctx, op, true);
  } else {
    ctx.log.warn(`'${journal.command}' was interrupted before it changed main (${journal.at}); nothing to complete`);
  }
  rmSync(ctx.paths.journal, { force: true });
  refreshLive(ctx);
  return replay;
}

/** Move loose tags and observations into packed-refs, so passes read one file. */
export function packRefsIfPending(ctx: Ctx): void {
  if (!ctx.packRefsPending) return;
  ctx.packRefsPending = false;
  try {
    packRefs(ctx.refs, PACKED_NAMESPACES);
  } catch (err) {
    ctx.log.debug(`pack-refs skipped: ${(err as Error).message}`);
  }
}
