import type { SafetyReport } from './types.js';
import { severityRank } from './types.js';

/** The trailer value never grows past this many characters. */
export const SAFETY_TRAILER_MAX = 200;
/** Lines listed per rule and file before ",+N". */
const LINES_PER_ENTRY = 3;

/** File names are untrusted: keep the trailer one clean line ('?' for control, bidi and invisible characters and ';'). */
function cleanPath(p: string): string {
  // eslint-disable-next-line no-control-regex
  return p.replace(/[\u0000-\u001f\u007f-\u00a0;\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udfff]/g, '?');
}

/**
 * Value for the commit trailer `Safety:`: 'none', or entries
 * `<severity>[(allowed)]:<rule>@<path>[:<line>[,<line>…]]` joined by '; ', most severe first,
 * findings of one rule in one file grouped (`medium:invisible-unicode@SKILL.md:3,7,9,+4`),
 * cut to SAFETY_TRAILER_MAX characters with a final `+N more` (N findings not shown).
 */
export function formatSafetyTrailer(report: SafetyReport): string {
  const findings = [...report.findings].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || (a.line ?? 0) - (b.line ?? 0),
  );
  if (findings.length === 0) return 'none';

  const groups = new Map<string, { head: string; lines: number[]; count: number }>();
  for (const f of findings) {
    const head = `${f.severity}${f.allowed ? '(allowed)' : ''}:${f.rule}@${cleanPath(f.path)}`;
    const g = groups.get(head);
    if (g) {
      g.count++;
      if (f.line !== undefined) g.lines.push(f.line);
    } else groups.set(head, { head, lines: f.line !== undefined ? [f.line] : [], count: 1 });
  }

  const entries = [...groups.values()].map((g) => {
    let s = g.head;
    if (g.lines.length > 0) {
      s += `:${g.lines.slice(0, LINES_PER_ENTRY).join(',')}`;
      if (g.lines.length > LINES_PER_ENTRY) s += `,+${g.lines.length - LINES_PER_ENTRY}`;
    }
    return { s, count: g.count };
  });

  let out = '';
  let shown = 0;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    const remainingAfter = findings.length - shown - e.count;
    const tail = remainingAfter > 0 ? `; +${remainingAfter} more` : '';
    const next = out ? `${out}; ${e.s}` : e.s;
    if (next.length + tail.length <= SAFETY_TRAILER_MAX) {
      out = next;
      shown += e.count;
      continue;
    }
    if (!out) {
      // Even the first entry does not fit: cut it.
      const more = findings.length - e.count > 0 ? `; +${findings.length - e.count} more` : '';
      return `${e.s.slice(0, SAFETY_TRAILER_MAX - more.length - 3)}...${more}`;
    }
    break;
  }
  const rest = findings.length - shown;
  return rest > 0 ? `${out}; +${rest} more` : out;
}
