// Running a change: take the workspace lock, finish what a killed process left, build
// the transaction from the current main, apply it; rebuild when main moved meanwhile
// (a `git push` to the workspace between our read and our compare-and-swap).
import { SkillsyncError } from '../core/errors.js';
import type { Ctx } from './context.js';
import { readMainState, saveMainState, type MainState } from './state.js';
import { Txn, applyTxn, packRefsIfPending, recoverJournal, refreshLive } from './txn.js';
import { removeStaleTemps } from './cleanup.js';
import { assertMainOpen } from './main-gate.js';
import { captureEdits } from '../targets/capture.js';

export async function withLock<T>(ctx: Ctx, command: string, fn: () => T | Promise<T>, timeoutMs?: number): Promise<T> {
  if (ctx.dryRun) return fn(); // reads only: no lock file, no recovery, no live view refresh
  await ctx.lock.acquire(command, timeoutMs ?? ctx.config.lockTimeoutSeconds * 1000);
  try {
    recoverJournal(ctx);
    removeStaleTemps(ctx);
    // Edits made in copy-mode targets become versions before anything can overwrite them.
    captureEdits(ctx);
    const r = await fn();
    packRefsIfPending(ctx);
    return r;
  } finally {
    // Whatever happened (even a command that changed nothing, after a killed one),
    // leave the live view matching main. Cheap when it already does.
    try {
      refreshLive(ctx);
      saveMainState(ctx); // after refreshLive: its check of the skills tree is recorded too
    } finally {
      ctx.lock.release(); // a live view that cannot be written (ENOSPC) must not leave a live daemon holding the lock
    }
  }
}

export function mutate<T>(ctx: Ctx, command: string, build: (state: MainState, txn: Txn) => T): T {
  for (let attempt = 1; ; attempt++) {
    assertMainOpen(ctx); // nothing is built on a main that failed the checks
    const state = readMainState(ctx);
    const txn = new Txn(ctx, state);
    const result = ctx.store.batch(() => build(state, txn));
    if (ctx.dryRun) return result; // the plan only: nothing is applied
    try {
      applyTxn(ctx, txn, command);
      return result;
    } catch (err) {
      if (err instanceof SkillsyncError && err.code === 'EREF_CHANGED' && attempt < 5) {
        ctx.log.info(`main moved while '${command}' ran; rebuilding on the new main`);
        continue;
      }
      throw err;
    }
  }
}
