// createFsSource: the link-refusing view of a plugin folder on disk.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareNames, createFsSource, splitRelPath } from '../src/plugins/fs-source.js';
import { SkillsyncError } from '../src/core/errors.js';
import { tempDir, writeTree } from './helpers/git.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('skillsync-fs-source-'));
});
afterEach(() => cleanup());

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SkillsyncError);
    return (e as SkillsyncError).code;
  }
  return undefined;
}

describe('createFsSource', () => {
  it('lists entries sorted by byte order with types and modes', () => {
    writeTree(dir, {
      'b.txt': 'b',
      'a.sh': { content: '#!/bin/sh\n', mode: 0o755 },
      'owner-x.sh': { content: 'x', mode: 0o744 },
      'Z.md': 'z',
      'é.md': 'e',
      'sub/x': 'x',
    });
    symlinkSync('b.txt', join(dir, 'link'));
    const src = createFsSource(dir);
    expect(src.kind).toBe('fs');
    expect(src.display).toBe(dir);
    expect(src.list('')).toEqual([
      { name: 'Z.md', type: 'file', mode: 0o100644 },
      { name: 'a.sh', type: 'file', mode: 0o100755 },
      { name: 'b.txt', type: 'file', mode: 0o100644 },
      { name: 'link', type: 'symlink' },
      { name: 'owner-x.sh', type: 'file', mode: 0o100755 },
      { name: 'sub', type: 'dir' },
      { name: 'é.md', type: 'file', mode: 0o100644 },
    ]);
    expect(src.list('sub')).toEqual([{ name: 'x', type: 'file', mode: 0o100644 }]);
    expect(src.list('b.txt')).toBeNull();
    expect(src.list('missing')).toBeNull();
  });

  it('stat and read never follow a symlink', () => {
    writeTree(dir, { 'outside/secret.txt': 'secret', 'root/real/file.txt': 'ok' });
    const root = join(dir, 'root');
    symlinkSync(join(dir, 'outside'), join(root, 'linkdir'));
    symlinkSync(join(dir, 'outside/secret.txt'), join(root, 'link.txt'));
    const src = createFsSource(root);
    expect(src.stat('link.txt')).toBe('symlink');
    expect(src.read('link.txt')).toBeNull();
    expect(src.stat('linkdir')).toBe('symlink');
    expect(src.list('linkdir')).toBeNull();
    // Through a symlinked folder: nothing is visible.
    expect(src.stat('linkdir/secret.txt')).toBeNull();
    expect(src.read('linkdir/secret.txt')).toBeNull();
    expect(src.readPrefix('linkdir/secret.txt', 10)).toBeNull();
    expect(src.fileKey('linkdir/secret.txt')).toBeNull();
    expect(src.read('real/file.txt')?.toString()).toBe('ok');
    expect(src.stat('real')).toBe('dir');
    expect(src.stat('')).toBe('dir');
  });

  it('a folder swapped for a symlink between passes is refused on the next pass', async () => {
    writeTree(dir, { 'root/skills/a/SKILL.md': 'real', 'evil/SKILL.md': 'evil' });
    const src = createFsSource(join(dir, 'root'));
    expect(src.read('skills/a/SKILL.md')?.toString()).toBe('real');
    await Promise.resolve(); // next pass
    renameSync(join(dir, 'root/skills/a'), join(dir, 'root/skills/a.old'));
    symlinkSync(join(dir, 'evil'), join(dir, 'root/skills/a'));
    await Promise.resolve();
    expect(src.read('skills/a/SKILL.md')).toBeNull();
  });

  it('refuses paths that leave the root', () => {
    const src = createFsSource(dir);
    for (const rel of ['..', '../x', 'a/../../x', '/etc/passwd', 'a\\..\\b', 'a\0b', 'C:/x']) {
      expect(codeOf(() => src.read(rel)), rel).toBe('EPATH_ESCAPE');
      expect(codeOf(() => src.stat(rel)), rel).toBe('EPATH_ESCAPE');
      expect(codeOf(() => src.list(rel)), rel).toBe('EPATH_ESCAPE');
    }
    for (const rel of ['a//b', './a', 'a/.', 'a/']) expect(codeOf(() => src.read(rel)), rel).toBe('EPATH_INVALID');
    expect(splitRelPath('')).toEqual([]);
    expect(splitRelPath('a/b')).toEqual(['a', 'b']);
  });

  it('reads regular files only; FIFOs do not block', () => {
    writeTree(dir, { 'f.txt': 'hello', 'd/x': '' });
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const src = createFsSource(dir);
    expect(src.list('').find((e) => e.name === 'fifo')?.type).toBe('other');
    expect(src.stat('fifo')).toBe('other');
    expect(src.read('fifo')).toBeNull();
    expect(src.read('d')).toBeNull();
    expect(src.read('')).toBeNull();
    expect(src.read('missing')).toBeNull();
    expect(src.read('f.txt')?.toString()).toBe('hello');
  });

  it('readPrefix reads at most the limit and says when it cut', () => {
    writeTree(dir, { 'big.md': 'x'.repeat(100_000), 'small.md': 'abc', 'empty.md': '' });
    const src = createFsSource(dir);
    const big = src.readPrefix('big.md', 1000)!;
    expect(big.truncated).toBe(true);
    expect(big.data.length).toBe(1000);
    expect(src.readPrefix('small.md', 1000)).toEqual({ data: Buffer.from('abc'), truncated: false });
    expect(src.readPrefix('small.md', 3)).toEqual({ data: Buffer.from('abc'), truncated: false });
    expect(src.readPrefix('small.md', 2)).toEqual({ data: Buffer.from('ab'), truncated: true });
    expect(src.readPrefix('empty.md', 10)).toEqual({ data: Buffer.alloc(0), truncated: false });
    expect(src.read('big.md')!.length).toBe(100_000);
  });

  it('fileKey changes when a file is rewritten', async () => {
    writeTree(dir, { 'a.md': 'one' });
    const src = createFsSource(dir);
    const k1 = src.fileKey('a.md');
    expect(k1).toEqual(expect.any(String));
    await new Promise((r) => setTimeout(r, 5));
    writeFileSync(join(dir, 'a.md'), 'two');
    expect(src.fileKey('a.md')).not.toBe(k1);
    expect(src.fileKey('missing')).toBeNull();
    mkdirSync(join(dir, 'sub'));
    expect(src.fileKey('sub')).toBeNull();
  });

  it('names that are not valid UTF-8 are reported as "other"', () => {
    // Linux file names are bytes; write one that is not UTF-8 through the shell.
    execFileSync('sh', ['-c', `printf x > "$(printf '${dir}/bad\\377name')"`]);
    const entries = createFsSource(dir).list('')!;
    expect(entries).toHaveLength(1);
    expect(entries[0]!.type).toBe('other');
  });

  it('a missing or unreadable root', () => {
    expect(createFsSource(join(dir, 'nope')).list('')).toBeNull();
    expect(createFsSource(join(dir, 'nope')).stat('')).toBeNull();
    if (process.getuid?.() !== 0) {
      mkdirSync(join(dir, 'locked'));
      chmodSync(join(dir, 'locked'), 0);
      expect(codeOf(() => createFsSource(join(dir, 'locked')).list(''))).toBe('EACCES');
      chmodSync(join(dir, 'locked'), 0o755);
    }
  });
});

describe('compareNames', () => {
  it('is UTF-8 byte order', () => {
    const names = ['b', 'a', 'B', 'é', '\u{1F600}', '\uFFFD', 'a-b', 'a.b', 'ab', '', 'z'];
    const expected = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...names].sort(compareNames)).toEqual(expected);
  });
});
