// Reading a stored skill tree back as files (for the safety check and merges).
import { flattenTree } from '../git/tree-editor.js';
import type { Ctx } from './context.js';
import { checkSkill, type SafetyFinding, type SafetyReport } from '../core/safety/index.js';
import { displayName } from '../core/names.js';

export function skillFiles(ctx: Ctx, tree: string): { path: string; content: Buffer; mode: number }[] {
  const out: { path: string; content: Buffer; mode: number }[] = [];
  for (const [path, e] of flattenTree(ctx.store, tree)) {
    out.push({ path, content: ctx.store.readBlob(e.oid), mode: e.mode === '100755' ? 0o100755 : 0o100644 });
  }
  return out;
}

export function safetyOf(ctx: Ctx, tree: string): SafetyReport {
  return checkSkill(skillFiles(ctx, tree), ctx.config.safety);
}

/** One finding for a message or commit body; the path is untrusted, so it is made printable. */
export function describeFinding(f: SafetyFinding, withMessage = true): string {
  const path = /^[\x20-\x7e]*$/.test(f.path) ? f.path : displayName(f.path);
  return `${f.rule} in ${path}${f.line ? ':' + f.line : ''}${withMessage ? ` (${f.message})` : ''}`;
}
