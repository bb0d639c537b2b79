// Test helpers: real temporary directories and the real git CLI as the oracle.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: tmpdir(),
};

/** Run git and return stdout (trimmed unless raw). Throws with stderr on failure. */
export function git(cwd: string, args: string[], opts: { input?: string | Buffer; raw?: boolean } = {}): string {
  const out = execFileSync('git', args, { cwd, env: GIT_ENV, input: opts.input, maxBuffer: 1 << 28 });
  const s = out.toString('utf8');
  return opts.raw ? s : s.trim();
}

/** Run git without throwing; returns status, stdout, stderr. */
export function gitTry(cwd: string, args: string[], input?: string | Buffer) {
  const r = spawnSync('git', args, { cwd, env: GIT_ENV, input, maxBuffer: 1 << 28 });
  return { status: r.status ?? -1, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** A fresh temporary directory; call the returned cleanup in afterEach/afterAll. */
export function tempDir(prefix = 'skillsync-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Write a tree of files: { 'a/b.txt': 'content', 'run.sh': { content: '...', mode: 0o755 } }. */
export function writeTree(root: string, files: Record<string, string | Buffer | { content: string | Buffer; mode?: number }>): void {
  for (const [rel, spec] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof spec === 'string' || Buffer.isBuffer(spec)) writeFileSync(p, spec);
    else writeFileSync(p, spec.content, { mode: spec.mode ?? 0o644 });
  }
}

/** The tree oid git gives for a directory (`git add -A && git write-tree` in a scratch repo). */
export function gitTreeOf(dir: string): string {
  const { dir: gd, cleanup } = tempDir('skillsync-oracle-');
  try {
    const env = ['--git-dir', join(gd, 'g'), '--work-tree', dir];
    git(gd, ['init', '-q', '--bare', join(gd, 'g')]);
    git(gd, [...env, 'add', '-A']);
    return git(gd, [...env, 'write-tree']);
  } finally {
    cleanup();
  }
}
