import { isCommandMention } from './form.js';
import { Locator, type FileKind } from './locate.js';
import { severityOf, type Context, type RuleId } from './rules.js';
import type { SafetyFinding, Severity } from './types.js';
import { severityRank } from './types.js';
import { redactSecrets } from './secrets.js';

/** At most this many findings per rule and file; the last one says how many more there were. */
export const MAX_FINDINGS_PER_RULE_PER_FILE = 20;

/**
 * What a text rule sees: the decoded text of one file and a sink for findings.
 * Findings are reported by string index; the line is computed only when something is found.
 */
export class TextContext {
  readonly text: string;
  readonly path: string;
  /** Where in the skill each index sits (decides the severity, with the rule table). */
  readonly where: Locator;
  private readonly enabled: (rule: RuleId) => boolean;
  private lineStarts: number[] | undefined;
  /** `${rule}\0${line}` → finding; one finding per rule and line, the most severe wins. */
  private readonly byRuleLine = new Map<string, SafetyFinding>();
  private readonly perRule = new Map<string, { count: number; dropped: number; last: SafetyFinding }>();

  constructor(text: string, path: string, kind: FileKind, enabled: (rule: RuleId) => boolean) {
    this.text = text;
    this.path = path;
    this.where = new Locator(text, kind);
    this.enabled = enabled;
  }

  /** 1-based line of a string index. */
  lineAt(index: number): number {
    if (!this.lineStarts) {
      const starts = [0];
      const t = this.text;
      for (let i = t.indexOf('\n'); i !== -1; i = t.indexOf('\n', i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    const s = this.lineStarts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** The text of the line around an index, from at most `before` characters earlier. */
  excerpt(index: number, before = 40, after = 120): string {
    const t = this.text;
    const start = Math.max(t.lastIndexOf('\n', index - 1) + 1, index - before);
    let end = t.indexOf('\n', index);
    if (end === -1 || end > index + after) end = Math.min(t.length, index + after);
    return t.slice(start, end);
  }

  /** Whether a shell command at the index is only quoted or mentioned (see ./form.ts). */
  isMention(index: number): boolean {
    return isCommandMention(this.text, this.where, index);
  }

  /**
   * A finding at a string index; its severity comes from the rule table for the
   * context there (strong or weak form), unless the scanner fixes it (`fixed`).
   */
  report(rule: RuleId, index: number, message: string, weak = false, fixed?: Severity): void {
    if (!this.enabled(rule)) return;
    const context: Context = this.where.contextAt(index);
    const severity = fixed ?? severityOf(rule, context, weak);
    const line = this.lineAt(index);
    const key = `${rule}\0${line}`;
    const prev = this.byRuleLine.get(key);
    if (prev) {
      if (severityRank(severity) > severityRank(prev.severity)) {
        prev.severity = severity;
        prev.message = message;
        prev.context = context;
      }
      return;
    }
    const tally = this.perRule.get(rule);
    if (tally && tally.count >= MAX_FINDINGS_PER_RULE_PER_FILE) {
      tally.dropped++;
      return;
    }
    const finding: SafetyFinding = { rule, severity, path: this.path, line, message, context };
    this.byRuleLine.set(key, finding);
    if (tally) {
      tally.count++;
      tally.last = finding;
    } else this.perRule.set(rule, { count: 1, dropped: 0, last: finding });
  }

  findings(): SafetyFinding[] {
    for (const t of this.perRule.values()) {
      if (t.dropped > 0) t.last.message += ` (+${t.dropped} more in this file)`;
    }
    return [...this.byRuleLine.values()];
  }
}

/**
 * Quote untrusted text in a message: one line, no control, bidi or invisible
 * characters, secrets redacted, at most `max` characters.
 */
export function snippet(s: string, max = 80): string {
  let out = redactSecrets(s)
    .replace(/\\\r?\n/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|\udb40[\udc00-\udfff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (out.length > max) {
    let cut = max - 3;
    const c = out.charCodeAt(cut - 1);
    if (c >= 0xd800 && c <= 0xdbff) cut--;
    out = `${out.slice(0, cut)}...`;
  }
  return out;
}
