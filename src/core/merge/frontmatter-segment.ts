// Text segmentation of SKILL.md: delimiters, front matter, body, and the front
// matter's top-level key blocks. Pure string work; the `yaml` parser is only used
// to confirm that a segmentation agrees with what a YAML reader would see.
import { yaml } from '../yaml.js';

/** A SKILL.md split at its front matter delimiters; `open + frontMatter + close + body` is the file. */
export interface SkillMdParts {
  /** Optional BOM plus the opening `---` line with its line end. */
  open: string;
  frontMatter: string;
  /** The closing `---` line with its line end (may lack one at end of file). */
  close: string;
  body: string;
}

/** One top-level key: comment/blank lines above it (`lead`), then its key line and continuation lines (`body`). */
export interface KeyBlock {
  key: string;
  lead: string;
  body: string;
}

export interface Segmentation {
  blocks: KeyBlock[];
  /** Comment/blank lines after the last key. */
  tail: string;
}

const OPEN_RE = /^(\uFEFF?)---[ \t]*(\r?\n)/;
const CLOSE_RE = /^---[ \t]*(\r?\n|$)/;

/** Split lines keeping their line ends. */
export function splitLines(s: string): string[] {
  return s.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Split a decoded SKILL.md; null when it has no (closed) front matter. */
export function splitSkillMd(text: string): SkillMdParts | null {
  const m = OPEN_RE.exec(text);
  if (!m) return null;
  const open = m[0];
  let pos = open.length;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl === -1 ? text.length : nl + 1;
    const line = text.slice(pos, end);
    if (CLOSE_RE.test(line)) {
      return { open, frontMatter: text.slice(open.length, pos), close: line, body: text.slice(end) };
    }
    pos = end;
  }
  return null;
}

// A top-level key line: plain, double- or single-quoted key at column 0, then `:` and a space or line end.
const PLAIN_KEY_RE = /^([^\s\-?:,[\]{}#&*!|>'"%@`][^\r\n]*?)[ \t]*:(?=[ \t]|\r?\n|$)/;
const DQ_KEY_RE = /^"((?:[^"\\\r\n]|\\.)*)"[ \t]*:(?=[ \t]|\r?\n|$)/;
const SQ_KEY_RE = /^'((?:[^'\r\n]|'')*)'[ \t]*:(?=[ \t]|\r?\n|$)/;

function keyOf(line: string): string | null {
  let m = PLAIN_KEY_RE.exec(line);
  if (m) return m[1];
  m = DQ_KEY_RE.exec(line);
  if (m) {
    try {
      return JSON.parse(`"${m[1]}"`) as string;
    } catch {
      return `"${m[1]}"`; // an escape JSON lacks: keep it raw, it still names the key consistently
    }
  }
  m = SQ_KEY_RE.exec(line);
  if (m) return m[1].replace(/''/g, "'");
  return null;
}

const isBlankOrComment = (line: string) => line.startsWith('#') || /^[ \t]*\r?\n?$/.test(line);
const isIndented = (line: string) => /^[ \t]/.test(line);

/**
 * Segment front matter text into top-level key blocks, or null when unsure
 * (content before the first key, column-0 text that is not a key, a comment
 * or sequence item, duplicate keys, or a YAML reader that disagrees).
 */
export function segmentFrontMatter(fm: string): Segmentation | null {
  const blocks: KeyBlock[] = [];
  const keyOffsets: number[] = [];
  let pending = '';
  let cur: KeyBlock | null = null;
  let offset = 0;
  for (const line of splitLines(fm)) {
    const key = /^[ \t\r\n#]/.test(line) ? null : keyOf(line);
    if (key !== null) {
      cur = { key, lead: pending, body: line };
      keyOffsets.push(offset);
      pending = '';
      blocks.push(cur);
    } else if (isBlankOrComment(line)) {
      pending += line; // column-0 comments and blank lines go with whatever follows
    } else if (isIndented(line) || /^-([ \t]|\r?\n|$)/.test(line)) {
      // continuation: nested map/list, block scalar, or a sequence at column 0 under its key
      if (!cur) return null;
      cur.body += pending + line;
      pending = '';
    } else {
      return null;
    }
    offset += line.length;
  }
  const seen = new Set<string>();
  for (const b of blocks) {
    if (seen.has(b.key)) return null;
    seen.add(b.key);
  }
  const seg = { blocks, tail: pending };
  return keysAt(fm, keyOffsets) ? seg : null;
}

/**
 * True when `text` parses cleanly as YAML, every alias has its anchor, and the
 * top-level keys start exactly at `offsets`. Nothing is converted or evaluated.
 */
export function keysAt(text: string, offsets: number[]): boolean {
  let doc;
  try {
    doc = yaml().parseDocument(text, { keepSourceTokens: false });
  } catch {
    return false;
  }
  if (doc.errors.length > 0) return false;
  let dangling = false;
  const { visit, isMap, isNode } = yaml();
  visit(doc, {
    Alias(_, node) {
      if (!node.resolve(doc)) {
        dangling = true;
        return visit.BREAK;
      }
    },
  });
  if (dangling) return false;
  const c = doc.contents;
  if (c === null || c === undefined) return offsets.length === 0;
  if (!isMap(c)) return false;
  if (c.items.length !== offsets.length) return false;
  return c.items.every((pair, i) => isNode(pair.key) && pair.key.range?.[0] === offsets[i]);
}
