// Crafting git objects that `git add` would never produce (names like '..', '.GIT',
// duplicate or unsorted entries, odd modes), with `git hash-object --literally`.
import { git } from './git.js';

export interface RawEntry {
  mode: string;
  name: string | Buffer;
  oid: string;
}

/** Write a tree object exactly as given (no sorting, no checks) and return its oid. */
export function rawTree(gitdir: string, entries: RawEntry[]): string {
  const body = Buffer.concat(
    entries.map((e) => Buffer.concat([Buffer.from(`${e.mode} `), Buffer.isBuffer(e.name) ? e.name : Buffer.from(e.name, 'utf8'), Buffer.from([0]), Buffer.from(e.oid, 'hex')])),
  );
  return git(gitdir, ['--git-dir', gitdir, 'hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], { input: body });
}

export function blob(gitdir: string, content: string | Buffer): string {
  return git(gitdir, ['--git-dir', gitdir, 'hash-object', '-w', '--stdin'], { input: content });
}

/** A well-formed tree from path → content (nested folders), via git mktree. */
export function tree(gitdir: string, files: Record<string, string | Buffer>): string {
  const dirs = new Map<string, Record<string, string | Buffer>>();
  const lines: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    const i = path.indexOf('/');
    if (i < 0) lines.push(`100644 blob ${blob(gitdir, content)}\t${path}`);
    else {
      const d = path.slice(0, i);
      if (!dirs.has(d)) dirs.set(d, {});
      dirs.get(d)![path.slice(i + 1)] = content;
    }
  }
  for (const [d, sub] of dirs) lines.push(`040000 tree ${tree(gitdir, sub)}\t${d}`);
  return git(gitdir, ['--git-dir', gitdir, 'mktree'], { input: lines.join('\n') + '\n' });
}

/** Commit a root tree on a branch (parent = the branch's current tip, if any). */
export function commitTree(gitdir: string, root: string, ref = 'refs/heads/main', message = 'crafted'): string {
  const parent = (() => {
    try {
      return git(gitdir, ['--git-dir', gitdir, 'rev-parse', '--verify', '-q', ref]);
    } catch {
      return '';
    }
  })();
  const c = git(gitdir, ['--git-dir', gitdir, 'commit-tree', root, ...(parent ? ['-p', parent] : []), '-m', message]);
  git(gitdir, ['--git-dir', gitdir, 'update-ref', ref, c]);
  return c;
}
