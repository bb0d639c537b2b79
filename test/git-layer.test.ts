import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync, existsSync, utimesSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { git, gitTry, tempDir, writeTree, gitTreeOf } from './helpers/git.js';
import { hashDirectory, type StatCache } from '../src/git/dir-tree.js';
import { ObjectStore } from '../src/git/objects.js';
import { initBareRepo } from '../src/git/repo.js';
import { readRef, updateRef, deleteRef, listRefs, Refs, assertRefsCreatable } from '../src/git/refs.js';
import { TreeEditor, flattenTree } from '../src/git/tree-editor.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function tmp() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('hashDirectory equals git write-tree', () => {
  const cases: Record<string, Record<string, string | Buffer | { content: string; mode: number }>> = {
    'flat files': { 'SKILL.md': '---\nname: a\n---\nbody\n', 'b.txt': 'b' },
    'empty file and nested': { 'e': '', 'a/b/c/d.txt': 'deep', 'a/x': 'x' },
    'sort order dirs as if ending in slash': { 'a.txt': '1', 'a/b': '2', 'a-b': '3', 'a0': '4', 'a_': '5' },
    'executable bit': { 'run.sh': { content: '#!/bin/sh\necho hi\n', mode: 0o755 }, 'lib.sh': { content: 'x', mode: 0o644 } },
    'spaces and non-ascii': { 'with space.md': 's', 'ünïcødé/файл.txt': 'u', '日本.md': 'j', 'emoji 😀.txt': 'e' },
    'binary content': { 'img.bin': Buffer.from([0, 1, 2, 255, 0, 10]) },
  };
  for (const [name, files] of Object.entries(cases)) {
    it(name, () => {
      const d = tmp();
      writeTree(d, files);
      for (const [p, spec] of Object.entries(files)) if (typeof spec === 'object' && !Buffer.isBuffer(spec)) chmodSync(join(d, p), spec.mode);
      expect(hashDirectory(d).oid).toBe(gitTreeOf(d));
    });
  }

  it('skips empty directories', () => {
    const d = tmp();
    writeTree(d, { 'a.md': 'a' });
    mkdirSync(join(d, 'empty/nested'), { recursive: true });
    expect(hashDirectory(d).oid).toBe(gitTreeOf(d));
  });

  it('rejects a symlink and names its path', () => {
    const d = tmp();
    writeTree(d, { 'a.md': 'a', 'sub/b.md': 'b' });
    symlinkSync('/etc/passwd', join(d, 'sub', 'link'));
    expect(() => hashDirectory(d)).toThrowError(/sub\/link/);
  });

  it('stat cache: a same-size rewrite with the same mtime is still seen (racy entry)', () => {
    const d = tmp();
    writeTree(d, { 'f.txt': 'aaaa' });
    const cache: StatCache = new Map();
    const first = hashDirectory(d, { cache });
    writeFileSync(join(d, 'f.txt'), 'bbbb');
    const st = cache.get('f.txt')!;
    utimesSync(join(d, 'f.txt'), st.mtimeMs / 1000, st.mtimeMs / 1000);
    const second = hashDirectory(d, { cache });
    expect(second.oid).not.toBe(first.oid);
    expect(second.oid).toBe(gitTreeOf(d));
  });

  it('stat cache: unchanged old files are not reread', () => {
    const d = tmp();
    writeTree(d, { 'f.txt': 'aaaa', 'g.txt': 'g' });
    const old = Date.now() / 1000 - 60;
    utimesSync(join(d, 'f.txt'), old, old);
    utimesSync(join(d, 'g.txt'), old, old);
    const cache: StatCache = new Map();
    hashDirectory(d, { cache });
    const again = hashDirectory(d, { cache });
    expect(again.hashed).toBe(0);
    expect(again.oid).toBe(gitTreeOf(d));
  });
});

describe('folder cache (untracked-cache style)', () => {
  const age = (d: string, files: string[]) => {
    const old = Date.now() / 1000 - 60;
    for (const f of files) utimesSync(join(d, f), old, old);
  };
  it('reuses unchanged folders yet sees added, removed, renamed and nested changes', () => {
    const d = tmp();
    writeTree(d, { 'SKILL.md': 'a', 'refs/x.md': 'x', 'refs/deep/y.md': 'y' });
    age(d, ['SKILL.md', 'refs/x.md', 'refs/deep/y.md', 'refs/deep', 'refs', '.']);
    const cache: StatCache = new Map();
    const first = hashDirectory(d, { cache });
    expect(hashDirectory(d, { cache }).oid).toBe(first.oid);
    const steps: [string, () => void][] = [
      ['add a file', () => writeFileSync(join(d, 'refs', 'new.md'), 'n')],
      ['change a nested file', () => writeFileSync(join(d, 'refs', 'deep', 'y.md'), 'y2')],
      ['rename a file', () => renameSync(join(d, 'refs', 'x.md'), join(d, 'refs', 'z.md'))],
      ['remove a folder', () => rmSync(join(d, 'refs', 'deep'), { recursive: true })],
    ];
    for (const [, change] of steps) {
      change();
      const got = hashDirectory(d, { cache }).oid;
      expect(got).toBe(gitTreeOf(d));
      expect(hashDirectory(d, { cache }).oid).toBe(got);
    }
  });

  it('a file removed while a .git folder appears beside it is seen (names are counted without .git)', () => {
    const d = tmp();
    writeTree(d, { 'SKILL.md': 'a', 'b.md': 'b' });
    age(d, ['SKILL.md', 'b.md', '.']);
    const cache: StatCache = new Map();
    hashDirectory(d, { cache });
    rmSync(join(d, 'b.md'));
    mkdirSync(join(d, '.git'));
    age(d, ['.']);
    expect(hashDirectory(d, { cache }).oid).toBe(hashDirectory(d, { cache: new Map() }).oid);
  });
});

describe('object store and refs against the git CLI', () => {
  it('writes loose and packed objects that git fsck --strict accepts', () => {
    const root = tmp();
    const gd = join(root, 'repo.git');
    initBareRepo(gd);
    const src = join(root, 'src');
    const files: Record<string, string> = {};
    for (let i = 0; i < 400; i++) files[`s${i % 7}/f${i}.md`] = `file ${i}\n`;
    writeTree(src, files);
    const store = new ObjectStore(gd);
    const tree = store.batch(() => hashDirectory(src, { store }).oid); // > threshold: one pack
    expect(tree).toBe(gitTreeOf(src));
    const sig = { name: 'skillsync', email: 'skillsync@localhost', timestamp: 1700000000, tzOffset: 0 };
    const c1 = store.writeCommit({ tree, parents: [], author: sig, committer: sig, message: 'first\n' });
    updateRef(gd, 'refs/heads/main', c1, null);
    const ed = new TreeEditor(store, tree);
    ed.set('s1/new.md', '100644', store.writeBlob(Buffer.from('new\n')));
    ed.remove('s2');
    const t2 = ed.write();
    const c2 = store.writeCommit({ tree: t2, parents: [c1], author: sig, committer: sig, message: 'second\n' });
    const tag = store.writeTag({ object: c2, type: 'commit', tag: 'skills/x/v0001', tagger: sig, message: 'v1\n' });
    updateRef(gd, 'refs/heads/main', c2, c1);
    updateRef(gd, 'refs/tags/skills/x/v0001', tag, null);
    expect(gitTry(gd, ['fsck', '--strict']).status).toBe(0);
    expect(git(gd, ['rev-parse', 'main'])).toBe(c2);
    expect(git(gd, ['ls-tree', '-r', '--name-only', 'main'])).toContain('s1/new.md');
    expect(git(gd, ['ls-tree', '-r', '--name-only', 'main'])).not.toContain('s2/');
    expect([...flattenTree(store, t2).keys()].sort()).toEqual(git(gd, ['ls-tree', '-r', '--name-only', 'main']).split('\n').sort());
    expect(git(gd, ['cat-file', '-t', 'skills/x/v0001'])).toBe('tag');
    // compare-and-swap refuses a stale expectation
    expect(() => updateRef(gd, 'refs/heads/main', c1, c1)).toThrowError(/changed/);
    // reading after git gc (packed objects with deltas, packed refs)
    git(gd, ['gc', '--aggressive', '--prune=now', '-q']);
    const fresh = new ObjectStore(gd);
    expect(readRef(gd, 'refs/heads/main')).toBe(c2);
    expect(fresh.readCommit(c2).tree).toBe(t2);
    expect(flattenTree(fresh, t2).size).toBe(flattenTree(store, t2).size);
    expect(listRefs(gd, 'refs/tags/skills/').get('refs/tags/skills/x/v0001')).toBe(tag);
    expect(deleteRef(gd, 'refs/tags/skills/x/v0001', tag)).toBe(true);
    expect(gitTry(gd, ['rev-parse', '--verify', '-q', 'refs/tags/skills/x/v0001']).status).not.toBe(0);
    expect(gitTry(gd, ['fsck', '--strict']).status).toBe(0);
  });

  it('refuses refs that clash with loose or packed refs, in batches of checks as one at a time', () => {
    const gd = join(tmp(), 'repo.git');
    initBareRepo(gd);
    const store = new ObjectStore(gd);
    const oid = store.writeBlob(Buffer.from('x\n'));
    updateRef(gd, 'refs/tags/skills/loose', oid, null); // a file where a folder is wanted
    git(gd, ['update-ref', 'refs/upstream/p/deep/ref', oid]);
    git(gd, ['pack-refs', '--all']); // a packed ref below a name
    updateRef(gd, 'refs/tags/skills/packed-later', oid, null);
    const refs = new Refs(gd);
    const ok = ['refs/tags/skills/a/v0001', 'refs/tags/skills/b/v0001', 'refs/upstream/p/other'];
    const clash = (name: string) => ok.map((n) => ({ name: n, oid })).concat([{ name, oid }]);
    expect(() => assertRefsCreatable(refs, ok.map((n) => ({ name: n, oid })))).not.toThrow();
    for (const [name, other] of [
      ['refs/tags/skills/loose/v0001', 'refs/tags/skills/loose'],
      ['refs/upstream/p/deep', 'refs/upstream/p/deep/ref'],
      ['refs/upstream/p/deep/ref/x', 'refs/upstream/p/deep/ref'],
      ['refs/tags/skills/packed-later/v1', 'refs/tags/skills/packed-later'],
    ]) {
      expect(() => assertRefsCreatable(refs, clash(name))).toThrowError(expect.objectContaining({ code: 'EREF_CONFLICT', data: expect.objectContaining({ other }) }));
      const before = git(gd, ['for-each-ref', '--format=%(refname) %(objectname)']);
      expect(() => refs.createPacked(new Map(clash(name).map((o) => [o.name, o.oid])))).toThrowError(expect.objectContaining({ code: 'EREF_CONFLICT' }));
      expect(git(gd, ['for-each-ref', '--format=%(refname) %(objectname)'])).toBe(before); // nothing of the batch written
    }
    // A clash that appears after one batch of checks is seen by the next one.
    assertRefsCreatable(refs, [{ name: 'refs/tags/skills/c/v0001', oid }]);
    updateRef(gd, 'refs/tags/skills/c', oid, null);
    expect(() => assertRefsCreatable(refs, [{ name: 'refs/tags/skills/c/v0001', oid }])).toThrowError(expect.objectContaining({ code: 'EREF_CONFLICT' }));
    refs.createPacked(new Map(ok.map((n) => [n, oid])));
    for (const n of ok) expect(git(gd, ['rev-parse', n])).toBe(oid);
    expect(gitTry(gd, ['fsck', '--strict']).status).toBe(0);
  });

  it('waits while git holds a ref lock, and removes a stale one of a killed process', () => {
    const root = tmp();
    const gd = join(root, 'repo.git');
    initBareRepo(gd);
    const store = new ObjectStore(gd);
    const sig = { name: 'a', email: 'b', timestamp: 1, tzOffset: 0 };
    const c = store.writeCommit({ tree: store.writeTree([]), parents: [], author: sig, committer: sig, message: 'm\n' });
    const lock = join(gd, 'refs/heads/main.lock');
    // A live holder (git) releases its lock after a moment: we wait for it.
    writeFileSync(lock, '');
    const holder = spawn('sh', ['-c', `sleep 0.4; rm -f '${lock}'`]);
    const t0 = Date.now();
    updateRef(gd, 'refs/heads/main', c, null);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    holder.kill();
    expect(git(gd, ['rev-parse', 'main'])).toBe(c);
    // A lock left by a killed process (old) is removed and the update goes through.
    writeFileSync(lock, '');
    const old = Date.now() / 1000 - 60;
    utimesSync(lock, old, old);
    updateRef(gd, 'refs/heads/main', c, c);
    expect(existsSync(lock)).toBe(false);
    // Compare-and-swap still refuses a wrong expectation.
    expect(() => updateRef(gd, 'refs/heads/main', c, null)).toThrowError(/changed/);
  });
});

describe('stored-block inflation (trees are written at level 0)', () => {
  it('copies level-0 streams out exactly, checks the adler32, and leaves compressed streams to zlib', async () => {
    const { deflateSync } = await import('node:zlib');
    const { inflateStored, inflateBounded } = await import('../src/git/inflate.js');
    for (const n of [0, 1, 777, 65535, 65536, 140_000]) {
      const body = Buffer.alloc(n, 0).map((_, i) => (i * 31 + 7) & 0xff);
      const z = deflateSync(body, { level: 0 });
      expect(inflateStored(Buffer.concat([z, Buffer.from('trailing pack bytes')]), n, 'x')?.equals(body)).toBe(true);
      expect(inflateBounded(z, n, 'x').equals(body)).toBe(true);
      if (n > 10) {
        const bad = Buffer.from(z);
        bad[bad.length - 9]! ^= 1; // a content byte: the adler32 no longer matches
        expect(inflateStored(bad, n, 'x')).toBeNull();
        expect(() => inflateStored(z, n - 1, 'x')).toThrow(/limit/);
      }
    }
    const text = Buffer.from('a line of text\n'.repeat(500));
    expect(inflateStored(deflateSync(text, { level: 1 }), 1e6, 'x')).toBeNull();
  });
});
