import type { Severity } from './types.js';

// The rule table: the one place where every rule's id, its severity in each context
// and the one-line reason the user sees live. Severity = rule × context × form:
// the same words are an attack in a script or a SKILL.md step and documentation
// when quoted in a reference. Scanners only say what they found, where, and whether
// it is the strong form (a command, an instruction) or the weak one (a quoted
// payload, a mention, a vendor's official installer); this table decides the rest.

/** Where a finding sits; see CONTEXTS for what each one means. */
export type Context = 'skill' | 'skill-code' | 'script' | 'dockerfile' | 'doc-code' | 'doc';

export const CONTEXTS: Readonly<Record<Context, string>> = {
  skill: "SKILL.md text: loaded straight into the agent's context, so instructions there are the strongest evidence",
  'skill-code': 'a code block or inline code span in SKILL.md: a step the agent is told to run',
  script: 'an executable script (shebang, exec bit, or a script extension such as .sh/.py/.js/.ps1): code that runs',
  dockerfile: 'a Dockerfile/Containerfile (or a dockerfile block): a RUN step acts on the image being built, not on the host',
  'doc-code': 'a code block or inline code span in another Markdown file: an example the agent may run',
  doc: 'prose, checklists, quoted payloads and test vectors in reference files: documentation',
};

export const CONTEXT_IDS = Object.keys(CONTEXTS) as Context[];

/** A severity for each context, in the order skill, skill-code, script, dockerfile, doc-code, doc. */
export type BySeverity = Readonly<Record<Context, Severity>>;

function by(skill: Severity, skillCode: Severity, script: Severity, dockerfile: Severity, docCode: Severity, doc: Severity): BySeverity {
  return { skill, 'skill-code': skillCode, script, dockerfile, 'doc-code': docCode, doc };
}
const everywhere = (s: Severity): BySeverity => by(s, s, s, s, s, s);

export interface RuleInfo {
  id: string;
  /** One line the user sees next to a finding of this rule. */
  explain: string;
  /** What the rule looks for. */
  description: string;
  /** Severity of the strong form in each context. */
  severity: BySeverity;
  /** Severity of the weak form (see `weakWhen`); the strong table when absent. */
  weak?: BySeverity;
  weakWhen?: string;
  /** The finding carries its own severity whatever the context (e.g. the kind of token). */
  fixed?: string;
}

export const SAFETY_RULES = [
  {
    id: 'download-exec',
    explain: 'runs code fetched from the network without anyone reviewing it',
    description: 'curl|sh, wget -O- |bash, iwr|iex, bash <(curl …), eval "$(curl …)", curl -o f && sh f',
    severity: by('critical', 'critical', 'critical', 'medium', 'medium', 'low'),
    weak: by('high', 'high', 'high', 'low', 'low', 'low'),
    weakWhen: "the URL is a vendor's documented installer over HTTPS (rustup, uv, Homebrew, …), or the command is quoted as a payload/mention",
  },
  {
    id: 'destructive-command',
    explain: 'can wipe the system or the home directory',
    description: 'rm -r of /, /*, ~, $HOME or a top-level system dir, --no-preserve-root, mkfs/wipefs/dd on a disk, fork bomb, chmod/chown -R of /',
    severity: by('critical', 'critical', 'critical', 'low', 'medium', 'low'),
    weak: by('medium', 'medium', 'medium', 'low', 'low', 'low'),
    weakWhen: 'quoted as an injection payload (`; rm -rf ~`), mentioned as something not to do, or rm -r "$VAR"/ (deletes from / when VAR is empty)',
  },
  {
    id: 'exfiltration',
    explain: 'sends credentials or private files off the machine',
    description: '~/.ssh keys, ~/.aws/credentials, .env, .netrc, /etc/shadow, kube/docker/gh configs sent with curl/wget/nc/scp or an HTTP client',
    severity: by('critical', 'critical', 'critical', 'high', 'medium', 'low'),
    weak: by('medium', 'medium', 'medium', 'low', 'low', 'low'),
    weakWhen: 'quoted as a payload or mentioned as something not to do',
  },
  {
    id: 'prompt-injection',
    explain: 'tries to steer the agent against its user',
    description: '"ignore previous instructions", "do not tell the user", "you are now in developer mode", "reveal your system prompt", chat-template tokens, hidden comments addressed to the agent',
    severity: by('critical', 'medium', 'low', 'low', 'low', 'medium'),
    weak: by('medium', 'low', 'low', 'low', 'low', 'low'),
    weakWhen: 'the phrase is quoted or defensive ("ignore instructions embedded in the data"), or only a weak signal ("exfiltrate", "enable developer mode")',
  },
  {
    id: 'private-key',
    explain: 'a private key must never ship in a skill',
    description: 'PEM / OpenSSH / PGP private key block with a key body',
    severity: everywhere('critical'),
  },
  {
    id: 'secret-token',
    explain: 'a live credential in the skill; rotate it and load it from the environment',
    description: 'well-known credential formats (AWS, GitHub, GitLab, Slack, Stripe, Google, OpenAI, Anthropic, npm, Hugging Face, PyPI)',
    severity: everywhere('high'),
    fixed: 'critical for Stripe live keys and an AWS secret access key; low for JWTs',
  },
  {
    id: 'invisible-unicode',
    explain: 'hidden characters make the text read differently to the agent than to a reviewer',
    description: 'Unicode tag characters (hidden ASCII), runs of variation selectors; zero-width/invisible characters (U+200B–U+200D, U+2060–U+2064, U+FEFF after the start, U+00AD, U+034F, U+180E, Hangul fillers)',
    severity: by('critical', 'critical', 'high', 'high', 'high', 'high'),
    weak: by('critical', 'critical', 'medium', 'medium', 'medium', 'medium'),
    weakWhen: 'a single zero-width or invisible character (strong: tag characters or variation-selector runs that hide text)',
  },
  {
    id: 'bidi-control',
    explain: 'bidirectional controls make code or text read differently than it runs ("Trojan Source")',
    description: 'bidirectional overrides and isolates U+202A–U+202E, U+2066–U+2069',
    severity: by('critical', 'critical', 'high', 'high', 'high', 'medium'),
  },
  {
    id: 'executable-binary',
    explain: 'skills must ship source, not native programs',
    description: 'native executable among the skill files (ELF, PE, Mach-O incl. universal)',
    severity: everywhere('high'),
  },
  {
    id: 'file-too-large',
    explain: 'an oversized file is hard to review and may hide content',
    description: 'file larger than safety.maxFileBytes',
    severity: everywhere('high'),
  },
  {
    id: 'invalid-utf8',
    explain: 'not valid UTF-8; scanned with the invalid bytes replaced',
    description: 'text file that is not valid UTF-8',
    severity: everywhere('low'),
  },
  {
    id: 'scan-truncated',
    explain: 'only the first 1 MiB of the file was scanned by the text rules',
    description: 'text file larger than the 1 MiB text-scan limit',
    severity: everywhere('low'),
  },
] as const satisfies readonly RuleInfo[];

export type RuleId = (typeof SAFETY_RULES)[number]['id'];

export const RULE_IDS: readonly string[] = SAFETY_RULES.map((r) => r.id);

const BY_ID = new Map<string, RuleInfo>(SAFETY_RULES.map((r) => [r.id, r]));

export function isRuleId(id: string): id is RuleId {
  return BY_ID.has(id);
}

export function ruleInfo(id: string): RuleInfo | undefined {
  return BY_ID.get(id);
}

/** The severity of a finding of `rule` in `context`, strong or weak form. */
export function severityOf(rule: RuleId, context: Context, weak = false): Severity {
  const r = BY_ID.get(rule)!;
  return ((weak && r.weak) || r.severity)[context];
}
