// Public types of the safety check. Re-exported from ./index.ts; kept here so the
// rule modules can import them without a cycle through index.ts.

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** Numeric rank for comparisons: low 1 … critical 4 (0 is "none"). */
export function severityRank(s: Severity | 'none'): number {
  switch (s) {
    case 'low':
      return 1;
    case 'medium':
      return 2;
    case 'high':
      return 3;
    case 'critical':
      return 4;
    default:
      return 0;
  }
}

export interface SafetyFinding {
  rule: string;
  severity: Severity;
  /** POSIX path relative to the skill folder. */
  path: string;
  /** 1-based line for findings in text; absent for whole-file findings (size, binaries, file names). */
  line?: number;
  /** One line, never contains a full secret. */
  message: string;
  /** Where it was found (see CONTEXTS in ./rules.ts). */
  context?: 'skill' | 'skill-code' | 'script' | 'dockerfile' | 'doc-code' | 'doc';
  /** A person allowed this rule for this skill at this exact tree (see ./allow.ts); it does not block. */
  allowed?: boolean;
}

export interface SafetyPolicy {
  /** Files larger than this get a 'file-too-large' finding. Default 5 MiB. */
  maxFileBytes: number;
  /** Severities that block publishing. Default ['critical']. */
  block: Severity[];
  /** Rule ids switched off. */
  disabledRules: string[];
  /** Per-rule severity overrides (replace every default severity of that rule). */
  severity: Record<string, Severity>;
  /** Config allowances: one rule for one skill at one exact tree. */
  allow?: { skill: string; tree: string; finding: string }[];
}

export interface SkillFile {
  /** POSIX path relative to the skill folder. */
  path: string;
  content: Buffer;
  /** git mode: 0o100644 or 0o100755. */
  mode: number;
}

export interface SafetyReport {
  findings: SafetyFinding[];
  blocked: boolean;
  riskLevel: Severity | 'none';
}
