// The safety check run before a skill version is published. Pure: bytes in,
// findings out; no I/O, nothing executed. See ./rules.ts for the rule catalogue.
//
// Per file:
//   * file-too-large: over policy.maxFileBytes (the text scan still looks at the start);
//   * executable-binary: ELF / PE / Mach-O magic, whatever the name;
//   * binary files (a NUL byte in the first 8000 bytes, git's test) are not scanned
//     as text — UTF-16 text is binary by that test;
//   * text rules look at the first TEXT_SCAN_LIMIT bytes (1 MiB), decoded as UTF-8;
//     invalid UTF-8 is scanned with U+FFFD replacements and reported low;
//   * one Aho–Corasick pass over the bytes finds the trigger words of every check
//     (./triggers.ts); pure-ASCII text without any is never decoded, and only the
//     checks whose words occur run their regexes.
// Severity overrides and disabled rules from the policy are applied at the end;
// `blocked` = a finding whose severity is in policy.block.
import { isAscii, isUtf8 } from 'node:buffer';
import { applyAllowances, type Allowance } from './allow.js';
import { executableKind } from './binary.js';
import { isBinary } from '../merge/text.js';
import { scanDestructive, scanDownloadExec } from './commands.js';
import { TextContext } from './context.js';
import { scanExfiltration } from './exfil.js';
import { scanInjection } from './injection.js';
import { fileKind, Locator } from './locate.js';
import { DEFAULT_SAFETY_POLICY } from './policy.js';
import { severityOf, type RuleId } from './rules.js';
import { scanPrivateKeys, scanSecrets } from './secrets.js';
import type { SafetyFinding, SafetyPolicy, SafetyReport, Severity, SkillFile } from './types.js';
import { severityRank } from './types.js';
import { CHECK, DESTRUCTIVE_CHECKS, DOWNLOAD_CHECKS, EXFIL_CHECKS, INJECTION_CHECKS, triggeredChecks } from './triggers.js';
import { scanUnicode } from './unicode.js';

export type { SafetyFinding, SafetyPolicy, SafetyReport, Severity, SkillFile } from './types.js';
export { SEVERITIES, severityRank } from './types.js';
export { DEFAULT_SAFETY_POLICY, DEFAULT_MAX_FILE_BYTES, parseSafetyPolicy } from './policy.js';
export { formatSafetyTrailer, SAFETY_TRAILER_MAX } from './trailer.js';
export { parseAllowanceRecord, serializeAllowances, type Allowance } from './allow.js';
export { SAFETY_RULES, RULE_IDS, CONTEXTS, CONTEXT_IDS, ruleInfo, severityOf, type Context, type RuleId, type RuleInfo } from './rules.js';

/** Text rules read at most this many bytes of a file. */
export const TEXT_SCAN_LIMIT = 1024 * 1024;

function scanFile(file: SkillFile, policy: SafetyPolicy, enabled: (r: RuleId) => boolean, enabledChecks: number, out: SafetyFinding[]): void {
  const { path, content } = file;
  const kind = fileKind(path, file.mode, content);
  const context = new Locator('', kind).fileContext();
  // Findings about the whole file take the context of the file.
  const add = (rule: RuleId, message: string, line?: number, weak = false): void => {
    if (!enabled(rule)) return;
    const severity = severityOf(rule, context, weak);
    out.push(line === undefined ? { rule, severity, path, message, context } : { rule, severity, path, line, message, context });
  };

  // A file name can carry bidi overrides ("gpj.exe") or hidden characters too.
  if (!/^[\x20-\x7e]*$/.test(path)) {
    const seen = new Set<string>();
    scanUnicode(path, (rule, _i, weak, message) => {
      if (!seen.has(rule)) add(rule, message, undefined, weak);
      seen.add(rule);
    }, ' in the file name');
  }

  if (content.length > policy.maxFileBytes) {
    add('file-too-large', `${content.length} bytes, over the limit of ${policy.maxFileBytes} (safety.maxFileBytes)`);
  }

  const exe = executableKind(content);
  if (exe !== undefined) {
    add('executable-binary', `${exe}${file.mode === 0o100755 ? ', marked executable' : ''}: skills must ship source, not native programs`);
  }

  if (isBinary(content)) return;

  let bytes = content;
  if (content.length > TEXT_SCAN_LIMIT) {
    // Cut on a character boundary so the cut itself is not "invalid UTF-8".
    let end = TEXT_SCAN_LIMIT;
    while (end > TEXT_SCAN_LIMIT - 4 && (content[end] & 0xc0) === 0x80) end--;
    bytes = content.subarray(0, end);
    add('scan-truncated', `${content.length} bytes: only the first ${TEXT_SCAN_LIMIT} were scanned by the text rules`);
  }

  const ascii = isAscii(bytes);
  const checks = triggeredChecks(bytes) & enabledChecks;
  if (ascii && checks === 0) return; // nothing any text rule could match

  const text = ascii ? bytes.toString('latin1') : bytes.toString('utf8');
  const ctx = new TextContext(text, path, kind, enabled);

  if (!ascii) {
    if (!isUtf8(bytes) && enabled('invalid-utf8')) {
      const at = text.indexOf('\ufffd');
      add('invalid-utf8', 'not valid UTF-8; scanned with invalid bytes replaced', at === -1 ? undefined : ctx.lineAt(at));
    }
    if (enabled('invisible-unicode') || enabled('bidi-control')) scanUnicode(text, (r, i, weak, m) => ctx.report(r, i, m, weak));
  }
  if (checks & CHECK.PRIVATE_KEY) scanPrivateKeys(ctx);
  if (checks & CHECK.SECRET) scanSecrets(ctx);
  if (checks & DOWNLOAD_CHECKS) scanDownloadExec(ctx, checks);
  if (checks & DESTRUCTIVE_CHECKS) scanDestructive(ctx, checks);
  if (checks & INJECTION_CHECKS) scanInjection(ctx, checks);
  if (checks & EXFIL_CHECKS) scanExfiltration(ctx, checks);

  for (const f of ctx.findings()) out.push(f);
}

function compareFindings(a: SafetyFinding, b: SafetyFinding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
}

/**
 * Check the files of one skill. Findings are sorted most severe first, then by
 * path and line; severities are the policy's overrides where it has one.
 */
export function checkSkill(files: Iterable<SkillFile>, policy: SafetyPolicy = DEFAULT_SAFETY_POLICY): SafetyReport {
  const disabled = new Set(policy.disabledRules);
  const enabled = (r: RuleId): boolean => !disabled.has(r);
  const findings: SafetyFinding[] = [];
  let enabledChecks = 0;
  if (enabled('private-key')) enabledChecks |= CHECK.PRIVATE_KEY;
  if (enabled('secret-token')) enabledChecks |= CHECK.SECRET;
  if (enabled('download-exec')) enabledChecks |= DOWNLOAD_CHECKS;
  if (enabled('destructive-command')) enabledChecks |= DESTRUCTIVE_CHECKS;
  if (enabled('prompt-injection')) enabledChecks |= INJECTION_CHECKS;
  if (enabled('exfiltration')) enabledChecks |= EXFIL_CHECKS;
  for (const file of files) scanFile(file, policy, enabled, enabledChecks, findings);

  for (const f of findings) {
    const override = policy.severity[f.rule];
    if (override !== undefined) f.severity = override;
  }
  findings.sort(compareFindings);

  const block = new Set(policy.block);
  let risk: Severity | 'none' = 'none';
  for (const f of findings) if (severityRank(f.severity) > severityRank(risk)) risk = f.severity;
  return { findings, blocked: findings.some((f) => block.has(f.severity)), riskLevel: risk };
}

/**
 * The one entry point of the safety check for publishing: the findings of
 * checkSkill, with the allowances (config `safety.allow` and recorded decisions)
 * for this skill at this exact tree applied. `blocked` ignores allowed findings.
 */
export function checkSafety(
  files: Iterable<SkillFile>,
  policy: SafetyPolicy = DEFAULT_SAFETY_POLICY,
  where: { skill?: string; tree?: string; allowances?: readonly Allowance[] } = {},
): SafetyReport {
  return applyAllowances(checkSkill(files, policy), policy, where);
}
