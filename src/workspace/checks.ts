// The checks every tree passes before it is published as a skill version, whatever
// the route (enable, sync, accept, publish, rollback): no unresolved conflict markers
// in a text file, and the safety policy. One function, so no route can skip one.
import { isBinary } from '../core/merge/text.js';
import type { SafetyReport, Severity } from '../core/safety/index.js';
import { flattenTree } from '../git/tree-editor.js';
import type { Ctx } from './context.js';
import { describeFinding, safetyOf } from './skill-files.js';

export interface Problem {
  rule: string;
  path: string;
  message: string;
  severity: Severity;
}

export interface CheckResult {
  ok: boolean;
  /** Problems that block publishing. */
  problems: Problem[];
  /** The full safety report (non-blocking findings go into the Safety trailer). */
  safety: SafetyReport;
}

/** Lines that still look like unresolved conflict markers. */
export function hasConflictMarkers(text: string): boolean {
  return /^<{7}( |$)/m.test(text) && /^={7}$/m.test(text.replace(/\r$/gm, '')) && /^>{7}( |$)/m.test(text);
}

/** Paths of text files in `tree` that still hold conflict markers. */
export function filesWithConflictMarkers(ctx: Ctx, tree: string): string[] {
  const marked: string[] = [];
  for (const [path, e] of flattenTree(ctx.store, tree)) {
    const buf = ctx.store.readBlob(e.oid);
    if (!isBinary(buf) && hasConflictMarkers(buf.toString('utf8'))) marked.push(path);
  }
  return marked;
}

export function checkPublishable(ctx: Ctx, _skill: string, tree: string): CheckResult {
  const problems: Problem[] = [];
  for (const path of filesWithConflictMarkers(ctx, tree)) {
    problems.push({ rule: 'conflict-markers', path, message: 'unresolved conflict markers', severity: 'critical' });
  }
  const safety = safetyOf(ctx, tree);
  for (const f of safety.findings) {
    if (ctx.config.safety.block.includes(f.severity)) problems.push({ rule: f.rule, path: f.path, message: describeFinding(f), severity: f.severity });
  }
  return { ok: problems.length === 0, problems, safety };
}
