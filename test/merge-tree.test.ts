import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { mergeTrees, type FlatTree, type FileMode, type TreeConflictKind, type TreeMergeResult } from '../src/core/merge/tree.js';
import { git, gitTry, gitTreeOf, tempDir, writeTree } from './helpers/git.js';
import { rng } from './helpers/rng.js';

type Spec = string | Buffer | { content: string | Buffer; mode?: number };
type Files = Record<string, Spec>;
/** Edits applied to the base: a file spec, or null to delete. */
type Edits = Record<string, Spec | null>;

const exec = (content: string | Buffer): Spec => ({ content, mode: 0o755 });

interface Scenario {
  name: string;
  base: Files;
  ours: Edits;
  theirs: Edits;
  /** Conflicts we report: path → kind. Empty for a clean merge. */
  conflicts: Record<string, TreeConflictKind>;
  /** Where we deliberately differ from git; otherwise the whole merged tree must equal git's. */
  differs?: 'skill-md' | 'file/directory';
  /** What git reports as conflicted, when that differs from our paths. */
  gitConflicts?: string[];
  /** Extra checks on our result. */
  check?: (r: TreeMergeResult, text: (path: string) => string) => void;
}

const SKILL = (yaml: string, body = '# Skill\n\nDo things.\n') => `---\n${yaml}---\n${body}`;
const lines = (...xs: string[]) => xs.map((x) => x + '\n').join('');

const scenarios: Scenario[] = [
  {
    name: 'different files changed on each side',
    base: { 'a.md': 'alpha\n', 'b.md': 'beta\n' },
    ours: { 'a.md': 'alpha ours\n' },
    theirs: { 'b.md': 'beta theirs\n' },
    conflicts: {},
  },
  {
    name: 'same change on both sides',
    base: { 'a.md': 'alpha\n' },
    ours: { 'a.md': 'alpha both\n' },
    theirs: { 'a.md': 'alpha both\n' },
    conflicts: {},
  },
  {
    name: 'one text file changed on both sides without overlap',
    base: { 'doc.md': lines('1', '2', '3', '4', '5', '6', '7') },
    ours: { 'doc.md': lines('1 ours', '2', '3', '4', '5', '6', '7') },
    theirs: { 'doc.md': lines('1', '2', '3', '4', '5', '6', '7 theirs') },
    conflicts: {},
  },
  {
    name: 'content conflict',
    base: { 'doc.md': lines('1', '2', '3', '4', '5') },
    ours: { 'doc.md': lines('1', '2', 'three ours', '4', '5') },
    theirs: { 'doc.md': lines('1', '2', 'three theirs', '4', '5 theirs') },
    conflicts: { 'doc.md': 'content' },
    check: (r, text) => {
      expect(text('doc.md')).toContain('<<<<<<< ours\nthree ours\n=======\nthree theirs\n>>>>>>> theirs\n');
    },
  },
  {
    name: 'CRLF text merged cleanly',
    base: { 'w.txt': 'a\r\nb\r\nc\r\nd\r\ne\r\n' },
    ours: { 'w.txt': 'A\r\nb\r\nc\r\nd\r\ne\r\n' },
    theirs: { 'w.txt': 'a\r\nb\r\nc\r\nd\r\nE\r\n' },
    conflicts: {},
  },
  {
    name: 'add/add with the same content',
    base: { 'keep.md': 'keep\n' },
    ours: { 'new.md': 'same new\n' },
    theirs: { 'new.md': 'same new\n' },
    conflicts: {},
  },
  {
    name: 'add/add with different text',
    base: { 'keep.md': 'keep\n' },
    ours: { 'new.md': lines('head', 'ours middle', 'tail') },
    theirs: { 'new.md': lines('head', 'theirs middle', 'tail') },
    conflicts: { 'new.md': 'add/add' },
  },
  {
    name: 'add/add binary',
    base: { 'keep.md': 'keep\n' },
    ours: { 'img.bin': Buffer.from([0, 1, 2, 3]) },
    theirs: { 'img.bin': Buffer.from([0, 9, 9, 9]) },
    conflicts: { 'img.bin': 'binary' },
  },
  {
    name: 'binary modified on both sides',
    base: { 'assets/logo.png': Buffer.from([0x89, 0x50, 0, 1]) },
    ours: { 'assets/logo.png': Buffer.from([0x89, 0x50, 0, 2]) },
    theirs: { 'assets/logo.png': Buffer.from([0x89, 0x50, 0, 3]) },
    conflicts: { 'assets/logo.png': 'binary' },
    check: (r) => {
      expect(r.files.get('assets/logo.png')?.content).toBeUndefined(); // current's blob, unchanged
    },
  },
  {
    name: 'binary modified on one side',
    base: { 'assets/logo.png': Buffer.from([0x89, 0x50, 0, 1]), 'a.md': 'a\n' },
    ours: { 'a.md': 'a ours\n' },
    theirs: { 'assets/logo.png': Buffer.from([0x89, 0x50, 0, 3]) },
    conflicts: {},
  },
  {
    name: 'modify/delete: changed locally, deleted upstream',
    base: { 'ref.md': 'reference\n', 'keep.md': 'keep\n' },
    ours: { 'ref.md': 'reference, edited\n' },
    theirs: { 'ref.md': null },
    conflicts: { 'ref.md': 'modify/delete' },
  },
  {
    name: 'delete/modify: deleted locally, changed upstream',
    base: { 'ref.md': 'reference\n', 'keep.md': 'keep\n' },
    ours: { 'ref.md': null },
    theirs: { 'ref.md': 'reference, edited upstream\n' },
    conflicts: { 'ref.md': 'delete/modify' },
  },
  {
    name: 'deleted on both sides',
    base: { 'old.md': 'old\n', 'keep.md': 'keep\n' },
    ours: { 'old.md': null },
    theirs: { 'old.md': null },
    conflicts: {},
  },
  {
    name: 'deleted on one side, unchanged on the other',
    base: { 'old.md': 'old\n', 'old2.md': 'old two\n', 'keep.md': 'keep\n' },
    ours: { 'old.md': null },
    theirs: { 'old2.md': null },
    conflicts: {},
  },
  {
    name: 'exec bit set locally, content changed upstream: both apply',
    base: { 'scripts/run.sh': '#!/bin/sh\necho one\n' },
    ours: { 'scripts/run.sh': exec('#!/bin/sh\necho one\n') },
    theirs: { 'scripts/run.sh': '#!/bin/sh\necho two\n' },
    conflicts: {},
    check: (r) => expect(r.files.get('scripts/run.sh')?.mode).toBe('100755'),
  },
  {
    name: 'exec bit cleared upstream, content changed locally: both apply',
    base: { 'run.sh': exec('#!/bin/sh\necho one\n') },
    ours: { 'run.sh': exec('#!/bin/sh\necho local\n') },
    theirs: { 'run.sh': '#!/bin/sh\necho one\n' },
    conflicts: {},
    check: (r) => expect(r.files.get('run.sh')?.mode).toBe('100644'),
  },
  {
    name: 'exec bit set on both sides, content merged',
    base: { 'run.sh': lines('#!/bin/sh', 'a', 'b', 'c', 'd') },
    ours: { 'run.sh': exec(lines('#!/bin/sh', 'A', 'b', 'c', 'd')) },
    theirs: { 'run.sh': exec(lines('#!/bin/sh', 'a', 'b', 'c', 'D')) },
    conflicts: {},
  },
  {
    name: 'exec bit changed locally, file deleted upstream',
    base: { 'run.sh': '#!/bin/sh\necho mode\n', 'keep.md': 'keep\n' },
    ours: { 'run.sh': exec('#!/bin/sh\necho mode\n') },
    theirs: { 'run.sh': null },
    conflicts: { 'run.sh': 'modify/delete' },
  },
  {
    name: 'added on both sides with the same content but different modes',
    base: { 'keep.md': 'keep\n' },
    ours: { 'tool.sh': exec('#!/bin/sh\necho tool\n') },
    theirs: { 'tool.sh': '#!/bin/sh\necho tool\n' },
    conflicts: { 'tool.sh': 'mode' },
  },
  {
    name: 'nested folders: adds, edits and deletes at several depths',
    base: {
      'SKILL.md': SKILL('name: nest\n'),
      'scripts/lib/util.py': 'def util():\n    return 1\n',
      'scripts/lib/deep/x.py': 'x = 1\n',
      'references/a.md': 'ref a\n',
      'references/b.md': 'ref b\n',
      'assets/templates/t.txt': 'template\n',
    },
    ours: {
      'scripts/lib/util.py': 'def util():\n    return 2\n',
      'scripts/lib/deep/y.py': 'y = 2\n',
      'references/b.md': null,
      'local/notes.md': 'my notes\n',
    },
    theirs: {
      'scripts/lib/deep/x.py': 'x = 10\n',
      'assets/templates/t.txt': null,
      'assets/templates/u.txt': 'a different file\n',
      'references/c/d/e.md': 'ref e\n',
    },
    conflicts: {},
  },
  {
    name: 'a whole folder deleted upstream while another grows locally',
    base: { 'SKILL.md': SKILL('name: fold\n'), 'old/a.md': 'old a\n', 'old/b/c.md': 'old c\n', 'new/x.md': 'x\n' },
    ours: { 'new/y.md': 'y\n' },
    theirs: { 'old/a.md': null, 'old/b/c.md': null },
    conflicts: {},
  },
  {
    name: 'files only one side has are kept',
    base: { 'SKILL.md': SKILL('name: one\n') },
    ours: { 'mine.md': 'only mine\n', 'deep/mine.md': 'only mine, deep\n' },
    theirs: { 'theirs.md': 'only theirs\n' },
    conflicts: {},
  },
  {
    name: 'empty base: everything added',
    base: {},
    ours: { 'SKILL.md': SKILL('name: x\n'), 'a.md': 'a ours\n' },
    theirs: { 'SKILL.md': SKILL('name: x\n'), 'b.md': 'b theirs\n' },
    conflicts: {},
  },
  {
    name: 'SKILL.md: front matter and body edits far apart (git agrees)',
    base: { 'SKILL.md': SKILL('name: pdf\ndescription: d\nversion: 1\n', lines('# PDF', '', 'one', 'two', 'three', 'four')) },
    ours: { 'SKILL.md': SKILL('name: pdf-local\ndescription: d\nversion: 1\n', lines('# PDF', '', 'one', 'two', 'three', 'four')) },
    theirs: { 'SKILL.md': SKILL('name: pdf\ndescription: d\nversion: 1\n', lines('# PDF', '', 'one', 'two', 'three', 'four upstream')) },
    conflicts: {},
  },
  {
    name: 'SKILL.md: the same key changed on both sides conflicts like git',
    base: { 'SKILL.md': SKILL('name: pdf\ndescription: d\nversion: 1\nlicense: MIT\n') },
    ours: { 'SKILL.md': SKILL('name: pdf\ndescription: d ours\nversion: 1\nlicense: MIT\n') },
    theirs: { 'SKILL.md': SKILL('name: pdf\ndescription: d theirs\nversion: 1\nlicense: MIT\n') },
    conflicts: { 'SKILL.md': 'content' },
  },
  {
    name: 'SKILL.md: adjacent front matter keys edited on each side (better than git)',
    base: { 'SKILL.md': SKILL('name: pdf\ndescription: Fill forms\nversion: 1.0.0\n'), 'run.sh': exec('#!/bin/sh\n') },
    ours: { 'SKILL.md': SKILL('name: pdf\ndescription: Fill and sign forms\nversion: 1.0.0\n') },
    theirs: { 'SKILL.md': SKILL('name: pdf\ndescription: Fill forms\nversion: 1.1.0\n') },
    conflicts: {},
    differs: 'skill-md',
    gitConflicts: ['SKILL.md'],
    check: (r, text) => {
      expect(text('SKILL.md')).toBe(SKILL('name: pdf\ndescription: Fill and sign forms\nversion: 1.1.0\n'));
    },
  },
  {
    name: 'SKILL.md: key added upstream next to a key edited locally, plus exec bit (better than git)',
    base: { 'SKILL.md': SKILL('name: pdf\ndescription: Fill forms\n'), 'run.sh': '#!/bin/sh\n' },
    ours: { 'SKILL.md': SKILL('name: pdf\ndescription: Fill forms, locally\n') },
    theirs: { 'SKILL.md': SKILL('name: pdf\ndescription: Fill forms\nallowed-tools: Bash\n'), 'run.sh': exec('#!/bin/sh\n') },
    conflicts: {},
    differs: 'skill-md',
    gitConflicts: ['SKILL.md'],
    check: (r, text) => {
      expect(text('SKILL.md')).toBe(SKILL('name: pdf\ndescription: Fill forms, locally\nallowed-tools: Bash\n'));
      expect(r.files.get('run.sh')?.mode).toBe('100755');
    },
  },
  {
    name: 'only the skill root SKILL.md gets the front matter merge',
    base: { 'sub/SKILL.md': SKILL('name: sub\ndescription: d\n') },
    ours: { 'sub/SKILL.md': SKILL('name: sub-ours\ndescription: d\n') },
    theirs: { 'sub/SKILL.md': SKILL('name: sub\ndescription: d theirs\n') },
    conflicts: { 'sub/SKILL.md': 'content' },
  },
  {
    name: 'file locally, folder upstream: keep the local file',
    base: { 'keep.md': 'keep\n' },
    ours: { 'data': 'a file\n' },
    theirs: { 'data/z.md': 'in a folder\n' },
    conflicts: { data: 'file/directory' },
    differs: 'file/directory',
    gitConflicts: ['data~ours'],
    check: (r) => {
      expect(r.files.has('data')).toBe(true);
      expect(r.files.has('data/z.md')).toBe(false);
    },
  },
  {
    name: 'folder locally, file upstream: keep the local folder',
    base: { 'keep.md': 'keep\n' },
    ours: { 'data/z.md': 'in a folder\n' },
    theirs: { 'data': 'a file upstream\n' },
    conflicts: { data: 'file/directory' },
    differs: 'file/directory',
    gitConflicts: ['data~theirs'],
    check: (r) => {
      expect(r.files.has('data')).toBe(false);
      expect(r.files.has('data/z.md')).toBe(true);
    },
  },
  {
    name: 'file modified locally, replaced by a folder upstream',
    base: { p: 'p file\n', 'keep.md': 'keep\n' },
    ours: { p: 'p file, edited\n' },
    theirs: { p: null, 'p/y.md': 'p folder\n' },
    conflicts: { p: 'file/directory' },
    differs: 'file/directory',
    gitConflicts: ['p~ours'],
    check: (r) => {
      expect(r.files.has('p')).toBe(true);
      expect(r.files.has('p/y.md')).toBe(false);
    },
  },
  {
    name: 'folder replaced by a file locally while upstream edits inside it',
    base: { 'p/x.md': 'x in folder\n', 'keep.md': 'keep\n' },
    ours: { 'p/x.md': null, p: 'p is a file now\n' },
    theirs: { 'p/x.md': 'x in folder, edited\n' },
    conflicts: { p: 'file/directory' }, // the delete/modify of p/x.md is folded into it
    differs: 'file/directory',
    gitConflicts: ['p~ours', 'p/x.md'].sort(),
    check: (r) => {
      expect([...r.files.keys()].sort()).toEqual(['keep.md', 'p']);
      expect(r.conflicts[0].message).toContain('p/x.md: delete/modify');
    },
  },
  {
    name: 'file unchanged locally, replaced by a folder upstream: no conflict',
    base: { p: 'p file\n', 'keep.md': 'keep\n' },
    ours: { 'keep.md': 'keep, edited\n' },
    theirs: { p: null, 'p/y.md': 'p folder\n' },
    conflicts: {},
  },
];

// ---- the oracle: real commits and `git merge-tree --write-tree` ----

let repo: { dir: string; cleanup: () => void };
beforeAll(() => {
  repo = tempDir('skillsync-mt-');
  git(repo.dir, ['init', '-q', '-b', 'main']);
});
afterAll(() => repo.cleanup());

let seq = 0;

function commitTree(files: Files, parent?: string): string {
  const work = join(repo.dir, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  writeTree(work, files);
  for (const [p, s] of Object.entries(files)) {
    const mode = typeof s === 'object' && !Buffer.isBuffer(s) ? s.mode ?? 0o644 : 0o644;
    chmodSync(join(work, p), mode);
  }
  // objects go into the scratch repo through a throwaway index
  const env = { ...process.env, GIT_INDEX_FILE: join(repo.dir, `index-${seq++}`) };
  const gitArgs = ['--git-dir', join(repo.dir, '.git'), '--work-tree', work];
  execFileSync('git', [...gitArgs, 'add', '-A'], { env });
  const tree = execFileSync('git', [...gitArgs, 'write-tree'], { env }).toString().trim();
  const args = ['commit-tree', tree, '-m', 'c', ...(parent ? ['-p', parent] : [])];
  return git(repo.dir, args);
}

function apply(base: Files, edits: Edits): Files {
  const out: Files = { ...base };
  for (const [p, s] of Object.entries(edits)) {
    if (s === null) delete out[p];
    else out[p] = s;
  }
  return out;
}

function flat(commit: string): FlatTree {
  const m: FlatTree = new Map();
  const out = execFileSync('git', ['ls-tree', '-r', '-z', commit], { cwd: repo.dir }).toString('utf8');
  for (const rec of out.split('\0')) {
    if (!rec) continue;
    const [meta, path] = rec.split('\t');
    const [mode, , oid] = meta.split(' ');
    m.set(path, { mode: mode as FileMode, oid });
  }
  return m;
}

const blobs = new Map<string, Buffer>();
function readBlob(oid: string): Buffer {
  let b = blobs.get(oid);
  if (!b) {
    b = execFileSync('git', ['cat-file', 'blob', oid], { cwd: repo.dir });
    blobs.set(oid, b);
  }
  return b;
}

function gitMergeTree(ours: string, theirs: string): { tree: string; conflicted: string[]; clean: boolean } {
  const r = gitTry(repo.dir, ['merge-tree', '--write-tree', '--name-only', ours, theirs]);
  if (r.status !== 0 && r.status !== 1) throw new Error(r.stderr);
  const [head, ...rest] = r.stdout.split('\n');
  const conflicted: string[] = [];
  for (const l of rest) {
    if (l === '') break;
    conflicted.push(l);
  }
  return { tree: head.trim(), conflicted: [...new Set(conflicted)].sort(), clean: r.status === 0 };
}

function writeResult(r: TreeMergeResult, dir: string): void {
  for (const [p, f] of r.files) {
    const abs = join(dir, p);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, f.content ?? readBlob(f.oid!));
    chmodSync(abs, f.mode === '100755' ? 0o755 : 0o644);
  }
}

describe('mergeTrees agrees with git merge-tree --write-tree', () => {
  it.each(scenarios)('$name', (s) => {
    const base = commitTree(s.base);
    const ours = commitTree(apply(s.base, s.ours), base);
    const theirs = commitTree(apply(s.base, s.theirs), base);
    git(repo.dir, ['update-ref', 'refs/heads/ours', ours]);
    git(repo.dir, ['update-ref', 'refs/heads/theirs', theirs]);
    const g = gitMergeTree('ours', 'theirs');

    // git labels markers with the branch names it was given
    const r = mergeTrees(flat(base), flat(ours), flat(theirs), readBlob, { labels: ['ours', 'base', 'theirs'] });
    const mine = Object.fromEntries(r.conflicts.map((c) => [c.path, c.kind]));
    expect(mine).toEqual(s.conflicts);
    for (const c of r.conflicts) expect(c.message).toContain(c.path);
    expect(g.conflicted).toEqual(s.gitConflicts ?? Object.keys(s.conflicts).sort());
    expect(g.clean).toBe((s.gitConflicts ?? Object.keys(s.conflicts)).length === 0);

    const out = tempDir('skillsync-mt-out-');
    try {
      writeResult(r, out.dir);
      const tree = gitTreeOf(out.dir);
      if (s.differs) expect(tree).not.toBe(g.tree);
      else expect(tree).toBe(g.tree); // same files, bytes (markers included) and modes as git
    } finally {
      out.cleanup();
    }
    // untouched files come through by oid, not as rewritten content
    const cur = flat(ours);
    const oth = flat(theirs);
    for (const [p, f] of r.files) {
      if (f.content === undefined) expect(f.oid === cur.get(p)?.oid || f.oid === oth.get(p)?.oid).toBe(true);
    }
    s.check?.(r, (p) => {
      const f = r.files.get(p)!;
      return (f.content ?? readBlob(f.oid!)).toString('utf8');
    });
  });
});

describe('mergeTrees (pure)', () => {
  const blob = new Map<string, Buffer>([
    ['b1', Buffer.from('one\n')],
    ['b2', Buffer.from('two\n')],
    ['b3', Buffer.from('three\n')],
  ]);
  const rb = (oid: string) => {
    const b = blob.get(oid);
    if (!b) throw new Error(`no blob ${oid}`);
    return b;
  };
  const t = (o: Record<string, [FileMode, string]>): FlatTree => new Map(Object.entries(o).map(([p, [mode, oid]]) => [p, { mode, oid }]));

  it('uses local/base/upstream labels by default', () => {
    const r = mergeTrees(t({ f: ['100644', 'b1'] }), t({ f: ['100644', 'b2'] }), t({ f: ['100644', 'b3'] }), rb);
    expect(r.conflicts).toEqual([{ path: 'f', kind: 'content', message: expect.any(String) }]);
    const text = r.files.get('f')!.content!.toString();
    expect(text).toContain('<<<<<<< local\n');
    expect(text).toContain('>>>>>>> upstream\n');
  });

  it('reads no blob when no content merge is needed', () => {
    const r = mergeTrees(
      t({ a: ['100644', 'x1'], b: ['100644', 'x2'], gone: ['100644', 'x3'] }),
      t({ a: ['100755', 'x1'], b: ['100644', 'x2'], gone: ['100644', 'x3'], mine: ['100644', 'x4'] }),
      t({ a: ['100644', 'x9'], b: ['100644', 'x8'] }),
      () => {
        throw new Error('should not read');
      },
    );
    expect(r.conflicts).toEqual([]);
    expect([...r.files]).toEqual([
      ['a', { mode: '100755', oid: 'x9' }],
      ['b', { mode: '100644', oid: 'x8' }],
      ['mine', { mode: '100644', oid: 'x4' }],
    ]);
  });

  it('reports nested file/directory clashes once, at the shortest path', () => {
    const r = mergeTrees(new Map(), t({ a: ['100644', 'b1'] }), t({ 'a/b': ['100644', 'b2'], 'a/b/c': ['100644', 'b3'] }), rb);
    expect(r.conflicts.map((c) => [c.path, c.kind])).toEqual([['a', 'file/directory']]);
    expect([...r.files.keys()]).toEqual(['a']);
  });
});

// ---- randomized: many small trees, every answer checked against git ----


// No path here is a folder of another, so git never renames a file aside (file/directory is covered above).
const POOL = ['a.txt', 'b.md', 'run.sh', 'd/e.txt', 'd/f.md', 'd/g/h.txt', 'd/g/i.bin', 'j/k.txt', 'j/l.txt', 'm.bin'];

function randomTrial(seed: number): { base: Files; ours: Edits; theirs: Edits } {
  const r = rng(seed);
  let tok = 0;
  // every line is a fresh token, so no two files look alike and git's rename detection stays out of it
  const word = () => `s${seed}t${tok++}x${r.int(1e6)}`;
  const text = () => Array.from({ length: 3 + r.int(6) }, word).join('\n') + '\n';
  const bin = () => Buffer.concat([Buffer.from([0]), Buffer.from(word())]);
  const fresh = (p: string) => (p.endsWith('.bin') ? bin() : text());
  const contentOf = (sp: Spec) => (typeof sp === 'string' || Buffer.isBuffer(sp) ? sp : sp.content);
  const modeOf = (sp: Spec) => (typeof sp === 'object' && !Buffer.isBuffer(sp) ? sp.mode ?? 0o644 : 0o644);
  const mk = (content: string | Buffer, mode: number): Spec => (mode === 0o755 ? { content, mode } : content);
  const edit = (p: string, c: string | Buffer): string | Buffer => {
    if (Buffer.isBuffer(c)) return bin();
    const ls = c.split('\n').slice(0, -1);
    const n = 1 + r.int(2);
    for (let k = 0; k < n; k++) {
      const at = r.int(ls.length + 1);
      if (r.chance(0.6) && at < ls.length) ls[at] = word();
      else if (r.chance(0.5)) ls.splice(at, 0, word());
      else if (ls.length > 1) ls.splice(Math.min(at, ls.length - 1), 1);
    }
    return ls.join('\n') + '\n';
  };

  const base: Files = {};
  for (const p of POOL) if (r.chance(0.6)) base[p] = mk(fresh(p), r.chance(0.2) || p === 'run.sh' ? 0o755 : 0o644);
  const side = (like?: Edits): Edits => {
    const e: Edits = {};
    for (const p of POOL) {
      if (like && p in like && r.chance(0.15)) {
        e[p] = like[p]; // the same change on both sides
        continue;
      }
      const b = base[p];
      if (b === undefined) {
        if (r.chance(0.2)) e[p] = like?.[p] && r.chance(0.3) ? like[p] : mk(fresh(p), r.chance(0.2) ? 0o755 : 0o644);
        continue;
      }
      const x = r.next();
      const flip = modeOf(b) === 0o755 ? 0o644 : 0o755;
      if (x < 0.4) continue;
      else if (x < 0.7) e[p] = mk(edit(p, contentOf(b)), modeOf(b));
      else if (x < 0.8) e[p] = null;
      else if (x < 0.9) e[p] = mk(contentOf(b), flip);
      else e[p] = mk(edit(p, contentOf(b)), flip);
    }
    return e;
  };
  const ours = side();
  const theirs = side(ours);
  return { base, ours, theirs };
}

describe('mergeTrees agrees with git on random trees', () => {
  const TRIALS = Number(process.env.SKILLSYNC_MERGE_TRIALS ?? 40);
  it(`${TRIALS} seeded trials`, () => {
    let conflicted = 0;
    for (let seed = 1; seed <= TRIALS; seed++) {
      const t = randomTrial(seed);
      const base = commitTree(t.base);
      const ours = commitTree(apply(t.base, t.ours), base);
      const theirs = commitTree(apply(t.base, t.theirs), base);
      git(repo.dir, ['update-ref', 'refs/heads/ours', ours]);
      git(repo.dir, ['update-ref', 'refs/heads/theirs', theirs]);
      const g = gitMergeTree('ours', 'theirs');
      const r = mergeTrees(flat(base), flat(ours), flat(theirs), readBlob, { labels: ['ours', 'base', 'theirs'] });
      const out = tempDir('skillsync-mt-out-');
      try {
        writeResult(r, out.dir);
        const mine = { seed, tree: gitTreeOf(out.dir), conflicted: r.conflicts.map((c) => c.path).sort() };
        expect(mine).toEqual({ seed, tree: g.tree, conflicted: g.conflicted });
      } finally {
        out.cleanup();
      }
      if (r.conflicts.length) conflicted++;
    }
    // the generator must exercise both outcomes
    expect(conflicted).toBeGreaterThan(TRIALS / 5);
    expect(conflicted).toBeLessThan(TRIALS);
  });
});
