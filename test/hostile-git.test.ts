// Hostile git trees: a git source whose skill tree was crafted with
// `git hash-object --literally` ('..', '/', '.GIT', 'git~1', '.gitmodules', odd modes,
// duplicates, ...), folder sources with git's reserved names, and objects that inflate
// far beyond their size. Each is refused with one line that names the path; nothing is
// written outside the workspace, main does not move, `git fsck --strict` stays clean.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDeflate } from 'node:zlib';
import { createHash } from 'node:crypto';
import { makeEnv, skillMd, snapshotFs, type Env } from './helpers/env.js';
import { git } from './helpers/git.js';
import { blob, commitTree, rawTree, tree, type RawEntry } from './helpers/craft.js';
import { checkTreeEntries, isDotGit, isDotGitmodules, printable } from '../src/core/tree-entries.js';

/** A git source repository `kit` (a bare plugin: skills/<name>/...) whose `evil` skill tree is crafted. */
function gitSource(root: string, evil: (gd: string) => RawEntry[]): string {
  const repo = join(root, 'kit');
  mkdirSync(repo);
  git(repo, ['init', '-q', '-b', 'main']);
  const gd = join(repo, '.git');
  const good = tree(gd, { 'SKILL.md': skillMd('good') });
  const evilTree = rawTree(gd, evil(gd));
  const skills = rawTree(gd, [
    { mode: '40000', name: 'evil', oid: evilTree },
    { mode: '40000', name: 'good', oid: good },
  ]);
  commitTree(gd, rawTree(gd, [{ mode: '40000', name: 'skills', oid: skills }]));
  return repo;
}

const md = (gd: string) => ({ mode: '100644', name: 'SKILL.md', oid: blob(gd, skillMd('evil')) });
const payload = (gd: string) => tree(gd, { 'pwned.txt': 'written outside\n', config: '[core]\n\tfsmonitor = touch /tmp/skillsync-fsmonitor-ran\n' });

const CASES: { name: string; rule: string; path: string; entries: (gd: string) => RawEntry[] }[] = [
  { name: "an entry named '..'", rule: 'name', path: '..', entries: (gd) => [md(gd), { mode: '40000', name: '..', oid: payload(gd) }] },
  { name: "a name containing '/'", rule: 'name', path: 'a/../../x', entries: (gd) => [md(gd), { mode: '100644', name: 'a/../../x', oid: blob(gd, 'x') }] },
  { name: 'an empty name', rule: 'name', path: '', entries: (gd) => [{ mode: '100644', name: '', oid: blob(gd, 'x') }, md(gd)] },
  { name: 'a .git folder', rule: 'dotgit', path: '.git', entries: (gd) => [{ mode: '40000', name: '.git', oid: payload(gd) }, md(gd)] },
  { name: '.GIT', rule: 'dotgit', path: '.GIT', entries: (gd) => [{ mode: '40000', name: '.GIT', oid: payload(gd) }, md(gd)] },
  { name: 'git~1', rule: 'dotgit', path: 'git~1', entries: (gd) => [md(gd), { mode: '40000', name: 'git~1', oid: payload(gd) }] },
  { name: '.git with an HFS+ ignorable', rule: 'dotgit', path: '.g\u200cit', entries: (gd) => [{ mode: '40000', name: '.g\u200cit', oid: payload(gd) }, md(gd)] },
  { name: '.git. (NTFS)', rule: 'dotgit', path: '.git.', entries: (gd) => [{ mode: '40000', name: '.git.', oid: payload(gd) }, md(gd)] },
  { name: '.gitmodules', rule: 'gitmodules', path: '.gitmodules', entries: (gd) => [{ mode: '100644', name: '.gitmodules', oid: blob(gd, '[submodule "x"]\n\tpath = x\n\turl = --upload-pack=touch /tmp/x\n') }, md(gd)] },
  { name: 'mode 100664', rule: 'mode', path: 'SKILL.md', entries: (gd) => [{ ...md(gd), mode: '100664' }] },
  { name: 'a zero-padded tree mode', rule: 'mode', path: 'sub', entries: (gd) => [md(gd), { mode: '040000', name: 'sub', oid: tree(gd, { 'a.md': 'a' }) }] },
  { name: 'duplicate entries', rule: 'duplicate', path: 'SKILL.md', entries: (gd) => [md(gd), md(gd)] },
  { name: 'unsorted entries', rule: 'order', path: 'SKILL.md', entries: (gd) => [{ mode: '100644', name: 'z.md', oid: blob(gd, 'z') }, md(gd)] },
  { name: 'a symlink', rule: 'symlink', path: 'link', entries: (gd) => [md(gd), { mode: '120000', name: 'link', oid: blob(gd, '/etc/passwd') }] },
  { name: 'a gitlink', rule: 'gitlink', path: 'sub', entries: (gd) => [md(gd), { mode: '160000', name: 'sub', oid: blob(gd, 'not a commit') }] },
];

describe('tree entries (pure rules)', () => {
  it('knows git\'s spellings of .git and .gitmodules, and nothing else', () => {
    for (const n of ['.git', '.GIT', '.Git', 'git~1', 'GIT~1', '.git.', '.git ', '.git::$INDEX_ALLOCATION', '.g\u200cit', '\ufeff.git', 'x\\.git']) expect(isDotGit(n), n).toBe(true);
    for (const n of ['git', '.gitx', '.gitignore', 'git~2', 'a.git', '.github']) expect(isDotGit(n), n).toBe(false);
    for (const n of ['.gitmodules', '.GitModules', 'gitmod~1', 'GITMOD~4', '.gitmodules.', 'gi7eba~1']) expect(isDotGitmodules(n), n).toBe(true);
    for (const n of ['gitmodules', '.gitmodule', 'gitmod~5']) expect(isDotGitmodules(n), n).toBe(false);
  });

  it('a tree git itself writes passes at both levels; object level allows symlinks and .gitmodules', () => {
    const enc = (es: [string, string][]) => Buffer.concat(es.map(([m, n]) => Buffer.concat([Buffer.from(`${m} ${n}\0`), Buffer.alloc(20, 1)])));
    const ok = enc([['100644', 'SKILL.md'], ['100644', 'a.md'], ['40000', 'a'], ['100755', 'run.sh']]);
    expect(checkTreeEntries(ok, 'skill')).toEqual([]);
    const withLink = enc([['100644', '.gitmodules'], ['120000', 'link']]);
    expect(checkTreeEntries(withLink, 'object')).toEqual([]);
    expect(checkTreeEntries(withLink, 'skill').map((p) => p.rule)).toEqual(['gitmodules', 'symlink']);
    // 'a' (file) sorts before 'a.md' but 'a' (dir, compared as 'a/') after it.
    expect(checkTreeEntries(enc([['40000', 'a'], ['100644', 'a.md']]), 'skill').map((p) => p.rule)).toEqual(['order']);
    expect(checkTreeEntries(Buffer.from('100644 trunc'), 'skill').map((p) => p.rule)).toEqual(['corrupt']);
  });
});

describe('a git source with a crafted skill tree', () => {
  // One workspace for every case: each enable is refused and changes nothing, which is checked.
  let env: Env;
  beforeAll(() => {
    env = makeEnv({ sources: ['{ git: ./kit, ref: main }'] });
    env.ok('init');
  });
  afterAll(() => env.cleanup());

  for (const c of CASES) {
    it(`${c.name} is refused naming the path, nothing written`, () => {
      rmSync(join(env.root, 'kit'), { recursive: true, force: true });
      gitSource(env.root, c.entries);
      const refs = env.refs();
      const before = snapshotFs(env.root, [env.workspace]);
      const r = env.run('enable', 'kit');
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBe(1);
      expect(lines[0]).toMatch(/^skillsync: /);
      expect(lines[0]).toContain(printable(c.path));
      expect(lines[0]).not.toMatch(/this is a bug|internal error/);
      expect(env.refs()).toBe(refs);
      expect(snapshotFs(env.root, [env.workspace])).toEqual(before);
      expect(existsSync('/tmp/skillsync-fsmonitor-ran')).toBe(false);
      for (const n of readdirSync(join(env.workspace, 'live', 'skills'))) expect(n).not.toBe('evil');
      env.fsck();
    });
  }
});

describe('a folder source with git\'s reserved names', () => {
  let env: Env;
  beforeEach(() => {
    env = makeEnv();
  });
  afterEach(() => env.cleanup());

  for (const name of ['.GIT', 'git~1', '.gitmodules', '.Gitmodules']) {
    it(`${name} in a skill is refused naming the path; .git is still skipped`, () => {
      env.skill('tools', 'alpha', { 'SKILL.md': skillMd('alpha'), [`${name}/config`]: '[core]\n\tfsmonitor = false\n' });
      if (name.startsWith('.gitm') || name.startsWith('.Gitm')) {
        // a file, not a folder
        env.skill('tools', 'beta', { 'SKILL.md': skillMd('beta') });
      }
      env.ok('init');
      const r = env.run('enable', 'tools');
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`alpha`);
      expect(r.stderr).toContain(name);
      expect(env.gitTry('rev-parse', '--verify', '-q', 'main').status).not.toBe(0);
      env.fsck();
    });
  }

  it('a nested .git folder is skipped as git add skips it, and the clone of the workspace works', () => {
    env.skill('tools', 'alpha', { 'SKILL.md': skillMd('alpha'), '.git/config': '[core]\n\tfsmonitor = touch /tmp/x\n' });
    env.ok('init');
    env.ok('enable', 'tools');
    expect(env.git('ls-tree', '-r', '--name-only', 'main:skills/alpha')).toBe('SKILL.md');
    const clone = join(env.root, 'clone');
    git(env.root, ['clone', '-q', env.gitdir, clone]);
    expect(existsSync(join(clone, 'skills', 'alpha', 'SKILL.md'))).toBe(true);
  });
});

describe('objects that inflate beyond their size (zlib bombs)', () => {
  let env: Env;
  beforeEach(() => {
    env = makeEnv({ sources: ['{ git: ./kit, ref: main }'] });
  });
  afterEach(() => env.cleanup());

  it('a 512 MiB plugin.json in a small git source is refused without inflating it', async () => {
    const repo = join(env.root, 'kit');
    mkdirSync(repo);
    git(repo, ['init', '-q', '-b', 'main']);
    const gd = join(repo, '.git');
    const size = 512 * 1024 * 1024;
    // A loose blob that declares its real size, deflated as a stream (never in memory whole).
    const head = Buffer.from(`blob ${size}\0`);
    const chunk = Buffer.alloc(16 * 1024 * 1024, 0x20);
    const sha = createHash('sha1').update(head);
    const z = createDeflate({ level: 9 });
    const out: Buffer[] = [];
    z.on('data', (b: Buffer) => out.push(b));
    const done = new Promise((res) => z.on('end', res));
    z.write(head);
    for (let i = 0; i < size / chunk.length; i++) {
      sha.update(chunk);
      if (!z.write(chunk)) await new Promise((res) => z.once('drain', res));
    }
    z.end();
    await done;
    const oid = sha.digest('hex');
    const d = Buffer.concat(out);
    expect(d.length).toBeLessThan(3 * 1024 * 1024);
    mkdirSync(join(gd, 'objects', oid.slice(0, 2)), { recursive: true });
    writeFileSync(join(gd, 'objects', oid.slice(0, 2), oid.slice(2)), d);
    const plug = rawTree(gd, [{ mode: '100644', name: 'plugin.json', oid }]);
    const skills = rawTree(gd, [{ mode: '40000', name: 'one', oid: tree(gd, { 'SKILL.md': skillMd('one') }) }]);
    commitTree(gd, rawTree(gd, [{ mode: '40000', name: '.claude-plugin', oid: plug }, { mode: '40000', name: 'skills', oid: skills }]));
    env.ok('init');
    const r = env.run('--json', 'plugins');
    expect(r.stderr + r.stdout).toMatch(/more than the limit/);
    expect(r.stderr).not.toMatch(/this is a bug|\n\s+at /);
  }, 60_000);
});
