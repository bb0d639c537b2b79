// Names of plugins and skills come from strangers and become file names
// (skills/<skill>/, .skillsync/plugins/<plugin>.json) and git ref components
// (refs/upstream/<plugin>/<skill>, refs/heads/proposals/<plugin>/<skill>,
// tags skills/<skill>/v0001). This module decides which names are safe.
//
// Decisions (see test/names.test.ts for the table):
// * Allow-list, not deny-list. A name is 1..MAX_NAME_BYTES UTF-8 bytes of: ASCII letters and
//   digits, '.', '_', '-', and Unicode letters (\p{L}), combining marks (\p{Mn},
//   \p{Mc}) and decimal digits (\p{Nd}). The first character is a letter, digit or
//   '_'. Real-world names such as `pdf`, `My_Skill`, `skill.v2`, `docx-2`, `café`
//   or `写作助手` pass. Everything git would also accept but that is a hazard in
//   paths, shells or on other file systems (space, `~ ^ : ? * [ \`, `@{`, quotes,
//   `$`, `;`, `|`, `<`, `>`, `&`, `#`, `%`, `!`, invisible format characters such as
//   zero-width joiners or bidi overrides) is refused.
// * git ref-component rules on top: no `..`, no trailing `.`, no `.lock` suffix
//   (also case-insensitively, for case-insensitive file systems), no leading `.`.
// * No leading `-` (a name must never be mistaken for a command-line option).
// * Unicode names must be NFC (macOS stores names decomposed; a name that changes
//   under normalization would not round-trip through the file system).
// * Windows device names (CON, PRN, AUX, NUL, COM0-9, LPT0-9, with or without an
//   extension) are refused: git for Windows refuses to check such paths out.
// * Every accepted name is accepted by `git check-ref-format refs/heads/x/<name>`
//   (the tests check this against real git).
// Homoglyphs (Latin `p` vs Cyrillic `р`) are not detected; foldedKey() catches case
// and compatibility-form collisions only.
import { SkillsyncError } from './errors.js';

/** The file system's limit on one path component (NAME_MAX on Linux, macOS and Windows). */
export const NAME_MAX = 255;
/**
 * The longest components skillsync builds from a plugin id or skill name, with the
 * longest pid (pid_max 4194304) and random part each can carry. A name must leave room
 * for all of them, so one limit, checked at discovery, keeps every later path and ref
 * below NAME_MAX: no command can fail halfway with ENAMETOOLONG.
 */
export const NAME_COMPONENTS = [
  '<name>.lock', // git ref locks: refs/upstream/<plugin>/<skill>.lock, refs/heads/proposals/<plugin>/<skill>.lock
  '<name>.json', // records: .skillsync/bindings/<skill>.json, cache/stat/<plugin>.json
  '.tmp-<name>.json-4194304-ffffffff', // atomic writes of those files (temp file beside the target)
  '.tmp-<name>-4194304-ffffff', // live view: the temporary link renamed over live/skills/<skill>
  '.skillsync-<name>.new-4194304-ffffff', // targets: the entry swapped in by rename (also .old-, .lnk-)
] as const;
export const MAX_NAME_BYTES = NAME_MAX - Math.max(...NAME_COMPONENTS.map((t) => Buffer.byteLength(t.replace('<name>', ''))));
/** Longest path of a file inside a skill (relative to the skill folder), far below PATH_MAX with any workspace path. */
export const MAX_SKILL_PATH_BYTES = 1024;
/** agentskills.io: a skill name is at most 64 characters. */
export const AGENTSKILLS_MAX_NAME_CHARS = 64;

const ALLOWED_CHAR = /^[A-Za-z0-9._\-\p{L}\p{Mn}\p{Mc}\p{Nd}]$/u;
const ALLOWED_FIRST = /^[A-Za-z0-9_\p{L}\p{Nd}]$/u;
// Characters git refuses in a ref name (besides control characters and '..', '@{').
const GIT_REFUSED = new Set([' ', '~', '^', ':', '?', '*', '[', '\\']);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const VISIBLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/iu;

type NameKind = 'plugin id' | 'skill name';

function codePoint(ch: string): string {
  return 'U+' + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
}

/** A character for a message: quoted when visible, only its code point otherwise. */
function showChar(ch: string): string {
  return VISIBLE.test(ch) ? `'${ch}' (${codePoint(ch)})` : codePoint(ch);
}

/** Printable form of an untrusted name for messages: control characters escaped, length capped. */
export function displayName(name: unknown): string {
  if (typeof name !== 'string') return String(name);
  let out = JSON.stringify(name.length > 80 ? name.slice(0, 80) + '…' : name);
  // JSON.stringify leaves DEL, C1 controls and format characters as they are.
  out = out.replace(/[\u007f-\u009f\p{Cf}\u2028\u2029]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
  return out;
}

/** The reason a name is unsafe, or null when it is safe. Pure; never throws. */
const PLAIN_ASCII_NAME = new RegExp(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,${MAX_NAME_BYTES - 1}}$`);

export function unsafeNameReason(name: unknown): string | null {
  // Fast path for the common case: plain ASCII names that break none of the rules below.
  if (typeof name === 'string' && PLAIN_ASCII_NAME.test(name) && !name.includes('..') && !name.endsWith('.') && !name.toLowerCase().endsWith('.lock') && !WINDOWS_DEVICE.test(name)) {
    return null;
  }
  if (typeof name !== 'string') return `must be a string, got ${name === null ? 'null' : typeof name}`;
  if (name.length === 0) return 'is empty';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) return `is ${bytes} bytes long; the limit is ${MAX_NAME_BYTES} (paths and git refs skillsync builds from it must fit in ${NAME_MAX} bytes)`;
  if (name === '.' || name === '..') return 'is a relative path component';
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator';
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return `contains a control character (${codePoint(ch)})`;
  }
  if (LONE_SURROGATE.test(name)) return 'contains an unpaired surrogate (not valid Unicode)';
  if (name.startsWith('-')) return "starts with '-' (it would be read as a command-line option)";
  if (name.startsWith('.')) return "starts with '.' (a hidden file; git refuses ref components starting with '.')";
  if (name.includes('..')) return "contains '..' (git refuses it in ref names)";
  if (name.includes('@{')) return "contains '@{' (git refuses it in ref names)";
  if (name.endsWith('.')) return "ends with '.' (git refuses it in ref names)";
  if (name.toLowerCase().endsWith('.lock')) return "ends with '.lock' (git reserves it for lock files)";
  for (const ch of name) {
    if (GIT_REFUSED.has(ch)) return `contains ${ch === ' ' ? 'a space' : `'${ch}'`} (git refuses it in ref names)`;
  }
  for (const ch of name) {
    if (!ALLOWED_CHAR.test(ch)) {
      return `contains ${showChar(ch)}; allowed are letters, digits, '.', '_' and '-'`;
    }
  }
  const first = [...name][0]!;
  if (!ALLOWED_FIRST.test(first)) return `starts with ${showChar(first)}; it must start with a letter, a digit or '_'`;
  if (name.normalize('NFC') !== name) return 'is not in Unicode normalization form NFC (write it composed)';
  if (WINDOWS_DEVICE.test(name)) return 'is a reserved device name on Windows';
  return null;
}

function validate(kind: NameKind, name: unknown): asserts name is string {
  const reason = unsafeNameReason(name);
  if (reason !== null) {
    const fix = kind === 'plugin id' ? 'rename the plugin' : 'rename the skill folder';
    throw new SkillsyncError('ENAME_UNSAFE', `unsafe ${kind} ${displayName(name)}: ${reason}; ${fix}`, { kind, name, reason });
  }
}

/** Throws SkillsyncError ENAME_UNSAFE unless `id` is safe as a path segment and a git ref component. */
export function validatePluginId(id: unknown): asserts id is string {
  validate('plugin id', id);
}

/** Throws SkillsyncError ENAME_UNSAFE unless `name` is safe as a path segment and a git ref component. */
export function validateSkillName(name: unknown): asserts name is string {
  validate('skill name', name);
}

/**
 * agentskills.io naming rules, as warnings (real skills break them and still work):
 * lowercase letters, digits and hyphens; no leading, trailing or double hyphen;
 * at most 64 characters; the front matter `name` equals the folder name.
 * Like the reference validator (skills-ref), Unicode lowercase letters count as
 * letters and names are compared after NFKC normalization.
 * `frontmatterName` undefined means "not checked"; pass the raw front matter value.
 */
export function skillNameWarnings(name: string, frontmatterName?: unknown): string[] {
  const warnings: string[] = [];
  // Fast path: a compliant name whose front matter agrees (or is not checked).
  if (/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(name) && name.length <= AGENTSKILLS_MAX_NAME_CHARS) {
    if (frontmatterName === undefined || frontmatterName === name) return warnings;
  }
  const n = name.normalize('NFKC');
  const shown = displayName(name);
  const chars = [...n];
  if (chars.length > AGENTSKILLS_MAX_NAME_CHARS) {
    warnings.push(`skill name ${shown} is ${chars.length} characters long; agentskills.io allows at most ${AGENTSKILLS_MAX_NAME_CHARS}`);
  }
  if (n !== n.toLowerCase()) warnings.push(`skill name ${shown} has uppercase letters; agentskills.io names are lowercase`);
  const bad = chars.filter((c) => c !== '-' && !/^[\p{L}\p{Nd}]$/u.test(c));
  if (bad.length > 0) {
    const list = [...new Set(bad)].map((c) => showChar(c)).join(', ');
    warnings.push(`skill name ${shown} contains ${list}; agentskills.io names use only letters, digits and '-'`);
  }
  if (n.startsWith('-') || n.endsWith('-')) warnings.push(`skill name ${shown} starts or ends with '-'; agentskills.io does not allow that`);
  if (n.includes('--')) warnings.push(`skill name ${shown} contains '--'; agentskills.io does not allow consecutive hyphens`);
  if (frontmatterName !== undefined) {
    if (typeof frontmatterName !== 'string') {
      warnings.push(`SKILL.md front matter 'name' is ${frontmatterName === null ? 'null' : typeof frontmatterName}, not a string`);
    } else if (frontmatterName.trim().normalize('NFKC') !== n) {
      warnings.push(`SKILL.md front matter name ${displayName(frontmatterName)} differs from the folder name ${shown}; the folder name is used`);
    }
  }
  return warnings;
}

/**
 * Key for collision detection on case-insensitive and normalizing file systems
 * (APFS, HFS+, NTFS, ext4 casefold): two names with the same key must not coexist.
 * Deliberately over-inclusive: compatibility forms are folded (NFKC: 'ﬁ' = 'fi',
 * KELVIN SIGN = 'K') and full case mapping is applied ('ß' = 'ss', 'ı' = 'i').
 */
export function foldedKey(name: string): string {
  if (/^[\x00-\x7f]*$/.test(name)) return name.toLowerCase();
  return name.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}
