// The targets part of `status` as text lines.
import type { TargetsStatus } from './status.js';

export function targetLines(s: TargetsStatus): string[] {
  const lines: string[] = [];
  for (const t of s.targets) {
    const head = `target     ${t.path} (${t.mode}${t.label !== t.path ? ', ' + t.label : ''}): ${t.managed} skill${t.managed === 1 ? '' : 's'}`;
    lines.push(t.error ? `${head}, error: ${t.error}` : head);
    for (const c of t.conflicts) lines.push(`  conflict ${c.skill}: ${c.reason}`);
    for (const h of t.held) lines.push(`  edit not published ${h.skill}: ${h.reason}`);
    for (const e of t.edits) lines.push(`  edit pending ${e}: captured by the next command or pass`);
    for (const w of t.warnings) lines.push(`  warning ${w}`);
  }
  for (const w of s.nameWarnings) lines.push(`warning    ${w}`);
  return lines;
}
