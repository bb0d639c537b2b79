import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { mergeSkillMd } from '../src/core/merge/frontmatter.js';
import { segmentFrontMatter, splitSkillMd } from '../src/core/merge/frontmatter-segment.js';
import { gitTry, tempDir } from './helpers/git.js';
import { rng } from './helpers/rng.js';

const LABELS: [string, string, string] = ['local', 'base', 'upstream'];
const scratch = tempDir('skillsync-fm-');
afterAll(() => scratch.cleanup());

/** `git merge-file -p` as the oracle for the line-based answer. */
let n = 0;
function gitMergeFile(current: string, base: string, other: string): { content: string; conflicts: number } {
  const id = n++;
  const files = ['cur', 'base', 'oth'].map((f) => join(scratch.dir, `${f}-${id}`));
  [current, base, other].forEach((s, i) => writeFileSync(files[i], s));
  const r = gitTry(scratch.dir, ['merge-file', '-p', '-L', LABELS[0], '-L', LABELS[1], '-L', LABELS[2], ...files]);
  if (r.status < 0) throw new Error(r.stderr);
  return { content: r.stdout, conflicts: r.status };
}

function merge(current: string, base: string, other: string) {
  const r = mergeSkillMd(Buffer.from(current), Buffer.from(base), Buffer.from(other), { labels: LABELS });
  return { content: r.content.toString('utf8'), conflicts: r.conflicts, binary: r.binary };
}

const fm = (yaml: string, body = '# Title\n\nBody text.\n') => `---\n${yaml}---\n${body}`;

/** The front matter of a merged SKILL.md as data (for "what a person expects" checks). */
function data(md: string): unknown {
  const p = splitSkillMd(md);
  if (!p) throw new Error('no front matter');
  return parseYaml(p.frontMatter);
}

const BASE = fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\n');

interface CleanCase {
  name: string;
  base: string;
  current: string;
  other: string;
  expected: string;
  /** git merge-file conflicts on this one: we deliberately do better. */
  gitConflicts?: boolean;
}

const clean: CleanCase[] = [
  {
    name: 'adjacent keys changed on each side',
    base: BASE,
    current: fm('name: pdf-tools\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\n'),
    other: fm('name: pdf\ndescription: Fill and sign PDF forms\nversion: 1.0.0\nlicense: MIT\n'),
    expected: fm('name: pdf-tools\ndescription: Fill and sign PDF forms\nversion: 1.0.0\nlicense: MIT\n'),
    gitConflicts: true,
  },
  {
    name: 'same key changed identically on both sides',
    base: BASE,
    current: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.1.0\nlicense: MIT\n'),
    other: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.1.0\nlicense: MIT\n'),
    expected: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.1.0\nlicense: MIT\n'),
  },
  {
    name: 'key added upstream goes after its upstream predecessor',
    base: BASE,
    current: fm('name: pdf\ndescription: Fill PDF forms locally\nversion: 1.0.0\nlicense: MIT\n'),
    other: fm('name: pdf\ndescription: Fill PDF forms\nallowed-tools: Read\nversion: 1.0.0\nlicense: MIT\n'),
    expected: fm('name: pdf\ndescription: Fill PDF forms locally\nallowed-tools: Read\nversion: 1.0.0\nlicense: MIT\n'),
    gitConflicts: true,
  },
  {
    // upstream's new key goes right after its upstream predecessor (license), local keys keep their order
    name: 'keys added at the end on both sides',
    base: BASE,
    current: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\nowner: me\n'),
    other: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\nhomepage: https://x.test\n'),
    expected: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\nhomepage: https://x.test\nowner: me\n'),
    gitConflicts: true,
  },
  {
    name: 'key added upstream with no predecessor goes at the end',
    base: fm('name: pdf\n'),
    current: fm('name: pdf-local\n'),
    other: fm('model: opus\nname: pdf\n'),
    expected: fm('name: pdf-local\nmodel: opus\n'),
    gitConflicts: true,
  },
  {
    name: 'same key added identically on both sides',
    base: BASE,
    current: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\nmodel: opus\n'),
    other: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\nmodel: opus\n'),
    expected: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\nmodel: opus\n'),
  },
  {
    name: 'key deleted upstream while the adjacent key changes locally',
    base: BASE,
    current: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.1\nlicense: MIT\n'),
    other: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\n'),
    expected: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.1\n'),
    gitConflicts: true,
  },
  {
    name: 'key deleted locally while the adjacent key changes upstream',
    base: BASE,
    current: fm('name: pdf\nversion: 1.0.0\nlicense: MIT\n'),
    other: fm('name: pdf-upstream\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\n'),
    expected: fm('name: pdf-upstream\nversion: 1.0.0\nlicense: MIT\n'),
    gitConflicts: true,
  },
  {
    name: 'nested map changed upstream, next key changed locally',
    base: fm('name: pdf\nmetadata:\n  author: a\n  tags:\n    - pdf\nversion: 1\n'),
    current: fm('name: pdf\nmetadata:\n  author: a\n  tags:\n    - pdf\nversion: 2\n'),
    other: fm('name: pdf\nmetadata:\n  author: a\n  tags:\n    - pdf\n    - forms\nversion: 1\n'),
    expected: fm('name: pdf\nmetadata:\n  author: a\n  tags:\n    - pdf\n    - forms\nversion: 2\n'),
    gitConflicts: true,
  },
  {
    name: 'different sub-keys of one nested map changed far apart',
    base: fm('metadata:\n  a: 1\n  b: 2\n  c: 3\n  d: 4\n'),
    current: fm('metadata:\n  a: 10\n  b: 2\n  c: 3\n  d: 4\n'),
    other: fm('metadata:\n  a: 1\n  b: 2\n  c: 3\n  d: 40\n'),
    expected: fm('metadata:\n  a: 10\n  b: 2\n  c: 3\n  d: 40\n'),
  },
  {
    name: 'block scalar edited upstream, following key edited locally',
    base: fm('description: |\n  Line one.\n\n  Line two.\nname: pdf\n'),
    current: fm('description: |\n  Line one.\n\n  Line two.\nname: pdf-local\n'),
    other: fm('description: |\n  Line one.\n\n  Line two, longer.\nname: pdf\n'),
    expected: fm('description: |\n  Line one.\n\n  Line two, longer.\nname: pdf-local\n'),
    gitConflicts: true,
  },
  {
    name: 'folded scalar edited locally, preceding key edited upstream',
    base: fm('name: pdf\ndescription: >-\n  Fill forms\n  in PDFs.\n'),
    current: fm('name: pdf\ndescription: >-\n  Fill and sign forms\n  in PDFs.\n'),
    other: fm('name: pdf2\ndescription: >-\n  Fill forms\n  in PDFs.\n'),
    expected: fm('name: pdf2\ndescription: >-\n  Fill and sign forms\n  in PDFs.\n'),
  },
  {
    name: 'sequence at column 0 under its key',
    base: fm('allowed-tools:\n- Read\n- Grep\nname: pdf\n'),
    current: fm('allowed-tools:\n- Read\n- Grep\n- Bash\nname: pdf\n'),
    other: fm('allowed-tools:\n- Read\n- Grep\nname: pdf-up\n'),
    expected: fm('allowed-tools:\n- Read\n- Grep\n- Bash\nname: pdf-up\n'),
    gitConflicts: true,
  },
  {
    name: 'comment above a key changed locally, its value changed upstream',
    base: fm('name: pdf\n# what it does\ndescription: Fill PDF forms\n'),
    current: fm('name: pdf\n# what it does (keep short)\ndescription: Fill PDF forms\n'),
    other: fm('name: pdf\n# what it does\ndescription: Fill PDF forms fast\n'),
    expected: fm('name: pdf\n# what it does (keep short)\ndescription: Fill PDF forms fast\n'),
    gitConflicts: true,
  },
  {
    name: 'comment added locally above a key changed upstream',
    base: fm('name: pdf\ndescription: Fill PDF forms\n'),
    current: fm('name: pdf\n\n# what it does\ndescription: Fill PDF forms\n'),
    other: fm('name: pdf\ndescription: Fill PDF forms fast\n'),
    expected: fm('name: pdf\n\n# what it does\ndescription: Fill PDF forms fast\n'),
    gitConflicts: true,
  },
  {
    name: 'trailing comment changed locally, last key changed upstream',
    base: fm('name: pdf\nversion: 1\n# end\n'),
    current: fm('name: pdf\nversion: 1\n# end of metadata\n'),
    other: fm('name: pdf\nversion: 2\n# end\n'),
    expected: fm('name: pdf\nversion: 2\n# end of metadata\n'),
    gitConflicts: true,
  },
  {
    name: 'upstream reorders keys and changes one: local order kept',
    base: fm('name: pdf\ndescription: d\nversion: 1\n'),
    current: fm('name: pdf\ndescription: d local\nversion: 1\n'),
    other: fm('version: 2\nname: pdf\ndescription: d\n'),
    expected: fm('name: pdf\ndescription: d local\nversion: 2\n'),
    gitConflicts: true,
  },
  {
    name: 'quoted keys and values',
    base: fm('"name": pdf\n\'description\': "Fill: forms"\n'),
    current: fm('"name": pdf-local\n\'description\': "Fill: forms"\n'),
    other: fm('"name": pdf\n\'description\': "Fill: all forms"\n'),
    expected: fm('"name": pdf-local\n\'description\': "Fill: all forms"\n'),
    gitConflicts: true,
  },
  {
    name: 'front matter and body changed on both sides without overlap',
    base: fm('name: pdf\nversion: 1\n', '# PDF\n\nStep one.\n\nStep two.\n'),
    current: fm('name: pdf-local\nversion: 1\n', '# PDF\n\nStep one, carefully.\n\nStep two.\n'),
    other: fm('name: pdf\nversion: 2\n', '# PDF\n\nStep one.\n\nStep two, quickly.\n'),
    expected: fm('name: pdf-local\nversion: 2\n', '# PDF\n\nStep one, carefully.\n\nStep two, quickly.\n'),
    gitConflicts: true,
  },
  {
    name: 'CRLF line ends are kept',
    base: BASE.replace(/\n/g, '\r\n'),
    current: fm('name: pdf-tools\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\n').replace(/\n/g, '\r\n'),
    other: fm('name: pdf\ndescription: Fill and sign PDF forms\nversion: 1.0.0\nlicense: MIT\n').replace(/\n/g, '\r\n'),
    expected: fm('name: pdf-tools\ndescription: Fill and sign PDF forms\nversion: 1.0.0\nlicense: MIT\n').replace(/\n/g, '\r\n'),
    gitConflicts: true,
  },
  {
    name: 'a UTF-8 BOM is kept',
    base: '\uFEFF' + BASE,
    current: '\uFEFF' + fm('name: pdf-tools\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\n'),
    other: '\uFEFF' + fm('name: pdf\ndescription: Fill and sign PDF forms\nversion: 1.0.0\nlicense: MIT\n'),
    expected: '\uFEFF' + fm('name: pdf-tools\ndescription: Fill and sign PDF forms\nversion: 1.0.0\nlicense: MIT\n'),
    gitConflicts: true,
  },
  {
    name: 'a BOM added locally survives an upstream key change',
    base: BASE,
    current: '\uFEFF' + BASE,
    other: fm('name: pdf\ndescription: Fill PDF forms\nversion: 2.0.0\nlicense: MIT\n'),
    expected: '\uFEFF' + fm('name: pdf\ndescription: Fill PDF forms\nversion: 2.0.0\nlicense: MIT\n'),
  },
  {
    name: 'non-ASCII values',
    base: fm('name: pdf\ndescription: Formulare ausfüllen\nversion: 1\n'),
    current: fm('name: pdf\ndescription: Formulare ausfüllen 📄\nversion: 1\n'),
    other: fm('name: pdf\ndescription: Formulare ausfüllen\nversion: 2\n'),
    expected: fm('name: pdf\ndescription: Formulare ausfüllen 📄\nversion: 2\n'),
    gitConflicts: true,
  },
  {
    name: 'empty front matter gains a key upstream',
    base: fm(''),
    current: fm('', '# Title\n\nBody text, edited.\n'),
    other: fm('name: pdf\n'),
    expected: fm('name: pdf\n', '# Title\n\nBody text, edited.\n'),
  },
];

describe('mergeSkillMd: clean merges', () => {
  it.each(clean)('$name', ({ base, current, other, expected, gitConflicts }) => {
    const r = merge(current, base, other);
    expect(r.conflicts).toBe(0);
    expect(r.binary).toBe(false);
    expect(r.content).toBe(expected);
    // the merged front matter is valid YAML and means what a person expects
    expect(() => data(r.content)).not.toThrow();
    const g = gitMergeFile(current, base, other);
    if (gitConflicts) expect(g.conflicts).toBeGreaterThan(0);
    else expect(g.conflicts).toBe(0);
    // symmetric: swapping the sides gives the same data (order aside)
    const s = merge(other, base, current);
    expect(s.conflicts).toBe(0);
    expect(data(s.content)).toEqual(data(r.content));
  });

  it('merged data is the union of both sides’ key edits', () => {
    const r = merge(clean[0].current, clean[0].base, clean[0].other);
    expect(data(r.content)).toEqual({ name: 'pdf-tools', description: 'Fill and sign PDF forms', version: '1.0.0', license: 'MIT' });
  });
});

interface ConflictCase {
  name: string;
  base: string;
  current: string;
  other: string;
  conflicts: number;
  /** Text that must stay outside the conflict markers (merged cleanly). */
  outside?: string[];
  /** Text that must appear between the markers. */
  inside?: string[];
}

const conflicted: ConflictCase[] = [
  {
    name: 'same key changed differently on both sides',
    base: BASE,
    current: fm('name: pdf-local\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\n'),
    other: fm('name: pdf-upstream\ndescription: Fill and sign PDF forms\nversion: 1.0.0\nlicense: MIT\n'),
    conflicts: 1,
    outside: ['description: Fill and sign PDF forms\n', 'version: 1.0.0\n', 'license: MIT\n'],
    inside: ['name: pdf-local\n', 'name: pdf-upstream\n'],
  },
  {
    name: 'same key added with different values',
    base: BASE,
    current: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\nmodel: opus\n'),
    other: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\nmodel: haiku\n'),
    conflicts: 1,
    inside: ['model: opus\n', 'model: haiku\n'],
  },
  {
    name: 'key deleted upstream, modified locally',
    base: BASE,
    current: fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: Apache-2.0\n'),
    other: fm('name: pdf-up\ndescription: Fill PDF forms\nversion: 1.0.0\n'),
    conflicts: 1,
    outside: ['name: pdf-up\n'],
    inside: ['license: Apache-2.0\n'],
  },
  {
    name: 'key deleted locally, modified upstream',
    base: BASE,
    current: fm('name: pdf-local\ndescription: Fill PDF forms\nlicense: MIT\n'),
    other: fm('name: pdf\ndescription: Fill PDF forms\nversion: 2.0.0\nlicense: MIT\n'),
    conflicts: 1,
    outside: ['name: pdf-local\n'],
    inside: ['version: 2.0.0\n'],
  },
  {
    name: 'adjacent sub-keys of one nested map changed on each side',
    base: fm('name: pdf\nmetadata:\n  a: 1\n  b: 2\nversion: 1\n'),
    current: fm('name: pdf\nmetadata:\n  a: 10\n  b: 2\nversion: 1\n'),
    other: fm('name: pdf-up\nmetadata:\n  a: 1\n  b: 20\nversion: 1\n'),
    conflicts: 1,
    outside: ['name: pdf-up\n', 'metadata:\n'],
    inside: ['  a: 10\n', '  b: 20\n'],
  },
  {
    name: 'block scalar changed on both sides',
    base: fm('description: |\n  One.\n  Two.\nname: pdf\n'),
    current: fm('description: |\n  One, local.\n  Two.\nname: pdf\n'),
    other: fm('description: |\n  One, upstream.\n  Two.\nname: pdf-up\n'),
    conflicts: 1,
    outside: ['name: pdf-up\n', '  Two.\n'],
    inside: ['  One, local.\n', '  One, upstream.\n'],
  },
  {
    name: 'front matter and body both conflict: counts add up',
    base: fm('name: pdf\nversion: 1\n', '# PDF\n\nDo the thing.\n'),
    current: fm('name: pdf\nversion: 2\n', '# PDF\n\nDo the thing locally.\n'),
    other: fm('name: pdf\nversion: 3\n', '# PDF\n\nDo the thing upstream.\n'),
    conflicts: 2,
    inside: ['version: 2\n', 'version: 3\n', 'Do the thing locally.\n', 'Do the thing upstream.\n'],
  },
  {
    name: 'CRLF: a key conflict keeps CRLF and the markers use it too',
    base: BASE.replace(/\n/g, '\r\n'),
    current: fm('name: a\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\n').replace(/\n/g, '\r\n'),
    other: fm('name: b\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\n').replace(/\n/g, '\r\n'),
    conflicts: 1,
    outside: ['description: Fill PDF forms\r\n'],
    inside: ['name: a\r\n', 'name: b\r\n'],
  },
];

/** Split a merge result into the text outside markers and the text inside them. */
function regions(content: string): { outside: string; inside: string } {
  let outside = '';
  let inside = '';
  let depth = 0;
  for (const line of content.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    if (line.startsWith('<<<<<<< ')) depth++;
    else if (line.startsWith('>>>>>>> ')) depth--;
    else if (depth > 0) {
      if (!line.startsWith('=======')) inside += line;
    } else outside += line;
  }
  return { outside, inside };
}

describe('mergeSkillMd: conflicts', () => {
  it.each(conflicted)('$name', ({ base, current, other, conflicts, outside = [], inside = [] }) => {
    const r = merge(current, base, other);
    expect(r.conflicts).toBe(conflicts);
    expect(r.binary).toBe(false);
    expect(r.content).toMatch(/^<<<<<<< local\r?$/m);
    expect(r.content).toMatch(/^=======\r?$/m);
    expect(r.content).toMatch(/^>>>>>>> upstream\r?$/m);
    expect(r.content.match(/^<<<<<<< /gm)?.length).toBe(conflicts);
    const reg = regions(r.content);
    for (const s of outside) expect(reg.outside).toContain(s);
    for (const s of inside) expect(reg.inside).toContain(s);
    if (current.includes('\r\n')) expect(r.content.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('a conflict on one key leaves the front matter delimiters and other keys alone', () => {
    const r = merge(conflicted[0].current, conflicted[0].base, conflicted[0].other);
    expect(r.content.startsWith('---\n<<<<<<< local\nname: pdf-local\n=======\nname: pdf-upstream\n>>>>>>> upstream\n')).toBe(true);
    expect(r.content).toContain('license: MIT\n---\n# Title\n');
  });
});

describe('mergeSkillMd: falls back to the text merge (git merge-file) when unsure', () => {
  const cases: { name: string; base: string; current: string; other: string }[] = [
    {
      name: 'no front matter on one side',
      base: BASE,
      current: '# Just markdown\n\nname: pdf\n',
      other: fm('name: pdf\ndescription: Fill PDF forms\nversion: 2.0.0\nlicense: MIT\n'),
    },
    {
      name: 'no front matter anywhere',
      base: '# PDF\n\nOne.\nTwo.\n',
      current: '# PDF\n\nOne!\nTwo.\n',
      other: '# PDF\n\nOne.\nTwo!\n',
    },
    {
      name: 'front matter never closed',
      base: '---\nname: pdf\nversion: 1\n',
      current: '---\nname: pdf2\nversion: 1\n',
      other: '---\nname: pdf\nversion: 2\n',
    },
    {
      name: 'flow sequence continued at column 0',
      base: fm('tags: [a,\nb]\nname: pdf\n'),
      current: fm('tags: [a,\nb, c]\nname: pdf\n'),
      other: fm('tags: [a,\nb]\nname: pdf2\n'),
    },
    {
      name: 'duplicate keys',
      base: fm('name: pdf\nname: pdf\n'),
      current: fm('name: pdf1\nname: pdf\n'),
      other: fm('name: pdf\nname: pdf2\n'),
    },
    {
      name: 'explicit complex key',
      base: fm('? [a, b]\n: 1\nname: pdf\n'),
      current: fm('? [a, b]\n: 2\nname: pdf\n'),
      other: fm('? [a, b]\n: 1\nname: pdf2\n'),
    },
    {
      name: 'top level is a sequence',
      base: fm('- a\n- b\n'),
      current: fm('- a1\n- b\n'),
      other: fm('- a\n- b2\n'),
    },
    {
      name: 'a clean per-key result would leave an alias without its anchor',
      base: fm('a: &x 1\nb: 2\n'),
      current: fm('a: &x 1\nb: *x\n'),
      other: fm('a: 1\nb: 2\n'),
    },
  ];

  it.each(cases)('$name', ({ base, current, other }) => {
    const r = merge(current, base, other);
    const g = gitMergeFile(current, base, other);
    expect(r.content).toBe(g.content);
    expect(r.conflicts).toBe(g.conflicts);
  });

  it('delimiters changed differently on both sides → whole-file text merge', () => {
    const base = BASE;
    const current = BASE.replace(/^---\n/, '---  \n');
    const other = BASE.replace(/^---\n/, '--- \n').replace('version: 1.0.0', 'version: 2');
    const r = merge(current, base, other);
    const g = gitMergeFile(current, base, other);
    expect(r.content).toBe(g.content);
    expect(r.conflicts).toBe(g.conflicts);
  });

  it('binary input is not merged', () => {
    const bin = Buffer.from('---\nname: a\n---\n\0\x01', 'latin1');
    const other = Buffer.from(BASE.replace('MIT', 'GPL'));
    const r = mergeSkillMd(bin, Buffer.from(BASE), other, { labels: LABELS });
    expect(r.binary).toBe(true);
    expect(r.conflicts).toBe(1);
    expect(r.content.equals(bin)).toBe(true);
  });

  it('invalid UTF-8 falls back to the byte-wise text merge', () => {
    const base = Buffer.from(BASE);
    const current = Buffer.concat([Buffer.from('---\nname: \xff\n', 'latin1'), Buffer.from('description: Fill PDF forms\nversion: 1.0.0\nlicense: MIT\n---\n# Title\n\nBody text.\n')]);
    const other = Buffer.from(fm('name: pdf\ndescription: Fill PDF forms\nversion: 1.0.0\nlicense: GPL\n'));
    const r = mergeSkillMd(current, base, other, { labels: LABELS });
    expect(r.conflicts).toBe(0);
    expect(r.content.includes(Buffer.from('name: \xff\n', 'latin1'))).toBe(true);
    expect(r.content.toString('latin1')).toContain('license: GPL\n');
  });
});

describe('segmentFrontMatter', () => {
  it('splits top-level keys with their comments and continuation lines', () => {
    const seg = segmentFrontMatter('# header\nname: pdf\ndescription: |\n  a\n\n  b\n\n# tools\nallowed-tools:\n- Read\nmetadata:\n  x: 1\n# end\n');
    expect(seg).not.toBeNull();
    expect(seg!.blocks).toEqual([
      { key: 'name', lead: '# header\n', body: 'name: pdf\n' },
      { key: 'description', lead: '', body: 'description: |\n  a\n\n  b\n' },
      { key: 'allowed-tools', lead: '\n# tools\n', body: 'allowed-tools:\n- Read\n' },
      { key: 'metadata', lead: '', body: 'metadata:\n  x: 1\n' },
    ]);
    expect(seg!.tail).toBe('# end\n');
  });

  it.each(['  indented: first\n', 'a: 1\n]\n', 'a: 1\na: 2\n', 'a: "x\nb: y"\n'])('is unsure about %j', (text) => {
    expect(segmentFrontMatter(text)).toBeNull();
  });
});

// ---- property: edits to different keys on each side always merge cleanly ----


type Val = string | string[] | Record<string, string>;
interface Entry {
  key: string;
  value: Val;
  comment?: string;
  style: 'plain' | 'block' | 'map' | 'list' | 'list0' | 'quoted';
}

function render(entries: Entry[], eol: string): string {
  let s = '';
  for (const e of entries) {
    if (e.comment) s += `# ${e.comment}\n`;
    const v = e.value;
    if (e.style === 'plain') s += `${e.key}: ${v}\n`;
    else if (e.style === 'quoted') s += `${e.key}: "${v}"\n`;
    else if (e.style === 'block') s += `${e.key}: |-\n` + (v as string).split('\n').map((l) => `  ${l}\n`).join('');
    else if (e.style === 'map') s += `${e.key}:\n` + Object.entries(v).map(([k, x]) => `  ${k}: ${x}\n`).join('');
    else s += `${e.key}:\n` + (v as string[]).map((x) => `${e.style === 'list0' ? '' : '  '}- ${x}\n`).join('');
  }
  return s.replace(/\n/g, eol);
}

describe('mergeSkillMd: random edits to disjoint keys never conflict', () => {
  it.each(Array.from({ length: 150 }, (_, i) => i + 1))('seed %i', (seed) => {
    const r = rng(seed);
    let tok = 0;
    const w = () => `w${tok++}v${r.int(1000)}`;
    const styles: Entry['style'][] = ['plain', 'block', 'map', 'list', 'list0', 'quoted'];
    const value = (style: Entry['style']): Val =>
      style === 'plain' || style === 'quoted'
        ? `${w()} ${w()}`
        : style === 'block'
          ? `${w()}\n${w()}\n${w()}`
          : style === 'map'
            ? { a: w(), b: w(), c: w() }
            : [w(), w()];
    const entry = (key: string): Entry => {
      const style = styles[r.int(styles.length)];
      return { key, style, value: value(style), comment: r.chance(0.25) ? w() : undefined };
    };
    const base: Entry[] = Array.from({ length: 3 + r.int(6) }, (_, i) => entry(`k${i}`));
    const owner = new Map(base.map((e) => [e.key, r.int(3)])); // 0: nobody, 1: local, 2: upstream
    let added = 0;
    const side = (who: number): Entry[] => {
      const out: Entry[] = [];
      for (const e of base) {
        const mine = owner.get(e.key) === who;
        const x = r.next();
        if (mine && x < 0.15) continue; // delete
        if (mine && x < 0.55) out.push({ ...e, value: value(e.style) }); // new value
        else if (mine && x < 0.7) out.push({ ...e, comment: w() }); // new comment
        else if (mine && x < 0.8) out.push({ ...entry(e.key) }); // new style and value
        else out.push(e);
        if (r.chance(0.15)) out.push(entry(`${who === 1 ? 'local' : 'up'}${added++}`)); // a new key anywhere
      }
      return out;
    };
    const local = side(1);
    const upstream = side(2);
    const eol = r.chance(0.2) ? '\r\n' : '\n';
    const doc = (e: Entry[]) => `---${eol}${render(e, eol)}---${eol}# Body${eol}`;
    const m = merge(doc(local), doc(base), doc(upstream));
    expect(m.conflicts).toBe(0);

    // expected data: base, then each side's changes to the keys it owns, plus each side's new keys
    const obj = (e: Entry[]) => Object.fromEntries(e.map((x) => [x.key, x.value]));
    const [lo, bo, uo] = [obj(local), obj(base), obj(upstream)];
    const expected: Record<string, Val> = {};
    for (const k of new Set([...Object.keys(lo), ...Object.keys(uo), ...Object.keys(bo)])) {
      const owned = owner.get(k);
      const src = owned === 2 || (owned === undefined && !(k in lo)) ? uo : lo;
      if (k in src) expected[k] = src[k];
    }
    expect(data(m.content)).toEqual(expected);
    // local order is kept
    const keysOut = Object.keys(data(m.content) as object);
    const localKept = local.map((e) => e.key).filter((k) => keysOut.includes(k));
    expect(keysOut.filter((k) => localKept.includes(k))).toEqual(localKept);
    if (eol === '\r\n') expect(m.content.replace(/\r\n/g, '')).not.toContain('\n');
  });
});
