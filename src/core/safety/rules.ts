import type { Severity } from './types.js';

// The rule catalogue: stable ids, default severities, one-line descriptions.
// Some rules report a finer default severity per finding (listed in `variants`);
// a policy override `severity: { <rule>: <sev> }` replaces all of them.

export interface RuleInfo {
  id: string;
  severity: Severity;
  description: string;
  /** Other default severities this rule uses for particular findings. */
  variants?: string;
}

export const SAFETY_RULES = [
  {
    id: 'invisible-unicode',
    severity: 'medium',
    description: 'zero-width / invisible characters (U+200B–U+200D, U+2060–U+2064, U+FEFF after the start, soft hyphen U+00AD, U+034F, U+180E, U+17B4/5, Hangul fillers)',
    variants: 'high for Unicode tag characters U+E0000–U+E007F (hidden ASCII text) and runs of variation selectors U+E0100–U+E01EF',
  },
  {
    id: 'bidi-control',
    severity: 'high',
    description: 'bidirectional overrides and isolates U+202A–U+202E, U+2066–U+2069 ("Trojan Source")',
  },
  {
    id: 'private-key',
    severity: 'critical',
    description: 'PEM / OpenSSH / PGP private key block with a key body',
  },
  {
    id: 'secret-token',
    severity: 'high',
    description: 'well-known credential formats (AWS, GitHub, GitLab, Slack, Stripe, Google, OpenAI, Anthropic, npm, Hugging Face)',
    variants: 'critical for Stripe live keys and for an AWS secret access key; low for JWTs',
  },
  {
    id: 'download-exec',
    severity: 'high',
    description: 'downloads code and runs it: curl|sh, wget -O- |bash, iwr|iex, bash <(curl …), eval "$(curl …)", curl -o f && sh f',
  },
  {
    id: 'destructive-command',
    severity: 'critical',
    description: 'wipes a system: rm -r of /, /*, ~, $HOME or a top-level system dir, --no-preserve-root, mkfs/wipefs on a device, dd to a disk, fork bomb, chmod/chown -R of /',
    variants: 'medium for rm -r "$VAR"/ (deletes from / when VAR is empty)',
  },
  {
    id: 'prompt-injection',
    severity: 'medium',
    description: 'instructions aimed at the agent: "ignore previous instructions", "do not tell the user", developer mode, exfiltrate, chat-template tokens, instructions in hidden HTML/Markdown comments',
    variants: 'high when in SKILL.md (loaded straight into the agent context)',
  },
  {
    id: 'executable-binary',
    severity: 'high',
    description: 'native executable among the skill files (ELF, PE, Mach-O incl. universal)',
  },
  {
    id: 'file-too-large',
    severity: 'high',
    description: 'file larger than policy.maxFileBytes',
  },
  {
    id: 'invalid-utf8',
    severity: 'low',
    description: 'text file that is not valid UTF-8 (scanned anyway, invalid bytes replaced)',
  },
  {
    id: 'scan-truncated',
    severity: 'low',
    description: 'text file larger than the 1 MiB text-scan limit: only the first 1 MiB was scanned',
  },
] as const satisfies readonly RuleInfo[];

export type RuleId = (typeof SAFETY_RULES)[number]['id'];

export const RULE_IDS: readonly string[] = SAFETY_RULES.map((r) => r.id);

export const DEFAULT_RULE_SEVERITY: Readonly<Record<RuleId, Severity>> = Object.fromEntries(
  SAFETY_RULES.map((r) => [r.id, r.severity]),
) as Record<RuleId, Severity>;

export function isRuleId(id: string): id is RuleId {
  return RULE_IDS.includes(id);
}
