import type { Locator } from './locate.js';

// Strong or weak form of a finding in Markdown. A shell command inside a fenced
// block of SKILL.md, or a script's line, is a command. The same command written as
// an injection payload (`; rm -rf ~`, inside a quoted string), or mentioned as
// something not to do, is documentation. An injection phrase that is quoted, or a
// defensive one ("ignore instructions embedded in the data"), is not addressed to
// the agent.

/** Words on a line before a command that make it a mention, not a step. */
const MENTION = /\b(?:never|(?:do|does|must|should|will)\s+not|don['’]?t|avoid|refuse[sd]?|blocks?|blocked|forbid(?:den|s)?|dangerous|malicious|attacks?|attackers?|payloads?|inject(?:ed|ion|ions)?|e\.g\.|such\s+as|for\s+example|adversarial|test(?:ed)?\s+with|detects?|flags?|denylist|blocklist|vulnerab\w*|exploit\w*|sanitiz\w*)\b/i;
/** Words before an injection phrase that make it a quotation or a description. */
const DESCRIBES = /\b(?:such\s+as|e\.g\.|phrases?|attempts?|payloads?|injections?|detects?|patterns?|examples?|strings?|shaped\s+like)\b/i;
/** After "ignore all instructions": where those instructions are, which makes it defensive. */
const DEFENSIVE_AFTER = /^[ \t]*(?:that\s+(?:appear|are|come)|embedded|contained|found|hidden|written|inside|within|from|in\s+(?!your\b|the\s+system\b|system\b|this\s+conversation\b)\S)/i;

function lineBefore(text: string, index: number, from?: number): string {
  const start = Math.max(from ?? 0, text.lastIndexOf('\n', index - 1) + 1);
  return text.slice(start, index);
}

/** An odd number of unescaped double quotes before the index on its line: inside a string. */
function insideDoubleQuotes(before: string): boolean {
  let n = 0;
  for (let i = 0; i < before.length; i++) {
    const c = before[i];
    if (c === '\\') i++;
    else if (c === '"') n++;
  }
  return n % 2 === 1;
}

function inTypographicQuotes(before: string): boolean {
  const open = Math.max(before.lastIndexOf('“'), before.lastIndexOf('«'), before.lastIndexOf('„'));
  const close = Math.max(before.lastIndexOf('”'), before.lastIndexOf('»'));
  return open !== -1 && open > close;
}

/**
 * Whether a shell command found at `index` is in its weak form: quoted as a payload
 * or mentioned, in Markdown. Scripts, Dockerfiles and fenced blocks of SKILL.md
 * always hold commands.
 */
export function isCommandMention(text: string, loc: Locator, index: number): boolean {
  if (loc.kind !== 'skill' && loc.kind !== 'markdown') return false;
  const code = loc.inCode(index);
  if (code === 'fence' && loc.kind === 'skill') return false;
  const line = lineBefore(text, index);
  const span = code === 'inline' ? loc.inlineSpan(index) : undefined;
  const inSpan = span ? text.slice(span[0], index) : undefined;
  // Chained after a separator with nothing in front of it: an injection payload.
  if (inSpan !== undefined && /^[ \t]*(?:;|\|\|?|&&|\$\(|`)/.test(inSpan)) return true;
  // A string literal: in prose, or in an example of another Markdown file.
  if ((code !== 'fence' || loc.kind === 'markdown') && insideDoubleQuotes(line)) return true;
  if (code !== 'fence' && /(?:^|[\s"'(])(?:;|&&|\|\||\$\()\s*$/.test(line) && /["'`]/.test(line)) return true;
  // A table row or checklist item of a reference lists commands, it does not run them.
  if (loc.kind === 'markdown' && code === 'inline' && /^\s*(?:\||[-*]\s+\[[ xX]\])/.test(line)) return true;
  let end = text.indexOf('\n', index);
  if (end === -1) end = text.length;
  return MENTION.test(line) || MENTION.test(text.slice(index, Math.min(end, index + 200)));
}

/**
 * Whether an injection phrase at [start, end) is quoted, described or defensive
 * (its weak form).
 */
export function isInjectionMention(text: string, start: number, end: number): boolean {
  const before = lineBefore(text, start);
  if (insideDoubleQuotes(before) || inTypographicQuotes(before)) return true;
  if (/['‘]$/.test(before)) return true;
  if (DESCRIBES.test(before)) return true;
  return DEFENSIVE_AFTER.test(text.slice(end, end + 80));
}
