import type { TextContext } from './context.js';
import type { Severity } from './types.js';

// secret-token and private-key.
//
// Severity of secret-token: high by default. Critical where the string is a
// complete, live credential by construction: Stripe live keys (sk_live_/rk_live_)
// and an AWS secret access key assigned to its well-known name. An AWS access key
// id alone (AKIA…) is an identifier, not the secret: high. JWTs are often sample
// data or short-lived: low.
//
// Placeholders are not reported: anything containing EXAMPLE/your/xxxx/dummy…,
// long runs of one character, too few distinct characters, or (for random
// base62 tokens) no digit at all.

interface TokenKind {
  group: string;
  label: string;
  severity: Severity;
  /** Characters of the match that are shown in the message (a prefix, never the secret). */
  show: number;
  /** Random part starts after this many characters (for the placeholder test). */
  prefix: number;
  mixedCase: boolean;
}

const KINDS: TokenKind[] = [
  { group: 'awssecret', label: 'AWS secret access key', severity: 'critical', show: 0, prefix: 0, mixedCase: true },
  { group: 'aws', label: 'AWS access key id', severity: 'high', show: 4, prefix: 4, mixedCase: false },
  { group: 'github', label: 'GitHub token', severity: 'high', show: 4, prefix: 4, mixedCase: true },
  { group: 'githubpat', label: 'GitHub fine-grained token', severity: 'high', show: 11, prefix: 11, mixedCase: true },
  { group: 'gitlab', label: 'GitLab personal access token', severity: 'high', show: 6, prefix: 6, mixedCase: true },
  { group: 'slack', label: 'Slack token', severity: 'high', show: 5, prefix: 5, mixedCase: false },
  { group: 'slackhook', label: 'Slack webhook URL', severity: 'high', show: 33, prefix: 33, mixedCase: false },
  { group: 'stripe', label: 'Stripe live key', severity: 'critical', show: 8, prefix: 8, mixedCase: true },
  { group: 'google', label: 'Google API key', severity: 'high', show: 4, prefix: 4, mixedCase: true },
  { group: 'anthropic', label: 'Anthropic API key', severity: 'high', show: 7, prefix: 7, mixedCase: true },
  { group: 'openai', label: 'OpenAI-style API key', severity: 'high', show: 3, prefix: 3, mixedCase: true },
  { group: 'npm', label: 'npm token', severity: 'high', show: 4, prefix: 4, mixedCase: true },
  { group: 'hf', label: 'Hugging Face token', severity: 'high', show: 3, prefix: 3, mixedCase: true },
  { group: 'pypi', label: 'PyPI token', severity: 'high', show: 5, prefix: 20, mixedCase: true },
  { group: 'jwt', label: 'JSON Web Token', severity: 'low', show: 3, prefix: 0, mixedCase: true },
];

// Alternatives are tried left to right at each position: sk-ant- before sk-.
const TOKENS = new RegExp(
  [
    String.raw`(?<awssecret>(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY|SecretAccessKey|secret_access_key)["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+]))`,
    String.raw`(?<aws>\b(?:AKIA|ASIA)[0-9A-Z]{16}\b)`,
    String.raw`(?<github>\bgh[pousr]_[A-Za-z0-9]{36,255}\b)`,
    String.raw`(?<githubpat>\bgithub_pat_[A-Za-z0-9_]{22,255}\b)`,
    String.raw`(?<gitlab>\bglpat-[A-Za-z0-9_-]{20,})`,
    String.raw`(?<slack>\bxox[baprs]-[A-Za-z0-9-]{10,})`,
    String.raw`(?<slackhook>https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,})`,
    String.raw`(?<stripe>\b[sr]k_live_[A-Za-z0-9]{20,})`,
    String.raw`(?<google>\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-]))`,
    String.raw`(?<anthropic>\bsk-ant-[A-Za-z0-9_-]{20,})`,
    String.raw`(?<openai>\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})`,
    String.raw`(?<npm>\bnpm_[A-Za-z0-9]{36}\b)`,
    String.raw`(?<hf>\bhf_[A-Za-z0-9]{30,}\b)`,
    String.raw`(?<pypi>\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})`,
    String.raw`(?<jwt>\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})`,
  ].join('|'),
  'g',
);

/** The jwt.io sample token's signature: documentation, not a secret. */
const JWT_IO_SAMPLE_SIGNATURE = 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

const PLACEHOLDER_WORDS = /example|sample|dummy|placeholder|your|redacted|changeme|replace|fake|test|x{4}|\.\.\./i;

export function looksLikePlaceholder(random: string, mixedCase: boolean): boolean {
  if (PLACEHOLDER_WORDS.test(random)) return true;
  if (/(.)\1{5}/.test(random)) return true;
  const distinct = new Set(random).size;
  if (distinct < Math.min(10, Math.ceil(random.length / 2))) return true;
  if (/0123|1234|abcd|ABCD/.test(random)) return true;
  if (mixedCase && random.length >= 20 && !/[0-9]/.test(random)) return true;
  return false;
}

export function scanSecrets(ctx: TextContext): void {
  const text = ctx.text;
  const re = TOKENS;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const groups = m.groups!;
    const kind = KINDS.find((k) => groups[k.group] !== undefined);
    if (!kind) continue;
    const token = m[0];
    let random = token.slice(kind.prefix);
    if (kind.group === 'awssecret') random = token.slice(-40);
    if (kind.group === 'jwt') {
      if (token.endsWith(JWT_IO_SAMPLE_SIGNATURE)) continue;
      random = token.slice(token.lastIndexOf('.') + 1);
    }
    if (kind.group === 'slack') random = token.slice(5).replace(/-/g, '');
    if (looksLikePlaceholder(random, kind.mixedCase)) continue;
    const shown = kind.show > 0 ? ` ${token.slice(0, kind.show)}…` : '';
    const length = kind.group === 'awssecret' ? 40 : token.length;
    ctx.report('secret-token', m.index, `${kind.label}${shown} (${length} chars); rotate it and load it from the environment`, false, kind.severity);
  }
}

/** Replace anything that looks like a token with [redacted] (for quoting text in messages). */
export function redactSecrets(s: string): string {
  return s.replace(TOKENS, '[redacted]');
}

const PEM_HEADER = /-----BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----/g;

/**
 * A key body: 64+ base64 characters in a row once line breaks, escaped \n, quotes
 * and concatenation are removed, before the next "-----" (END) and within 8 KiB.
 */
function hasKeyBody(text: string, start: number): boolean {
  let end = text.indexOf('-----', start);
  if (end === -1 || end > start + 8192) end = Math.min(text.length, start + 8192);
  const body = text.slice(start, end).replace(/\\[nr]|[\s"'`,+]/g, '');
  const run = /[A-Za-z0-9+/]{64,}/.exec(body);
  return run !== null && new Set(run[0]).size >= 16 && !PLACEHOLDER_WORDS.test(run[0]);
}

export function scanPrivateKeys(ctx: TextContext): void {
  const text = ctx.text;
  const re = PEM_HEADER;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (!hasKeyBody(text, m.index + m[0].length)) continue;
    ctx.report('private-key', m.index, `${m[0].replace(/-/g, '').trim()} block: a private key must never ship in a skill`);
  }
}
