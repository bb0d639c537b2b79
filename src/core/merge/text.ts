// Line-based three-way text merge that gives the same bytes as `git merge-file -p`
// (default conflict style "merge", level XDL_MERGE_ZEALOUS_ALNUM, Myers diff, no
// whitespace flags). It follows git's xdiff/xmerge.c step by step:
//   * diff base→current and base→other (diff.ts reproduces xdiff's diff exactly);
//   * xdl_do_merge walks both scripts, taking non-overlapping changes from either side,
//     dropping identical overlapping changes and recording the rest as conflicts;
//   * xdl_refine_conflicts diffs the two sides of every conflict and keeps only the
//     lines that really differ (a conflict may split into several, or vanish);
//   * xdl_simplify_non_conflicts joins conflicts separated by at most three lines, or by
//     any number of lines none of which contains a letter or digit;
//   * xdl_fill_merge_buffer writes the result, with markers whose line ending follows
//     the file (CRLF when the surrounding lines use CRLF: is_cr_needed), and a newline
//     added after a side's last line when it had none before a marker.
// Lines are compared byte-exact; line endings are never normalised. Pure, synchronous.
// Longer than 350 lines on purpose: one port of xmerge.c, kept whole to read beside it.
import { diffLines, DiffScratch, type DiffChange } from './diff.js';

export interface TextMergeOptions {
  /** Labels for the markers: [current/ours, base, other/theirs]. Default ['current','base','other']. */
  labels?: [string, string, string];
  /** Marker length, default 7 (as git). */
  markerSize?: number;
}

export interface TextMergeResult {
  content: Buffer; // merged bytes (with conflict markers where conflicted)
  conflicts: number; // number of conflict hunks (0 = clean)
  /**
   * true when any input is binary (git: a NUL in the first 8000 bytes); then content =
   * current unchanged and conflicts = 1, except in the trivial cases (current == other,
   * base == other → current; base == current → other), which resolve cleanly with
   * conflicts = 0 and binary still true.
   */
  binary: boolean;
}

/** git's FIRST_FEW_BYTES for binary detection. */
const FIRST_FEW_BYTES = 8000;
/** git's MAX_XDIFF_SIZE: bigger inputs are refused like binary ones. */
const MAX_XDIFF_SIZE = 1024 * 1024 * 1023;
const DEFAULT_MARKER_SIZE = 7;
const DEFAULT_LABELS: [string, string, string] = ['current', 'base', 'other'];

/** git's rule (buffer_is_binary): a NUL byte in the first 8000 bytes. */
export function isBinary(buf: Buffer): boolean {
  const n = Math.min(buf.length, FIRST_FEW_BYTES);
  return buf.subarray(0, n).indexOf(0) !== -1;
}

/** A file split into records the way xdiff does: each line includes its '\n'. */
interface Lines {
  buf: Buffer;
  /** start[k] = offset of line k; start[n] = buf.length. */
  start: Int32Array;
  n: number;
  ids: Int32Array;
}

/**
 * Interns lines (byte ranges of the input buffers) to dense integer ids: equal bytes,
 * equal id. An open-addressing table over an FNV-1a hash of the bytes; this is several
 * times faster than a Map keyed by decoded strings on large files.
 */
class LineInterner {
  private table: Int32Array; // id + 1, 0 = empty
  private mask: number;
  private bufs: Buffer[] = [];
  private starts: number[] = [];
  private ends: number[] = [];
  private hashes: number[] = [];
  size = 0;

  constructor(expectedLines: number) {
    let cap = 16;
    while (cap < expectedLines * 2) cap *= 2;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
  }

  /** Id of line buf[s, e) whose FNV-1a hash is h. */
  intern(buf: Buffer, s: number, e: number, h: number): number {
    const len = e - s;
    let slot = h & this.mask;
    for (;;) {
      const v = this.table[slot];
      if (v === 0) break;
      const id = v - 1;
      if (this.hashes[id] === h && this.ends[id] - this.starts[id] === len) {
        const ob = this.bufs[id];
        const os = this.starts[id];
        let k = 0;
        while (k < len && ob[os + k] === buf[s + k]) k++;
        if (k === len) return id;
      }
      slot = (slot + 1) & this.mask;
    }
    const id = this.size++;
    this.bufs.push(buf);
    this.starts.push(s);
    this.ends.push(e);
    this.hashes.push(h);
    this.table[slot] = id + 1;
    if (this.size * 2 > this.table.length) this.grow();
    return id;
  }

  private grow(): void {
    const cap = this.table.length * 2;
    this.table = new Int32Array(cap);
    this.mask = cap - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = this.hashes[id] & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = id + 1;
    }
  }
}

/** Splits into xdiff records (each line with its '\n'; a last line may lack it) and interns them. */
function splitLines(buf: Buffer, intern: LineInterner): Lines {
  const len = buf.length;
  // Line ends by indexOf (memchr), then one FNV-1a pass over each line's bytes.
  let cap = 1024;
  let start = new Int32Array(cap);
  let ids = new Int32Array(cap);
  let n = 0;
  for (let s = 0; s < len; ) {
    const nl = buf.indexOf(10, s);
    const e = nl < 0 ? len : nl + 1;
    let h = 0x811c9dc5;
    for (let p = s; p < e; p++) h = Math.imul(h ^ buf[p]!, 0x01000193);
    if (n + 1 >= cap) {
      cap *= 2;
      const ns = new Int32Array(cap);
      ns.set(start);
      start = ns;
      const ni = new Int32Array(cap);
      ni.set(ids);
      ids = ni;
    }
    start[n] = s;
    ids[n++] = intern.intern(buf, s, e, h >>> 0);
    s = e;
  }
  start[n] = len;
  return { buf, start: start.subarray(0, n + 1), n, ids: ids.subarray(0, n) };
}

const lineEnd = (f: Lines, k: number) => f.start[k + 1];

/**
 * is_eol_crlf: 1 if line i ends in CRLF (for an unterminated last line, look at the
 * line before it), 0 if it ends in LF only, -1 if it cannot be told.
 */
function isEolCrlf(f: Lines, i: number): number {
  const b = f.buf;
  if (i < f.n - 1) {
    const e = lineEnd(f, i);
    return e - f.start[i] > 1 && b[e - 2] === 13 ? 1 : 0;
  }
  if (f.n === 0) return -1;
  const e = lineEnd(f, i);
  const size = e - f.start[i];
  if (size > 0 && b[e - 1] === 10) return size > 1 && b[e - 2] === 13 ? 1 : 0;
  if (i === 0) return -1;
  const pe = lineEnd(f, i - 1);
  return pe - f.start[i - 1] > 1 && b[pe - 2] === 13 ? 1 : 0;
}

/** xdl_merge's bookkeeping (xdmerge_t). mode: 0 conflict, 1 take current, 2 take other, 4 resolved identical. */
interface MergeHunk {
  mode: number;
  i0: number;
  chg0: number;
  i1: number;
  chg1: number;
  i2: number;
  chg2: number;
}

function appendMerge(list: MergeHunk[], mode: number, i0: number, chg0: number, i1: number, chg1: number, i2: number, chg2: number): void {
  const m = list.length > 0 ? list[list.length - 1] : undefined;
  if (m && (i1 <= m.i1 + m.chg1 || i2 <= m.i2 + m.chg2)) {
    if (mode !== m.mode) m.mode = 0;
    m.chg0 = i0 + chg0 - m.i0;
    m.chg1 = i1 + chg1 - m.i1;
    m.chg2 = i2 + chg2 - m.i2;
  } else {
    list.push({ mode, i0, chg0, i1, chg1, i2, chg2 });
  }
}

function sameLines(a: Int32Array, ai: number, b: Int32Array, bi: number, count: number): boolean {
  for (let k = 0; k < count; k++) if (a[ai + k] !== b[bi + k]) return false;
  return true;
}

/** The merge walk of xdl_do_merge (level >= XDL_MERGE_EAGER: identical changes are not conflicts). */
function collectHunks(base: Lines, cur: Lines, oth: Lines, x1: DiffChange[], x2: DiffChange[]): MergeHunk[] {
  const c: MergeHunk[] = [];
  let p1 = 0;
  let p2 = 0;
  while (p1 < x1.length && p2 < x2.length) {
    const s1 = x1[p1];
    const s2 = x2[p2];
    if (s1.i1 + s1.chg1 < s2.i1) {
      appendMerge(c, 1, s1.i1, s1.chg1, s1.i2, s1.chg2, s2.i2 - s2.i1 + s1.i1, s1.chg1);
      p1++;
      continue;
    }
    if (s2.i1 + s2.chg1 < s1.i1) {
      appendMerge(c, 2, s2.i1, s2.chg1, s1.i2 - s1.i1 + s2.i1, s2.chg1, s2.i2, s2.chg2);
      p2++;
      continue;
    }
    if (s1.i1 !== s2.i1 || s1.chg1 !== s2.chg1 || s1.chg2 !== s2.chg2 || !sameLines(cur.ids, s1.i2, oth.ids, s2.i2, s1.chg2)) {
      const off = s1.i1 - s2.i1;
      const ffo = off + s1.chg1 - s2.chg1;
      let i0 = s1.i1;
      let i1 = s1.i2;
      let i2 = s2.i2;
      if (off > 0) {
        i0 -= off;
        i1 -= off;
      } else i2 += off;
      let chg0 = s1.i1 + s1.chg1 - i0;
      let chg1 = s1.i2 + s1.chg2 - i1;
      let chg2 = s2.i2 + s2.chg2 - i2;
      if (ffo < 0) {
        chg0 -= ffo;
        chg1 -= ffo;
      } else chg2 += ffo;
      appendMerge(c, 0, i0, chg0, i1, chg1, i2, chg2);
    }
    const e1 = s1.i1 + s1.chg1;
    const e2 = s2.i1 + s2.chg1;
    if (e1 >= e2) p2++;
    if (e2 >= e1) p1++;
  }
  for (; p1 < x1.length; p1++) {
    const s1 = x1[p1];
    appendMerge(c, 1, s1.i1, s1.chg1, s1.i2, s1.chg2, s1.i1 + oth.n - base.n, s1.chg1);
  }
  for (; p2 < x2.length; p2++) {
    const s2 = x2[p2];
    appendMerge(c, 2, s2.i1, s2.chg1, s2.i1 + cur.n - base.n, s2.chg1, s2.i2, s2.chg2);
  }
  return c;
}

/** xdl_refine_conflicts: shrink each conflict to the lines where the two sides differ. */
function refineConflicts(cur: Lines, oth: Lines, hunks: MergeHunk[], scratch: DiffScratch): MergeHunk[] {
  const out: MergeHunk[] = [];
  for (const m of hunks) {
    if (m.mode !== 0 || m.chg1 === 0 || m.chg2 === 0) {
      out.push(m);
      continue;
    }
    const a = cur.ids.subarray(m.i1, m.i1 + m.chg1);
    const b = oth.ids.subarray(m.i2, m.i2 + m.chg2);
    const script = diffLines(a, b, scratch);
    if (script.length === 0) {
      // the changes are identical
      m.mode = 4;
      out.push(m);
      continue;
    }
    for (let k = 0; k < script.length; k++) {
      const x = script[k];
      out.push({
        mode: 0,
        // i0/chg0 only matter for the diff3 style, which is not offered here.
        i0: m.i0,
        chg0: k === 0 ? m.chg0 : 0,
        i1: x.i1 + m.i1,
        chg1: x.chg1,
        i2: x.i2 + m.i2,
        chg2: x.chg2,
      });
    }
  }
  return out;
}

/** isalnum in git's own ctype (ASCII only). */
function isAlnumByte(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function linesContainAlnum(f: Lines, i: number, chg: number): boolean {
  const b = f.buf;
  const end = f.start[i + chg];
  for (let p = f.start[i]; p < end; p++) if (isAlnumByte(b[p])) return true;
  return false;
}

/**
 * xdl_simplify_non_conflicts with simplify_if_no_alnum (XDL_MERGE_ZEALOUS_ALNUM):
 * two adjacent conflicts are joined when at most 3 lines separate them, or when none of
 * the separating lines (of the current side) contains a letter or digit.
 */
function simplifyNonConflicts(cur: Lines, hunks: MergeHunk[]): MergeHunk[] {
  if (hunks.length === 0) return hunks;
  const out: MergeHunk[] = [hunks[0]];
  for (let k = 1; k < hunks.length; k++) {
    const m = out[out.length - 1];
    const next = hunks[k];
    const begin = m.i1 + m.chg1;
    const end = next.i1;
    if (m.mode !== 0 || next.mode !== 0 || (end - begin > 3 && linesContainAlnum(cur, begin, end - begin))) {
      out.push(next);
    } else {
      m.chg1 = next.i1 + next.chg1 - m.i1;
      m.chg2 = next.i2 + next.chg2 - m.i2;
    }
  }
  return out;
}

/** is_cr_needed: markers take CRLF when the surrounding lines of both sides (and the base's first line) do. */
function isCrNeeded(base: Lines, cur: Lines, oth: Lines, m: MergeHunk): boolean {
  let needsCr = isEolCrlf(cur, m.i1 ? m.i1 - 1 : 0);
  if (needsCr) needsCr = isEolCrlf(oth, m.i2 ? m.i2 - 1 : 0);
  if (needsCr) needsCr = isEolCrlf(base, 0);
  return needsCr > 0;
}

class Out {
  chunks: Buffer[] = [];
  push(b: Buffer): void {
    if (b.length > 0) this.chunks.push(b);
  }
  /** Lines [i, i+count) of f; with addNl, terminate an unterminated last line. */
  lines(f: Lines, i: number, count: number, needsCr: boolean, addNl: boolean): void {
    if (count < 1) return;
    const s = f.start[i];
    const e = f.start[i + count];
    this.push(f.buf.subarray(s, e));
    if (addNl) {
      const size = e - f.start[i + count - 1];
      if (size === 0 || f.buf[e - 1] !== 10) this.push(needsCr ? CRLF : LF);
    }
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const LF = Buffer.from('\n');
const CRLF = Buffer.from('\r\n');

function marker(ch: string, size: number, label: string | null, needsCr: boolean): Buffer {
  return Buffer.from(ch.repeat(size) + (label !== null ? ' ' + label : '') + (needsCr ? '\r\n' : '\n'), 'utf8');
}

/** xdl_fill_merge_buffer for the "merge" conflict style, no favor option. */
function fillMergeBuffer(base: Lines, cur: Lines, oth: Lines, hunks: MergeHunk[], name1: string, name2: string, markerSize: number): Buffer {
  const out = new Out();
  let i = 0;
  for (const m of hunks) {
    if (m.mode === 0) {
      const needsCr = isCrNeeded(base, cur, oth, m);
      out.lines(cur, i, m.i1 - i, false, false);
      out.push(marker('<', markerSize, name1, needsCr));
      out.lines(cur, m.i1, m.chg1, needsCr, true);
      out.push(marker('=', markerSize, null, needsCr));
      out.lines(oth, m.i2, m.chg2, needsCr, true);
      out.push(marker('>', markerSize, name2, needsCr));
    } else if (m.mode & 3) {
      out.lines(cur, i, m.i1 - i, false, false);
      if (m.mode & 1) out.lines(cur, m.i1, m.chg1, false, false);
      if (m.mode & 2) out.lines(oth, m.i2, m.chg2, false, false);
    } else continue;
    i = m.i1 + m.chg1;
  }
  out.lines(cur, i, cur.n - i, false, false);
  return out.concat();
}

/**
 * Three-way merge of `current` and `other` against their common ancestor `base`, with
 * the same result as `git merge-file -p -L <labels> current base other`.
 */
export function mergeText(current: Buffer, base: Buffer, other: Buffer, opts: TextMergeOptions = {}): TextMergeResult {
  const binary = isBinary(current) || isBinary(base) || isBinary(other) ||
    current.length > MAX_XDIFF_SIZE || base.length > MAX_XDIFF_SIZE || other.length > MAX_XDIFF_SIZE;

  // Trivial cases (also for binary content).
  if (current.equals(other) || base.equals(other)) return { content: current, conflicts: 0, binary };
  if (base.equals(current)) return { content: other, conflicts: 0, binary };
  if (binary) return { content: current, conflicts: 1, binary };

  const labels = opts.labels ?? DEFAULT_LABELS;
  const requested = Math.floor(opts.markerSize ?? 0);
  const markerSize = requested > 0 ? requested : DEFAULT_MARKER_SIZE; // git: marker_size <= 0 means default

  const intern = new LineInterner(1024);
  const b = splitLines(base, intern);
  const c = splitLines(current, intern);
  const o = splitLines(other, intern);
  const scratch = new DiffScratch(intern.size);

  const x1 = diffLines(b.ids, c.ids, scratch);
  const x2 = diffLines(b.ids, o.ids, scratch);
  // Unreachable after the byte comparisons above, kept to mirror xdl_merge.
  if (x1.length === 0) return { content: other, conflicts: 0, binary: false };
  if (x2.length === 0) return { content: current, conflicts: 0, binary: false };

  let hunks = collectHunks(b, c, o, x1, x2);
  hunks = refineConflicts(c, o, hunks, scratch);
  hunks = simplifyNonConflicts(c, hunks);

  let conflicts = 0;
  for (const m of hunks) if (m.mode === 0) conflicts++;
  const content = fillMergeBuffer(b, c, o, hunks, labels[0], labels[2], markerSize);
  return { content, conflicts, binary: false };
}
