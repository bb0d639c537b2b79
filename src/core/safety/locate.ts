import type { Context } from './rules.js';

// Where in a skill a piece of text sits, which decides how much a finding weighs
// (see CONTEXTS in ./rules.ts). Computed only for files that have a finding: the
// file's kind from its name, mode and first line; inside Markdown, fenced code
// blocks (found once per file) and inline code spans (on the finding's line).

export type FileKind = 'skill' | 'markdown' | 'script' | 'dockerfile' | 'text';

const SCRIPT_EXT = /\.(?:sh|bash|zsh|fish|ksh|py|pyw|rb|pl|pm|js|mjs|cjs|ts|mts|cts|jsx|tsx|ps1|psm1|psd1|bat|cmd|php|lua|tcl|r|go|rs|swift|kts)$/i;
const MARKDOWN_EXT = /\.(?:md|mdx|markdown|mdown|mkd)$/i;
const DOCKERFILE = /(?:^|\/)(?:(?:Dockerfile|Containerfile)(?:\.[^/]*)?|[^/]+\.(?:dockerfile|containerfile))$/i;
const MAKEFILE = /(?:^|\/)(?:GNUmakefile|Makefile|makefile|justfile|Justfile|[^/]+\.mk)$/;

export function fileKind(path: string, mode: number, firstBytes: Uint8Array): FileKind {
  if (path.toLowerCase() === 'skill.md') return 'skill';
  if (DOCKERFILE.test(path)) return 'dockerfile';
  if (MARKDOWN_EXT.test(path)) return 'markdown';
  if (mode === 0o100755 || (firstBytes[0] === 0x23 && firstBytes[1] === 0x21)) return 'script';
  if (SCRIPT_EXT.test(path) || MAKEFILE.test(path)) return 'script';
  // Extension-less files under scripts/ or bin/ are meant to be run.
  if (/(?:^|\/)(?:scripts|bin)\/[^/.]+$/.test(path)) return 'script';
  return 'text';
}

interface Fence {
  start: number;
  end: number;
  lang: string;
}

const FENCE_LINE = /^[ \t]*(?:>[ \t]?)*(`{3,}|~{3,})[ \t]*([^\n`]*)$/gm;

/** Fenced code blocks of a Markdown text (an unclosed fence runs to the end). */
function fences(text: string): Fence[] {
  const out: Fence[] = [];
  const re = FENCE_LINE;
  re.lastIndex = 0;
  let open: { char: string; len: number; start: number; lang: string } | undefined;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const run = m[1];
    if (!open) open = { char: run[0], len: run.length, start: m.index, lang: m[2].trim().split(/[\s{]/)[0].toLowerCase() };
    else if (run[0] === open.char && run.length >= open.len && m[2].trim() === '') {
      out.push({ start: open.start, end: m.index + m[0].length, lang: open.lang });
      open = undefined;
    }
  }
  if (open) out.push({ start: open.start, end: text.length, lang: open.lang });
  return out;
}

/** Every inline code span `…` on the line [lineStart, lineEnd): [contentStart, contentEnd) pairs, in order. */
function lineSpans(text: string, lineStart: number, lineEnd: number): [number, number][] {
  const out: [number, number][] = [];
  let i = lineStart;
  while (i < lineEnd) {
    const open = text.indexOf('`', i);
    if (open === -1 || open >= lineEnd) break;
    let n = open;
    while (text.charCodeAt(n) === 0x60) n++;
    const len = n - open;
    let j = n;
    let close = -1;
    while (j < lineEnd) {
      const k = text.indexOf('`', j);
      if (k === -1 || k >= lineEnd) break;
      let e = k;
      while (text.charCodeAt(e) === 0x60) e++;
      if (e - k === len) {
        close = k;
        break;
      }
      j = e;
    }
    // An unclosed run ends the search: nothing after it on the line is code.
    if (close === -1) break;
    out.push([n, close]);
    i = close + len;
  }
  return out;
}

function lineBounds(text: string, index: number): [number, number] {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const lineEnd = text.indexOf('\n', index);
  return [lineStart, lineEnd === -1 ? text.length : lineEnd];
}

function spanIn(spans: [number, number][], index: number): [number, number] | undefined {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = spans[mid];
    if (index < a) hi = mid - 1;
    else if (index >= b) lo = mid + 1;
    else return spans[mid];
  }
  return undefined;
}

/** Answers "what context is this index in" for one file. */
export class Locator {
  readonly kind: FileKind;
  private readonly text: string;
  private fenceList: Fence[] | undefined;
  // The spans of the last line asked about: findings on one long line must not rescan it each time.
  private spanLine: { start: number; end: number; spans: [number, number][] } | undefined;

  constructor(text: string, kind: FileKind) {
    this.text = text;
    this.kind = kind;
  }

  private fenceAt(index: number): Fence | undefined {
    this.fenceList ??= fences(this.text);
    for (const f of this.fenceList) {
      if (f.start > index) return undefined;
      if (index < f.end) return f;
    }
    return undefined;
  }

  /** The context of the whole file (for findings that have no position). */
  fileContext(): Context {
    switch (this.kind) {
      case 'skill':
        return 'skill';
      case 'script':
        return 'script';
      case 'dockerfile':
        return 'dockerfile';
      default:
        return 'doc';
    }
  }

  /** Whether the index is in code (a fenced block or an inline span) of a Markdown file. */
  inCode(index: number): 'fence' | 'inline' | undefined {
    if (this.kind !== 'skill' && this.kind !== 'markdown') return undefined;
    if (this.fenceAt(index)) return 'fence';
    return this.inlineSpan(index) ? 'inline' : undefined;
  }

  /** The inline code span `…` around the index: [contentStart, contentEnd), or undefined; each line is scanned once. */
  inlineSpan(index: number): [number, number] | undefined {
    const c = this.spanLine;
    if (!c || index < c.start || index > c.end) {
      const [start, end] = lineBounds(this.text, index);
      this.spanLine = { start, end, spans: lineSpans(this.text, start, end) };
    }
    return spanIn(this.spanLine!.spans, index);
  }

  contextAt(index: number): Context {
    if (this.kind !== 'skill' && this.kind !== 'markdown') return this.fileContext();
    const fence = this.fenceAt(index);
    if (fence && /^(?:docker(?:file)?|containerfile)$/.test(fence.lang)) return 'dockerfile';
    const code = fence !== undefined || this.inlineSpan(index) !== undefined;
    if (this.kind === 'skill') return code ? 'skill-code' : 'skill';
    return code ? 'doc-code' : 'doc';
  }
}
