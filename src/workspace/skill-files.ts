// Reading a stored skill tree back as files (for the safety check and merges).
import { flattenTree } from '../git/tree-editor.js';
import type { Ctx } from './context.js';
import { checkSafety, type SafetyFinding, type SafetyReport } from '../core/safety/index.js';
import { readAllowances } from './allowances.js';
import { readMainState } from './state.js';
import { displayName } from '../core/names.js';

export function skillFiles(ctx: Ctx, tree: string): { path: string; content: Buffer; mode: number }[] {
  const out: { path: string; content: Buffer; mode: number }[] = [];
  for (const [path, e] of flattenTree(ctx.store, tree)) {
    out.push({ path, content: ctx.store.readBlob(e.oid), mode: e.mode === '100755' ? 0o100755 : 0o100644 });
  }
  return out;
}

/** The safety report publishing uses: config and recorded allowances (main's) applied. */
export function safetyOf(ctx: Ctx, tree: string, skill?: string): SafetyReport {
  return checkSafety(skillFiles(ctx, tree), ctx.config.safety, { skill, tree, allowances: readAllowances(ctx.store, readMainState(ctx).tree) });
}

/** One finding for a message or commit body; the path is untrusted, so it is made printable. */
export function describeFinding(f: SafetyFinding, withMessage = true): string {
  const path = /^[\x20-\x7e]*$/.test(f.path) ? f.path : displayName(f.path);
  return `${f.rule} in ${path}${f.line ? ':' + f.line : ''}${withMessage ? ` (${f.message})` : ''}${f.allowed ? ' [allowed]' : ''}`;
}
