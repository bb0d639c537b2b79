// mergeText against the real `git merge-file` as the oracle: same bytes, same number of
// conflict hunks (git's exit code, capped at 127).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isBinary, mergeText, type TextMergeOptions } from '../src/core/merge/text.js';
import { gitTry, tempDir } from './helpers/git.js';
import { rng as rngObj } from './helpers/rng.js';

const rng = (seed: number) => rngObj(seed).next;

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('skillsync-merge-text-'));
});
afterAll(() => cleanup());

const B = (s: string) => Buffer.from(s, 'utf8');
const L = (lines: string[]) => lines.map((l) => l + '\n').join('');

/** `git merge-file` on the three byte strings; the merged bytes are read back from the file it rewrites. */
function gitMerge(cur: Buffer, base: Buffer, oth: Buffer, opts: TextMergeOptions = {}) {
  const [l0, l1, l2] = opts.labels ?? ['current', 'base', 'other'];
  writeFileSync(join(dir, 'cur'), cur);
  writeFileSync(join(dir, 'base'), base);
  writeFileSync(join(dir, 'oth'), oth);
  const args = ['-c', 'merge.conflictStyle=merge', 'merge-file', '-L', l0, '-L', l1, '-L', l2];
  if (opts.markerSize !== undefined) args.push(`--marker-size=${opts.markerSize}`);
  const r = gitTry(dir, [...args, 'cur', 'base', 'oth']);
  if (r.status < 0 || r.status > 127) throw new Error(`git merge-file failed: ${r.status} ${r.stderr}`);
  return { content: readFileSync(join(dir, 'cur')), status: r.status };
}

/** Asserts mergeText agrees with git byte for byte; returns our result. */
function expectGit(cur: Buffer | string, base: Buffer | string, oth: Buffer | string, opts?: TextMergeOptions) {
  const c = typeof cur === 'string' ? B(cur) : cur;
  const b = typeof base === 'string' ? B(base) : base;
  const o = typeof oth === 'string' ? B(oth) : oth;
  const g = gitMerge(c, b, o, opts);
  const r = mergeText(c, b, o, opts);
  expect(r.binary).toBe(false);
  expect(r.content.toString('latin1')).toBe(g.content.toString('latin1'));
  expect(r.content.equals(g.content)).toBe(true);
  expect(Math.min(r.conflicts, 127)).toBe(g.status);
  return r;
}


describe('mergeText: basics', () => {
  it('merges non-overlapping edits cleanly', () => {
    const base = L(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    const r = expectGit(L(['A', 'b', 'c', 'd', 'e', 'f', 'g']), base, L(['a', 'b', 'c', 'd', 'e', 'f', 'G']));
    expect(r.conflicts).toBe(0);
    expect(r.content.toString()).toBe(L(['A', 'b', 'c', 'd', 'e', 'f', 'G']));
  });

  it('writes git-style markers with the labels', () => {
    const r = expectGit(L(['a', 'X', 'c']), L(['a', 'b', 'c']), L(['a', 'Y', 'c']));
    expect(r.conflicts).toBe(1);
    expect(r.content.toString()).toBe('a\n<<<<<<< current\nX\n=======\nY\n>>>>>>> other\nc\n');
  });

  it('honours labels and marker size', () => {
    const opts: TextMergeOptions = { labels: ['ours side', 'merge base', 'theirs'], markerSize: 10 };
    const r = expectGit(L(['a', 'X', 'c']), L(['a', 'b', 'c']), L(['a', 'Y', 'c']), opts);
    expect(r.content.toString()).toContain('<<<<<<<<<< ours side\n');
    expect(r.content.toString()).toContain('\n==========\n');
    expect(r.content.toString()).toContain('>>>>>>>>>> theirs\n');
    expectGit(L(['a', 'X', 'c']), L(['a', 'b', 'c']), L(['a', 'Y', 'c']), { markerSize: 3 });
    // git falls back to 7 for a non-positive size, and writes the space even for an empty label
    expectGit(L(['a', 'X', 'c']), L(['a', 'b', 'c']), L(['a', 'Y', 'c']), { markerSize: 0 });
    expectGit(L(['a', 'X', 'c']), L(['a', 'b', 'c']), L(['a', 'Y', 'c']), { labels: ['', 'b', 'théirs ☃'] });
  });

  it('takes identical edits on both sides cleanly', () => {
    const r = expectGit(L(['a', 'B', 'c', 'new']), L(['a', 'b', 'c']), L(['a', 'B', 'c', 'new']));
    expect(r.conflicts).toBe(0);
  });

  it('treats adjacent edits on both sides as a conflict, like git', () => {
    const r = expectGit(L(['a', 'B', 'c', 'd']), L(['a', 'b', 'c', 'd']), L(['a', 'b', 'C', 'd']));
    expect(r.conflicts).toBe(1);
  });

  it('edits separated by one unchanged line merge cleanly', () => {
    const r = expectGit(L(['a', 'B', 'c', 'd', 'e']), L(['a', 'b', 'c', 'd', 'e']), L(['a', 'b', 'c', 'D', 'e']));
    expect(r.conflicts).toBe(0);
  });

  it('inserts at the same place', () => {
    expect(expectGit(L(['a', 'x', 'b']), L(['a', 'b']), L(['a', 'y', 'b'])).conflicts).toBe(1);
    expect(expectGit(L(['a', 'x', 'b']), L(['a', 'b']), L(['a', 'x', 'b'])).conflicts).toBe(0);
    // same insert plus one more line on one side: refined to the extra line
    expectGit(L(['a', 'x', 'y', 'b']), L(['a', 'b']), L(['a', 'x', 'b']));
    expectGit(L(['x', 'a', 'b']), L(['a', 'b']), L(['y', 'a', 'b']));
    expectGit(L(['a', 'b', 'x']), L(['a', 'b']), L(['a', 'b', 'y']));
  });

  it('deletes at the beginning and at the end', () => {
    const base = L(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(expectGit(L(['3', '4', '5', '6', '7', '8']), base, L(['1', '2', '3', '4', '5', '6'])).conflicts).toBe(0);
    expect(expectGit(L(['3', '4', '5', '6', '7', '8']), base, L(['1', 'two', '3', '4', '5', '6', '7', '8'])).conflicts).toBe(1);
    expect(expectGit(L(['1', '2', '3', '4', '5', '6']), base, L(['1', '2', '3', '4', '5', '6', '7', 'eight'])).conflicts).toBe(1);
    expectGit(L(['2', '3', '4', '5', '6', '7']), base, L(['1', '2', '3', '4', '5', '6', '7']));
  });

  it('refines a conflict down to the lines that differ', () => {
    const base = L(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    const cur = L(['a', 'B', 'C', 'D', 'e', 'f', 'g', 'H', 'I', 'j']);
    const oth = L(['a', 'B', 'C', 'X', 'e', 'f', 'g', 'H', 'I', 'j']);
    const r = expectGit(cur, base, oth);
    expect(r.conflicts).toBe(1);
    expect(r.content.toString()).toBe(L(['a', 'B', 'C', '<<<<<<< current', 'D', '=======', 'X', '>>>>>>> other', 'e', 'f', 'g', 'H', 'I', 'j']));
  });

  it('joins conflicts separated only by lines without letters or digits (zealous alnum)', () => {
    const base = L(['f(a)', '{', '', '}', '', '{', 'g(b)']);
    const r = expectGit(L(['f(A)', '{', '', '}', '', '{', 'g(B)']), base, L(['f(1)', '{', '', '}', '', '{', 'g(2)']));
    expect(r.conflicts).toBe(1);
    // the same distance with letters in between keeps two conflicts
    const base2 = L(['f(a)', 'k', 'l', 'm', 'n', 'g(b)']);
    expect(expectGit(L(['f(A)', 'k', 'l', 'm', 'n', 'g(B)']), base2, L(['f(1)', 'k', 'l', 'm', 'n', 'g(2)'])).conflicts).toBe(2);
    // three or fewer lines in between: always joined
    const base3 = L(['f(a)', 'k', 'l', 'm', 'g(b)']);
    expect(expectGit(L(['f(A)', 'k', 'l', 'm', 'g(B)']), base3, L(['f(1)', 'k', 'l', 'm', 'g(2)'])).conflicts).toBe(1);
    // digits count as alnum
    const base5 = L(['f(a)', '1', '2', '3', '4', 'g(b)']);
    expect(expectGit(L(['f(A)', '1', '2', '3', '4', 'g(B)']), base5, L(['f(1)', '1', '2', '3', '4', 'g(2)'])).conflicts).toBe(2);
    // non-ASCII bytes are not alnum for git either
    const base4 = L(['f(a)', 'é', '—', '→', 'ü', 'g(b)']);
    expectGit(L(['f(A)', 'é', '—', '→', 'ü', 'g(B)']), base4, L(['f(1)', 'é', '—', '→', 'ü', 'g(2)']));
  });

  it('discards a frequent line inside a run of new lines before diffing, like xdiff', () => {
    // '}' occurs 4 times in the base (>= bogosqrt(11)), so in `other` it is a
    // multi-match line amid unmatched ones and xdl_cleanup_records drops it; that
    // decides where the conflict ends.
    const base = L(['\treturn;', '{', '}', '}', '}', '}']);
    const oth = L(['{', 'n1', 's11', 'n2', 's29', 'n3', 'n4', '}', 'n5', '\treturn;', '{']);
    const r = expectGit(L(['{']), base, oth);
    expect(r.content.toString()).toBe(L(['<<<<<<< current', '=======', '{', 'n1', 's11', 'n2', 's29', 'n3', 'n4', '}', 'n5', '\treturn;', '>>>>>>> other', '{']));
  });

  it('joins refined conflicts that a common line splits', () => {
    const base = L(['a', 'b', 'c']);
    expectGit(L(['x1', 'same', 'x2']), base, L(['y1', 'same', 'y2']));
    expectGit(L(['x1', 'same', 's2', 's3', 's4', 'x2']), base, L(['y1', 'same', 's2', 's3', 's4', 'y2']));
  });
});

describe('mergeText: line endings, final newline, BOM', () => {
  it('CRLF files get CRLF markers', () => {
    const base = 'a\r\nb\r\nc\r\n';
    const r = expectGit('a\r\nX\r\nc\r\n', base, 'a\r\nY\r\nc\r\n');
    expect(r.content.toString()).toBe('a\r\n<<<<<<< current\r\nX\r\n=======\r\nY\r\n>>>>>>> other\r\nc\r\n');
    expectGit('a\r\nb\r\nX\r\n', base, 'a\r\nb\r\nY\r\n');
    expectGit('X\r\nb\r\nc\r\n', base, 'Y\r\nb\r\nc\r\n');
    expectGit('a\r\nb\r\nX', base, 'a\r\nb\r\nY');
    expectGit('a\r\nb\r\nc\r\nX', base, 'a\r\nb\r\nc\r\nY\r\n');
  });

  it('mixed endings are kept byte for byte and markers follow git', () => {
    const base = 'a\r\nb\nc\r\nd\n';
    expectGit('a\r\nX\nc\r\nd\n', base, 'a\r\nY\r\nc\r\nd\n');
    expectGit('a\r\nb\nc\r\nX\r\n', base, 'a\r\nb\nc\r\nY\r\n');
    expectGit('a\nX\r\nc\r\nd\n', 'a\nb\r\nc\r\nd\n', 'a\nY\r\nc\r\nd\n');
    // CRLF on both sides but LF base first line
    expectGit('a\r\nX\r\n', 'a\nb\n', 'a\r\nY\r\n');
    // a line that differs only in its ending is a real change
    const r = expectGit('a\r\nb\nc\n', 'a\nb\nc\n', 'a\nb\nC\n');
    expect(r.content.toString()).toBe('a\r\nb\nC\n');
  });

  it('no final newline on either side', () => {
    const base = 'a\nb\nc';
    expectGit('a\nb\nX', base, 'a\nb\nY');
    expectGit('a\nb\nX\n', base, 'a\nb\nY');
    expectGit('a\nb\nX', base, 'a\nb\nY\n');
    expectGit('a\nb\nc\n', base, 'a\nb\nc');
    expectGit('a\nb\nc\n', base, 'a\nB\nc');
    expectGit('A\nb\nc', base, 'a\nb\nc\nd');
    expectGit('a\nb\nc\nd', 'a\nb\nc\n', 'a\nb\nc\ne');
    expectGit('X', 'a', 'Y');
    expectGit('X\r\n', 'a', 'Y');
    expectGit('a\r\nX', 'a\r\nb', 'a\r\nY');
  });

  it('a UTF-8 BOM is preserved and compared like git', () => {
    const bom = '\ufeff';
    const base = bom + L(['a', 'b', 'c', 'd', 'e']);
    const r = expectGit(bom + L(['a', 'b', 'c', 'd', 'E']), base, bom + L(['A', 'b', 'c', 'd', 'e']));
    expect(r.content.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
    // BOM on one side only: its first line differs from the base
    expectGit(L(['a', 'b', 'c', 'd', 'e']), base, bom + L(['a', 'b', 'c', 'd', 'E']));
    expectGit(bom + L(['a', 'b', 'c', 'd', 'e']), L(['a', 'b', 'c', 'd', 'e']), L(['a', 'b', 'c', 'd', 'E']));
    expectGit(bom + L(['a', 'b', 'c', 'd', 'e']), L(['a', 'b', 'c', 'd', 'e']), L(['A', 'b', 'c', 'd', 'e']));
    expectGit(bom + L(['X', 'b']), L(['a', 'b']), L(['Y', 'b']));
  });
});

describe('mergeText: empty and one-sided files', () => {
  it('empty files', () => {
    expect(mergeText(B(''), B(''), B(''))).toEqual({ content: B(''), conflicts: 0, binary: false });
    expect(expectGit('x\n', '', 'y\n').conflicts).toBe(1);
    expect(expectGit('x\n', '', 'x\n').conflicts).toBe(0);
    expectGit('x\ny\n', '', 'x\n');
    expectGit('x', '', 'y');
    expectGit('', '', 'y\n');
    expectGit('x\n', '', '');
  });

  it('one side empties the file', () => {
    expect(expectGit('', L(['a', 'b']), L(['a', 'B'])).conflicts).toBe(1);
    expect(expectGit(L(['a', 'B']), L(['a', 'b']), '').conflicts).toBe(1);
    expect(expectGit('', L(['a', 'b']), '').conflicts).toBe(0);
    expectGit('', 'a', 'b');
  });
});

describe('mergeText: trivial cases and binary', () => {
  it('isBinary follows git: a NUL in the first 8000 bytes', () => {
    expect(isBinary(B('plain text\n'))).toBe(false);
    expect(isBinary(Buffer.alloc(0))).toBe(false);
    expect(isBinary(Buffer.from([0]))).toBe(true);
    const late = Buffer.alloc(9000, 0x61);
    late[7999] = 0;
    expect(isBinary(late)).toBe(true);
    late[7999] = 0x61;
    late[8000] = 0;
    expect(isBinary(late)).toBe(false);
    expect(isBinary(B('caf\u00e9 \u2603\n'))).toBe(false);
  });

  it('git refuses binary files; mergeText reports one conflict and keeps current', () => {
    const cur = Buffer.from([1, 0, 2]);
    const base = Buffer.from([1, 0, 3]);
    const oth = Buffer.from([1, 0, 4]);
    writeFileSync(join(dir, 'bc'), cur);
    writeFileSync(join(dir, 'bb'), base);
    writeFileSync(join(dir, 'bo'), oth);
    const g = gitTry(dir, ['merge-file', '-p', 'bc', 'bb', 'bo']);
    expect(g.status).not.toBe(0);
    expect(g.stderr).toMatch(/binary/i);
    const r = mergeText(cur, base, oth);
    expect(r).toEqual({ content: cur, conflicts: 1, binary: true });
    // one binary input is enough
    expect(mergeText(B('a\n'), B('b\n'), Buffer.from('c\0\n')).binary).toBe(true);
    expect(mergeText(B('a\n'), B('b\n'), Buffer.from('c\0\n')).content.toString()).toBe('a\n');
  });

  it('trivial cases resolve even for binary content', () => {
    const x = Buffer.from([9, 0, 9]);
    const y = Buffer.from([8, 0, 8]);
    expect(mergeText(x, y, x)).toMatchObject({ content: x, conflicts: 0 });
    expect(mergeText(x, y, y)).toMatchObject({ content: x, conflicts: 0 });
    expect(mergeText(y, y, x)).toMatchObject({ content: x, conflicts: 0 });
  });

  it('trivial text cases', () => {
    const a = B('a\nb\n');
    const b = B('a\nc\n');
    expect(mergeText(a, b, a)).toEqual({ content: a, conflicts: 0, binary: false });
    expect(mergeText(a, b, b)).toEqual({ content: a, conflicts: 0, binary: false });
    expect(mergeText(b, b, a)).toEqual({ content: a, conflicts: 0, binary: false });
  });
});

describe('mergeText: randomized comparison with git merge-file', () => {
  const vocabs = [
    ['a', 'b', 'c', 'd', 'e'],
    ['a', 'b', '', '}', '{', 'x', '--', '  '],
    ['foo', 'bar', 'baz', 'qux', '', '1', '2', '3', ');', '#'],
  ];
  const endings = ['\n', '\n', '\n', '\r\n'];

  it('300 random triples from small vocabularies give identical bytes and conflict counts', () => {
    const rand = rng(20240611);
    const ri = (n: number) => Math.floor(rand() * n);
    const gen = (v: string[], n: number, crlf: boolean) =>
      Array.from({ length: n }, () => v[ri(v.length)] + (crlf ? endings[ri(endings.length)] : '\n'));
    const mutate = (lines: string[], v: string[], crlf: boolean) => {
      const l = lines.slice();
      const k = 1 + ri(4);
      for (let j = 0; j < k; j++) {
        const op = ri(3);
        const p = ri(l.length + 1);
        if (op === 0) l.splice(p, 0, ...gen(v, 1 + ri(3), crlf));
        else if (op === 1) l.splice(p, 1 + ri(3));
        else l.splice(p, 1, ...gen(v, 1 + ri(2), crlf));
      }
      return l;
    };
    const toBuf = (lines: string[]) => {
      let s = lines.join('');
      if (ri(6) === 0 && s.endsWith('\n')) s = s.slice(0, -1);
      return B(s);
    };
    let conflicted = 0;
    let clean = 0;
    for (let t = 0; t < 300; t++) {
      const v = vocabs[ri(vocabs.length)];
      const crlf = ri(4) === 0;
      const base = gen(v, ri(25), crlf);
      const r = expectGit(toBuf(mutate(base, v, crlf)), toBuf(base), toBuf(mutate(base, v, crlf)));
      if (r.conflicts > 0) conflicted++;
      else clean++;
    }
    // the generator must exercise both outcomes
    expect(conflicted).toBeGreaterThan(100);
    expect(clean).toBeGreaterThan(30);
  });

  it('files mixing unique lines with frequent ones (blank lines, braces) and block edits', () => {
    // Exercises xdl_cleanup_records: frequent lines inside runs of unmatched lines are
    // discarded before Myers, which moves hunk boundaries.
    const rand = rng(4242);
    const ri = (n: number) => Math.floor(rand() * n);
    const common = ['', '}', '{', '\treturn;'];
    let uniq = 0;
    for (let t = 0; t < 150; t++) {
      const pc = [0.2, 0.4, 0.6][t % 3];
      const line = () => (rand() < pc ? common[ri(common.length)] : rand() < 0.5 ? `u${uniq++}` : `s${ri(50)}`) + '\n';
      const gen = (n: number) => Array.from({ length: n }, line);
      const base = gen(10 + ri(200));
      const mutate = (l0: string[]) => {
        const l = l0.slice();
        const k = 1 + ri(12);
        for (let j = 0; j < k; j++) {
          const op = ri(3);
          const p = ri(l.length + 1);
          const m = 1 + ri(30);
          if (op === 0) l.splice(p, 0, ...gen(m));
          else if (op === 1) l.splice(p, m);
          else l.splice(p, m, ...gen(1 + ri(30)));
        }
        return l;
      };
      expectGit(B(mutate(base).join('')), B(base.join('')), B(mutate(base).join('')));
    }
  });

  it('larger random files with a few hundred lines and many edits', () => {
    const rand = rng(7);
    const ri = (n: number) => Math.floor(rand() * n);
    for (let t = 0; t < 20; t++) {
      const vs = [3, 20, 200, 5000][t % 4];
      const gen = (n: number) => Array.from({ length: n }, () => `line ${ri(vs)}\n`);
      const base = gen(200 + ri(800));
      const mutate = (l0: string[]) => {
        const l = l0.slice();
        const k = 5 + ri(60);
        for (let j = 0; j < k; j++) {
          const p = ri(l.length + 1);
          const op = ri(3);
          if (op === 0) l.splice(p, 0, ...gen(1 + ri(5)));
          else if (op === 1) l.splice(p, 1 + ri(5));
          else l.splice(p, 1, ...gen(1 + ri(3)));
        }
        return l;
      };
      expectGit(B(mutate(base).join('')), B(base.join('')), B(mutate(base).join('')));
    }
  });
});

describe('mergeText: large files', () => {
  const N = 50_000;
  const base = Array.from({ length: N }, (_, i) => `base line ${i} ${'x'.repeat(i % 40)}\n`);
  const scatter = (lines: string[], k: number, tag: string, seed: number) => {
    const rand = rng(seed);
    const l = lines.slice();
    for (let j = 0; j < k; j++) {
      const p = Math.floor(rand() * l.length);
      const op = j % 3;
      if (op === 0) l[p] = `${tag} edit ${j}\n`;
      else if (op === 1) l.splice(p, 1);
      else l.splice(p, 0, `${tag} insert ${j}\n`);
    }
    return l;
  };

  it('a 50,000-line file rewritten on one side', () => {
    const cur = base.map((_, i) => `rewritten ${i}\n`);
    const r = expectGit(B(cur.join('')), B(base.join('')), B(scatter(base, 3, 'other', 1).join('')));
    expect(r.conflicts).toBe(1);
    const clean = mergeText(B(cur.join('')), B(base.join('')), B(base.join('')));
    expect(clean.content.equals(B(cur.join('')))).toBe(true);
  });

  it('a 50,000-line file with 500 scattered edits on both sides', () => {
    const r = expectGit(B(scatter(base, 500, 'cur', 2).join('')), B(base.join('')), B(scatter(base, 500, 'oth', 3).join('')));
    expect(r.content.length).toBeGreaterThan(1_000_000);
  });

  it('a 50,000-line file reordered on one side (cost-limit heuristics)', () => {
    const cur = base.slice().reverse();
    expectGit(B(cur.join('')), B(base.join('')), B(scatter(base, 20, 'oth', 4).join('')));
  });

  it('about 45,000 lines with dense edits and moved blocks (xdl_split snake heuristic)', () => {
    // Big enough that xdiff's cost limit exceeds its heuristic threshold (ndiags >= 65536),
    // with long snakes off the main diagonal: the "interesting snake" shortcut decides.
    const rand = rng(31337);
    const ri = (n: number) => Math.floor(rand() * n);
    for (const vs of [50, 300]) {
      const gen = (n: number) => Array.from({ length: n }, () => `s${ri(vs)}\n`);
      const b = gen(40_000 + ri(10_000));
      const mutate = (l0: string[], edits: number, moves: number) => {
        const l = l0.slice();
        for (let j = 0; j < edits; j++) l.splice(ri(l.length), 1 + ri(2), ...gen(1 + ri(2)));
        for (let j = 0; j < moves; j++) {
          const blk = l.splice(ri(l.length), 20 + ri(500));
          l.splice(ri(l.length), 0, ...blk);
        }
        return l;
      };
      expectGit(B(mutate(b, 1500, 8).join('')), B(b.join('')), B(mutate(b, 30, 1).join('')));
    }
  });

  it('50,000 lines from a tiny vocabulary on all sides (heuristic splits)', () => {
    const rand = rng(99);
    const v = ['\n', '}\n', '{\n', '  x\n', '  return;\n'];
    const gen = () => Array.from({ length: N }, () => v[Math.floor(rand() * v.length)]).join('');
    const cur = B(gen());
    const b = B(gen());
    const oth = B(gen());
    const g = gitMerge(cur, b, oth);
    const r = mergeText(cur, b, oth);
    expect(r.content.equals(g.content)).toBe(true);
    expect(Math.min(r.conflicts, 127)).toBe(g.status);
  });
});
