// Reading a stored skill tree back as files (for the safety check and merges).
import { flattenTree } from '../git/tree-editor.js';
import type { Ctx } from './context.js';
import { checkSkill, type SafetyReport } from '../core/safety/index.js';

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
