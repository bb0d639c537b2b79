// Front matter of SKILL.md files, parsed safely.
//
// SKILL.md files come from strangers. gray-matter picks a parser from the text after
// the opening fence (`---js`, `---javascript`, `---coffee`, ...) and its default
// `javascript` engine calls eval(). Here:
// * the fence language is checked before gray-matter sees the text: only none,
//   `yaml` or `yml` is accepted, anything else is an EFRONTMATTER_LANG error and is
//   never parsed, let alone executed;
// * gray-matter is additionally given an engine table in which every known language
//   throws and yaml/yml go to our parser, so even its own lookup cannot reach eval;
// * YAML is parsed by the `yaml` package (YAML 1.2 core schema: no custom tags, no
//   code) with a bounded alias expansion (billion laughs), a bounded nesting depth
//   (checked before parsing: the parser recurses, and its pretty error printer
//   builds a regexp that ran out of memory on 10,000 nested brackets), a bounded
//   size, and duplicate keys and `__proto__` keys refused;
// * options are always passed to gray-matter, which disables its content-keyed
//   cache (without options it returns the same object for the same text), and the
//   data handed back is a fresh copy made by this module on every call;
// * speed: front matter made only of simple `key: value` string lines (nearly every
//   SKILL.md) is read by parseSimpleYaml() without gray-matter or the yaml package;
//   tests check that it gives exactly what gray-matter + yaml give.
//
// Errors are values: parseFrontmatter never throws for bad input. It returns
// `error` (a one-line message) and `code`:
//   EFRONTMATTER_LANG      a fence language other than YAML (e.g. `---js`)
//   EFRONTMATTER_LIMIT     alias count, nesting depth or size over the limits
//   EFRONTMATTER_ENCODING  not valid UTF-8 / not well-formed Unicode
//   EFRONTMATTER           YAML syntax error, not a mapping, fence never closed
// With an error, `data` is {} and `body` is the text after the closing fence when
// there is one (else the whole text). parseFrontmatterOrThrow() throws a
// SkillsyncError with the same code instead.
import { createRequire } from 'node:module';
import { yaml } from './yaml.js';
import { SkillsyncError } from './errors.js';

// gray-matter (CommonJS, with js-yaml) is loaded on first use: most passes hit the
// discovery cache or the fast path and never need it, and loading it costs ~80 ms.
type Matter = typeof import('gray-matter');
let matterFn: Matter | null = null;
function matter(...args: Parameters<Matter>): ReturnType<Matter> {
  matterFn ??= createRequire(import.meta.url)('gray-matter') as Matter;
  return matterFn(...args);
}

export type FrontmatterErrorCode = 'EFRONTMATTER' | 'EFRONTMATTER_LANG' | 'EFRONTMATTER_LIMIT' | 'EFRONTMATTER_ENCODING';

export interface FrontmatterResult {
  data: Record<string, unknown>;
  body: string;
  hasFrontmatter: boolean;
  error?: string;
  code?: FrontmatterErrorCode;
}

/** Front matter that may carry code or bomb a parser: the skill is refused, not just warned about. */
export function refusesSkill(fm: FrontmatterResult): fm is FrontmatterResult & { code: 'EFRONTMATTER_LANG' | 'EFRONTMATTER_LIMIT'; error: string } {
  return fm.code === 'EFRONTMATTER_LANG' || fm.code === 'EFRONTMATTER_LIMIT';
}

export interface FrontmatterOptions {
  /** Largest number of alias dereferences while building the data (yaml maxAliasCount). */
  maxAliasCount?: number;
  /** Deepest nesting of mappings and sequences. */
  maxDepth?: number;
  /** Largest front matter block, in UTF-16 code units (about bytes for ASCII). */
  maxBytes?: number;
}

export const FRONTMATTER_DEFAULTS: Required<FrontmatterOptions> = {
  maxAliasCount: 100,
  maxDepth: 32,
  maxBytes: 128 * 1024,
};

const OPEN = '---';
const YAML_LANGS = new Set(['', 'yaml', 'yml']);

class FrontmatterError extends Error {
  constructor(
    readonly code: FrontmatterErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function decode(content: Buffer | string): string {
  if (typeof content === 'string') {
    if (LONE_SURROGATE.test(content)) throw new FrontmatterError('EFRONTMATTER_ENCODING', 'the text is not well-formed Unicode (unpaired surrogate)');
    return content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  }
  try {
    // A fatal decoder rejects invalid UTF-8; ignoreBOM: false strips a leading BOM.
    return fatalUtf8.decode(content);
  } catch {
    throw new FrontmatterError('EFRONTMATTER_ENCODING', 'the file is not valid UTF-8; save it as UTF-8');
  }
}

/**
 * A conservative upper bound of the nesting depth, computed without parsing:
 * indentation levels + compact block indicators ("- - x") + unclosed flow brackets.
 * Brackets are counted even inside quotes and comments, so odd text over-counts;
 * real nesting is never under-counted. The parsed value is checked exactly later.
 */
function estimateDepth(text: string, limit: number): number {
  const indents: number[] = [];
  let max = 0;
  let flow = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    let col = 0;
    while (i < n && (text[i] === ' ' || text[i] === '\t')) { i++; col++; }
    let lineDepth = 0;
    if (i < n && text[i] !== '\n' && text[i] !== '\r' && text[i] !== '#') {
      while (indents.length > 0 && indents[indents.length - 1]! >= col) indents.pop();
      indents.push(col);
      let j = i;
      while (j + 1 < n && (text[j] === '-' || text[j] === '?' || text[j] === ':') && (text[j + 1] === ' ' || text[j + 1] === '\t')) {
        lineDepth++;
        j += 2;
        while (j < n && (text[j] === ' ' || text[j] === '\t')) j++;
      }
    }
    for (; i < n && text[i] !== '\n'; i++) {
      const c = text[i];
      if (c === '[' || c === '{') {
        flow++;
        if (indents.length + lineDepth + flow > limit) return indents.length + lineDepth + flow;
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
    max = Math.max(max, indents.length + lineDepth + flow);
    if (max > limit) return max;
    i++;
  }
  return max;
}

/** A fresh plain copy of the parsed value; checks depth and refuses `__proto__` keys. Iterative. */
function freshCopy(root: unknown, maxDepth: number): unknown {
  const copyOf = (v: unknown): unknown => (Array.isArray(v) ? new Array(v.length) : v !== null && typeof v === 'object' && !(v instanceof Date) ? {} : v);
  const out = copyOf(root);
  const stack: Array<{ src: unknown; dst: unknown; depth: number }> = [{ src: root, dst: out, depth: 1 }];
  while (stack.length > 0) {
    const { src, dst, depth } = stack.pop()!;
    if (src === null || typeof src !== 'object' || src instanceof Date) continue;
    if (depth > maxDepth) throw new FrontmatterError('EFRONTMATTER_LIMIT', `front matter is nested more than ${maxDepth} levels deep`);
    const entries: Array<[string | number, unknown]> = Array.isArray(src) ? src.map((v, k) => [k, v]) : Object.entries(src as Record<string, unknown>);
    for (const [key, value] of entries) {
      if (key === '__proto__') throw new FrontmatterError('EFRONTMATTER', "front matter key '__proto__' is not allowed");
      const child = copyOf(value);
      Object.defineProperty(dst, key, { value: child, enumerable: true, writable: true, configurable: true });
      if (child !== value) stack.push({ src: value, dst: child, depth: depth + 1 });
    }
  }
  return out;
}

const SIMPLE_LINE = /^([A-Za-z_][A-Za-z0-9_-]*):[ ]+(.*?)[ ]*$/;
const RESERVED_WORDS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'y', 'Y', 'n', 'N', 'yes', 'no', 'on', 'off']);
const DQ_SIMPLE = /^"([^"\\\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\ufeff]*)"$/;
const SQ_SIMPLE = /^'([^'\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\ufeff]*)'$/;
const PLAIN_SIMPLE = /^[A-Za-z][^\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\[\]{}]*$/;

/**
 * Fast path for the front matter nearly every SKILL.md has: top-level `key: value`
 * lines whose values are single-line strings (plain, '...' or "..." without escapes).
 * Returns null for anything else, which then goes to the full YAML parser. The
 * result equals what the yaml package gives for the same text (tested against it).
 */
export function parseSimpleYaml(text: string): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  const seen = new Set<string>();
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (/^ *$/.test(line)) continue;
    if (line.startsWith('#')) continue;
    const m = SIMPLE_LINE.exec(line);
    if (m === null) return null;
    const key = m[1]!;
    const raw = m[2]!;
    if (seen.has(key) || key === '__proto__' || RESERVED_WORDS.has(key)) return null;
    seen.add(key);
    let value: string;
    let q: RegExpExecArray | null;
    if ((q = DQ_SIMPLE.exec(raw)) !== null) value = q[1]!;
    else if ((q = SQ_SIMPLE.exec(raw)) !== null) value = q[1]!;
    else if (PLAIN_SIMPLE.test(raw) && !raw.includes(': ') && !raw.includes(' #') && !raw.endsWith(':') && !raw.includes('\t') && !RESERVED_WORDS.has(raw)) value = raw;
    else return null;
    out[key] = value;
  }
  return out;
}

function parseYaml(raw: string, opts: Required<FrontmatterOptions>): Record<string, unknown> {
  // CRLF files: the block ends with the '\r' of the closing fence's line, which the
  // yaml package does not take as a line end after a quoted scalar.
  const text = raw.replace(/\r\n/g, '\n').replace(/\r$/, '');
  if (text.length <= 8192 && !text.includes('\r')) {
    const simple = parseSimpleYaml(text);
    if (simple !== null) return simple;
  }
  const depth = estimateDepth(text, opts.maxDepth);
  if (depth > opts.maxDepth) throw new FrontmatterError('EFRONTMATTER_LIMIT', `front matter is nested more than ${opts.maxDepth} levels deep`);
  // prettyErrors: false — the pretty printer is the part that blew up on deep input.
  const doc = yaml().parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: false, strict: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    if (e.code === 'RESOURCE_EXHAUSTION') throw new FrontmatterError('EFRONTMATTER_LIMIT', `front matter is too complex to parse (${e.message})`);
    const where = e.linePos?.[0] ? ` at line ${e.linePos[0].line + 1}, column ${e.linePos[0].col}` : '';
    throw new FrontmatterError('EFRONTMATTER', `invalid YAML front matter${where}: ${e.message.split('\n')[0]}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: opts.maxAliasCount });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/alias/i.test(msg)) throw new FrontmatterError('EFRONTMATTER_LIMIT', `front matter expands too many YAML aliases (limit ${opts.maxAliasCount}); it looks like an alias bomb`);
    if (err instanceof RangeError) throw new FrontmatterError('EFRONTMATTER_LIMIT', 'front matter is too complex to parse');
    throw new FrontmatterError('EFRONTMATTER', `invalid YAML front matter: ${msg.split('\n')[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value) || value instanceof Date) {
    throw new FrontmatterError('EFRONTMATTER', `front matter must be a YAML mapping (key: value lines), got ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  return freshCopy(value, opts.maxDepth) as Record<string, unknown>;
}

function refuse(language: string): never {
  throw new FrontmatterError('EFRONTMATTER_LANG', `front matter language ${JSON.stringify(language)} is not allowed; only YAML is parsed`);
}

/** gray-matter engine table: YAML goes to our parser, every other known language throws. */
function makeEngines(opts: Required<FrontmatterOptions>) {
  const yaml = { parse: (s: string) => parseYaml(s, opts) as object };
  const table: Record<string, { parse: (s: string) => object }> = { yaml, yml: yaml };
  for (const lang of ['javascript', 'js', 'coffee', 'coffeescript', 'cson', 'json', 'toml', 'ts', 'typescript']) {
    table[lang] = { parse: () => refuse(lang) };
  }
  return table;
}

const DEFAULT_ENGINES = makeEngines(FRONTMATTER_DEFAULTS);

/**
 * Parse the front matter of a SKILL.md (or any Markdown file). Never executes code,
 * never throws for bad input (see the module comment for the error codes).
 */
export function parseFrontmatter(content: Buffer | string, options: FrontmatterOptions = {}): FrontmatterResult {
  const opts = { ...FRONTMATTER_DEFAULTS, ...options };
  let text: string;
  try {
    text = decode(content);
  } catch (err) {
    const e = err as FrontmatterError;
    return { data: {}, body: '', hasFrontmatter: false, error: e.message, code: e.code };
  }
  // Same opening test as gray-matter: '---' not followed by another '-'.
  if (!text.startsWith(OPEN) || text.charAt(OPEN.length) === '-') {
    return { data: {}, body: text, hasFrontmatter: false };
  }
  const nl = text.indexOf('\n');
  const language = (nl === -1 ? text.slice(OPEN.length) : text.slice(OPEN.length, nl)).trim();
  const closeAt = nl === -1 ? -1 : text.indexOf('\n' + OPEN, nl);
  const bodyAfterClose = (): string => {
    if (closeAt === -1) return text;
    let body = text.slice(closeAt + 1 + OPEN.length);
    // gray-matter drops the rest of the closing fence line break.
    if (body.startsWith('\r')) body = body.slice(1);
    if (body.startsWith('\n')) body = body.slice(1);
    return body;
  };
  const fail = (code: FrontmatterErrorCode, error: string): FrontmatterResult => ({ data: {}, body: bodyAfterClose(), hasFrontmatter: true, error, code });

  if (nl === -1) return fail('EFRONTMATTER', "front matter opened with '---' is never closed (the file has no line breaks)");
  if (!YAML_LANGS.has(language.toLowerCase())) {
    const shown = language.length > 40 ? language.slice(0, 40) + '…' : language;
    return fail('EFRONTMATTER_LANG', `front matter language ${JSON.stringify(shown)} is not allowed; only YAML front matter is parsed (nothing was executed)`);
  }
  if (closeAt === -1) return fail('EFRONTMATTER', "front matter opened with '---' on line 1 is never closed; add a '---' line after it");
  if (closeAt - nl > opts.maxBytes) return fail('EFRONTMATTER_LIMIT', `front matter is larger than ${opts.maxBytes} bytes`);

  // Fast path (most SKILL.md files): simple `key: value` lines give the same data and
  // body gray-matter would (same fences, same body rule), at a fraction of the cost.
  if (closeAt - nl <= 8192) {
    const block = text.slice(nl + 1, closeAt).replace(/\r\n/g, '\n').replace(/\r$/, '');
    const simple = block.includes('\r') ? null : parseSimpleYaml(block);
    if (simple !== null) return { data: simple, body: bodyAfterClose(), hasFrontmatter: true };
  }

  try {
    // Options are always passed: that turns gray-matter's content-keyed cache off.
    const engines = options.maxAliasCount === undefined && options.maxDepth === undefined && options.maxBytes === undefined ? DEFAULT_ENGINES : makeEngines(opts);
    const file = matter(text, { language: 'yaml', engines, excerpt: false });
    const data = file.data as Record<string, unknown>;
    // gray-matter hands back our fresh object, or {} for an empty block; copy anyway.
    return { data: data && typeof data === 'object' ? { ...data } : {}, body: file.content, hasFrontmatter: true };
  } catch (err) {
    if (err instanceof FrontmatterError) return fail(err.code, err.message);
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return fail('EFRONTMATTER', `cannot read front matter: ${msg}`);
  }
}

/** parseFrontmatter, but bad front matter throws SkillsyncError (code as above). */
export function parseFrontmatterOrThrow(content: Buffer | string, options: FrontmatterOptions = {}, where = 'SKILL.md'): FrontmatterResult {
  const r = parseFrontmatter(content, options);
  if (r.error !== undefined) throw new SkillsyncError(r.code ?? 'EFRONTMATTER', `${where}: ${r.error}`, { path: where, code: r.code });
  return r;
}
