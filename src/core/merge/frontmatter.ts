// Three-way merge of a SKILL.md: the YAML front matter per top-level key, the
// Markdown body as text. Two people editing different keys never conflict, even
// on adjacent lines, which a line merge (git merge-file) would call a conflict.
// Anything the segmentation is unsure about falls back to the plain text merge.
import { isBinary, mergeText, type TextMergeOptions, type TextMergeResult } from './text.js';
import { keysAt, segmentFrontMatter, splitSkillMd, type KeyBlock, type Segmentation } from './frontmatter-segment.js';

export type { TextMergeOptions, TextMergeResult } from './text.js';

interface Merged {
  text: string;
  conflicts: number;
}

interface OutBlock {
  key: string;
  lead: string;
  body: string;
}

/** Three-way merge of SKILL.md contents (current = local, other = upstream); same result shape as mergeText. */
export function mergeSkillMd(current: Buffer, base: Buffer, other: Buffer, opts: TextMergeOptions = {}): TextMergeResult {
  const whole = () => mergeText(current, base, other, opts);
  if (isBinary(current) || isBinary(base) || isBinary(other)) return whole();
  const c = decode(current);
  const b = decode(base);
  const o = decode(other);
  if (c === null || b === null || o === null) return whole();
  const pc = splitSkillMd(c);
  const pb = splitSkillMd(b);
  const po = splitSkillMd(o);
  if (!pc || !pb || !po) return whole(); // no front matter on some side
  const open = pick(pc.open, pb.open, po.open);
  const close = pick(pc.close, pb.close, po.close);
  if (open === undefined || close === undefined) return whole(); // BOM/delimiters changed both ways
  const fm = mergeFrontMatter(pc.frontMatter, pb.frontMatter, po.frontMatter, opts);
  const body = textMerge(pc.body, pb.body, po.body, opts);
  return {
    content: Buffer.from(open + fm.text + close + body.text, 'utf8'),
    conflicts: fm.conflicts + body.conflicts,
    binary: false,
  };
}

/** Merge front matter texts (between the delimiters) per top-level key; falls back to a text merge when unsure. */
export function mergeFrontMatter(current: string, base: string, other: string, opts: TextMergeOptions = {}): Merged {
  const trivial = pick(current, base, other);
  if (trivial !== undefined) return { text: trivial, conflicts: 0 };
  const sc = segmentFrontMatter(current);
  const sb = segmentFrontMatter(base);
  const so = segmentFrontMatter(other);
  const fallback = () => textMerge(current, base, other, opts);
  if (!sc || !sb || !so) return fallback();
  const merged = mergeSegments(sc, sb, so, opts);
  if (merged.conflicts > 0) return { text: merged.text, conflicts: merged.conflicts };
  // A clean result must still read as YAML with exactly the keys we placed; otherwise trust git's way.
  return keysAt(merged.text, merged.keyOffsets) ? { text: merged.text, conflicts: 0 } : fallback();
}

function mergeSegments(sc: Segmentation, sb: Segmentation, so: Segmentation, opts: TextMergeOptions) {
  const mc = byKey(sc.blocks);
  const mb = byKey(sb.blocks);
  const mo = byKey(so.blocks);
  let conflicts = 0;
  const out = new Map<string, OutBlock>();

  const keys = new Set<string>([...mc.keys(), ...mo.keys()]);
  for (const key of keys) {
    const c = mc.get(key);
    const b = mb.get(key);
    const o = mo.get(key);
    if (c && o && b) {
      // present everywhere: comments above the key and the key itself merge independently
      const lead = mergePart(c.lead, b.lead, o.lead, opts);
      const body = mergePart(c.body, b.body, o.body, opts);
      conflicts += lead.conflicts + body.conflicts;
      out.set(key, { key, lead: lead.text, body: body.text });
      continue;
    }
    const ct = c ? c.lead + c.body : undefined;
    const bt = b ? b.lead + b.body : undefined;
    const ot = o ? o.lead + o.body : undefined;
    if (c && o) {
      // added on both sides: same → take it, different → merge against an empty base (as git's add/add)
      if (ct === ot) out.set(key, c);
      else {
        const m = textMerge(ct!, '', ot!, opts);
        conflicts += m.conflicts;
        out.set(key, { key, lead: '', body: m.text });
      }
    } else if (c) {
      if (!b) out.set(key, c); // added locally
      else if (ct !== bt) {
        // modified locally, deleted upstream
        const m = textMerge(ct!, bt!, '', opts);
        conflicts += m.conflicts;
        if (m.text !== '') out.set(key, { key, lead: '', body: m.text });
      } // else: deleted upstream, unchanged locally → deleted
    } else if (o) {
      if (!b) out.set(key, o); // added upstream
      else if (ot !== bt) {
        // deleted locally, modified upstream
        const m = textMerge('', bt!, ot!, opts);
        conflicts += m.conflicts;
        if (m.text !== '') out.set(key, { key, lead: '', body: m.text });
      } // else: deleted locally, unchanged upstream → deleted
    }
  }

  // Local key order; a key only upstream has goes after its upstream predecessor, else at the end.
  const order = sc.blocks.map((blk) => blk.key).filter((k) => out.has(k));
  let anchor: string | undefined;
  for (const blk of so.blocks) {
    if (!out.has(blk.key)) continue;
    if (!order.includes(blk.key)) {
      const at = anchor === undefined ? order.length : order.indexOf(anchor) + 1;
      order.splice(at, 0, blk.key);
    }
    anchor = blk.key;
  }

  const tail = mergePart(sc.tail, sb.tail, so.tail, opts);
  conflicts += tail.conflicts;
  let text = '';
  const keyOffsets: number[] = [];
  for (const key of order) {
    const blk = out.get(key)!;
    keyOffsets.push(text.length + blk.lead.length);
    text += blk.lead + blk.body;
  }
  text += tail.text;
  return { text, conflicts, keyOffsets };
}

function byKey(blocks: KeyBlock[]): Map<string, KeyBlock> {
  return new Map(blocks.map((blk) => [blk.key, blk]));
}

/** The trivial three-way answer, or undefined when both sides changed differently. */
function pick(c: string, b: string, o: string): string | undefined {
  if (c === o || o === b) return c;
  if (c === b) return o;
  return undefined;
}

function mergePart(c: string, b: string, o: string, opts: TextMergeOptions): Merged {
  const t = pick(c, b, o);
  return t !== undefined ? { text: t, conflicts: 0 } : textMerge(c, b, o, opts);
}

function textMerge(c: string, b: string, o: string, opts: TextMergeOptions): Merged {
  const r = mergeText(Buffer.from(c, 'utf8'), Buffer.from(b, 'utf8'), Buffer.from(o, 'utf8'), opts);
  return { text: r.content.toString('utf8'), conflicts: r.conflicts };
}

/** Strict UTF-8 decode (a BOM stays as U+FEFF); null when the bytes would not round-trip. */
function decode(buf: Buffer): string | null {
  const s = buf.toString('utf8');
  return Buffer.from(s, 'utf8').equals(buf) ? s : null;
}
