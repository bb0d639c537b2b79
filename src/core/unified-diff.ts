// Unified diff of two texts, as `git diff` prints it: xdiff's hunks (the same line diff
// the merge uses), 3 lines of context, hunks closer than 2*context joined, and git's
// default function-name heuristic after the @@ header. Pure.
import { diffLines } from './merge/diff.js';

export interface FileDiffText {
  lines: string[];
  added: number;
  removed: number;
}

/** Lines with their '\n' (the last may lack it), like xdiff records. */
function records(text: string): string[] {
  const out: string[] = [];
  let s = 0;
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') (out.push(text.slice(s, i + 1)), (s = i + 1));
  if (s < text.length) out.push(text.slice(s));
  return out;
}

/** git's def_ff: a line that starts with a letter, '_' or '$', at most 80 bytes, right-trimmed. */
function funcName(line: string): string | null {
  if (!/^[A-Za-z_$]/.test(line)) return null;
  let buf = Buffer.from(line.replace(/\n$/, ''), 'utf8');
  if (buf.length > 80) buf = buf.subarray(0, 80);
  return buf.toString('utf8').replace(/\s+$/, '');
}

export function unifiedDiff(a: string, b: string, context = 3): FileDiffText {
  const ra = records(a);
  const rb = records(b);
  const ids = new Map<string, number>();
  const id = (l: string) => {
    let v = ids.get(l);
    if (v === undefined) ids.set(l, (v = ids.size));
    return v;
  };
  const changes = diffLines(Int32Array.from(ra, id), Int32Array.from(rb, id));
  const out: string[] = [];
  let added = 0;
  let removed = 0;
  const emit = (prefix: string, l: string) => {
    out.push(prefix + l.replace(/\n$/, ''));
    if (!l.endsWith('\n')) out.push('\\ No newline at end of file');
  };
  for (let g = 0; g < changes.length; ) {
    // Join changes whose gap is at most 2*context lines.
    let last = g;
    while (last + 1 < changes.length && changes[last + 1].i1 - (changes[last].i1 + changes[last].chg1) <= 2 * context) last++;
    const first = changes[g];
    const end = changes[last];
    const s1 = Math.max(0, first.i1 - context);
    const s2 = Math.max(0, first.i2 - context);
    const e1 = Math.min(ra.length, end.i1 + end.chg1 + context);
    const e2 = Math.min(rb.length, end.i2 + end.chg2 + context);
    const range = (s: number, n: number) => (n === 1 ? `${s + 1}` : `${n === 0 ? s : s + 1},${n}`);
    let fn: string | null = null;
    for (let i = s1 - 1; i >= 0 && fn === null; i--) fn = funcName(ra[i]);
    out.push(`@@ -${range(s1, e1 - s1)} +${range(s2, e2 - s2)} @@${fn ? ' ' + fn : ''}`);
    let i1 = s1;
    for (let c = g; c <= last; c++) {
      const ch = changes[c];
      for (; i1 < ch.i1; i1++) emit(' ', ra[i1]);
      for (let k = 0; k < ch.chg1; k++) emit('-', ra[ch.i1 + k]);
      for (let k = 0; k < ch.chg2; k++) emit('+', rb[ch.i2 + k]);
      removed += ch.chg1;
      added += ch.chg2;
      i1 = ch.i1 + ch.chg1;
    }
    for (; i1 < e1; i1++) emit(' ', ra[i1]);
    g = last + 1;
  }
  return { lines: out, added, removed };
}
