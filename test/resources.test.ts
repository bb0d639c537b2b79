// Resources: a full disk or a read-only workspace gives a clear error and no corruption,
// and the next pass after space (or write access) returns completes.
// The workspace is put on a small tmpfs (`mount -t tmpfs -o size=...`) or a read-only
// bind mount; both need root (CI runs as root). Without the privilege the tests are
// skipped with the reason printed. `chmod -R a-w` is no substitute: it does not stop root.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, makeEnv, skillMd, type Env } from './helpers/env.js';
import { gitTreeOf } from './helpers/git.js';
import { fsckProblems, leftovers, liveProblems, workAt, type Work } from './faults/lib.js';

function sh(cmd: string, args: string[]): { ok: boolean; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: (r.stderr || r.error?.message || '').trim() };
}

/** Whether this process may mount a tmpfs and make a read-only bind mount; the reason when not. */
function mountPrivilege(): string | null {
  const d = mkdtempSync(join(tmpdir(), 'skillsync-mountprobe-'));
  try {
    const t = sh('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', d]);
    if (!t.ok) return `cannot mount a tmpfs (${t.err || 'mount failed'}); run as root to test a full disk`;
    sh('umount', [d]);
    const b = sh('mount', ['--bind', d, d]);
    if (!b.ok) return `cannot bind-mount (${b.err})`;
    const ro = sh('mount', ['-o', 'remount,bind,ro', d]);
    sh('umount', [d]);
    if (!ro.ok) return `cannot remount read-only (${ro.err})`;
    return null;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

const why = mountPrivilege();
if (why) console.warn(`resources tests skipped: ${why}`);
const mounts: string[] = [];
function mountTmpfs(dir: string, size: string) {
  mkdirSync(dir, { recursive: true });
  const r = sh('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  if (!r.ok) throw new Error(`mount tmpfs on ${dir}: ${r.err}`);
  mounts.push(dir);
}
function resize(dir: string, size: string) {
  const r = sh('mount', ['-o', `remount,size=${size}`, dir]);
  if (!r.ok) throw new Error(`remount ${dir}: ${r.err}`);
}
function umountAll() {
  while (mounts.length) sh('umount', ['-l', mounts.pop()!]);
}
afterAll(umountAll);

function workOf(e: Env): Work {
  return { ...workAt(e.root), ws: e.workspace, gitdir: e.gitdir, config: e.config, plugins: e.plugins };
}

/** Fill the file system of `dir` until at most `leave` bytes are free. Returns the filler file. */
function fill(dir: string, leave: number): string {
  const f = join(dir, `filler-${randomBytes(3).toString('hex')}`);
  const fd = openSync(f, 'w');
  const chunk = Buffer.alloc(4096, 7);
  try {
    for (;;) {
      const st = spawnSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' });
      const avail = Number(st.stdout.trim().split('\n').pop());
      if (!(avail > leave)) break;
      const n = Math.min(avail - leave, 1 << 20);
      try {
        writeSync(fd, n >= chunk.length ? Buffer.alloc(n, 7) : chunk.subarray(0, n));
      } catch {
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return f;
}

const clean = (r: { stderr: string }) => expect(r.stderr).not.toMatch(/internal error|this is a bug|\n\s+at /);

function fatPlugin(e: Env, id: string, skills: number, bytes: number) {
  for (let s = 0; s < skills; s++) e.skill(id, `${id}-${s}`, { 'SKILL.md': skillMd(`${id}-${s}`), 'assets/blob.bin': randomBytes(bytes).toString('base64') });
}

describe.skipIf(why !== null)('a full disk', () => {
  it('enable on a full disk fails with one clear line and changes nothing; with space back, it completes', () => {
    const env = makeEnv();
    try {
      mountTmpfs(env.workspace, '1m');
      fatPlugin(env, 'fat', 10, 300_000); // ~4 MB of incompressible text
      env.ok('init');
      const refs = env.refs();
      const r = env.run('enable', 'fat');
      expect(r.code).toBe(1);
      clean(r);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^skillsync: no space left on device/);
      expect(env.refs()).toBe(refs);
      expect(fsckProblems(env.gitdir)).toEqual([]);
      expect(existsSync(join(env.workspace, 'lock'))).toBe(false);

      resize(env.workspace, '64m');
      const again = env.run('enable', 'fat');
      expect(again.code, again.stderr).toBe(0);
      for (let s = 0; s < 10; s++) expect(env.git('rev-parse', `main:skills/fat-${s}`)).toBe(gitTreeOf(join(env.plugins, 'fat', 'skills', `fat-${s}`)));
      expect(fsckProblems(env.gitdir)).toEqual([]);
      expect(liveProblems(workOf(env), true)).toEqual([]);
      expect(leftovers(workOf(env))).toEqual([]);
    } finally {
      umountAll();
      env.cleanup();
    }
  });

  it('sync and publish with the disk filled to various levels: a clear error or success, never corruption; the next pass completes', () => {
    const env = makeEnv();
    try {
      mountTmpfs(env.workspace, '24m');
      fatPlugin(env, 'fat', 6, 30_000);
      env.ok('enable', 'fat');
      const results: string[] = [];
      // Leave less and less room, so the failure lands in objects, the journal, refs or the live view.
      for (const [i, leave] of [64_000, 8192, 0].entries()) {
        const src = join(env.plugins, 'fat', 'skills', `fat-${i}`);
        writeFileSync(join(src, 'assets', 'blob.bin'), randomBytes(150_000).toString('base64'));
        const edit = join(env.root, `edit-${i}`);
        mkdirSync(edit, { recursive: true });
        writeFileSync(join(edit, 'SKILL.md'), skillMd('mine', `Local ${i}.\n`));
        writeFileSync(join(edit, 'big.txt'), randomBytes(120_000).toString('base64'));
        const filler = fill(env.workspace, leave);
        const refs = env.refs();
        for (const args of [['sync'], ['publish', 'mine', '--from', edit, '--new']]) {
          const r = env.run(...args);
          clean(r);
          if (r.code !== 0) {
            expect(r.stderr, `${args[0]} with ${leave} bytes free`).toMatch(/no space left on device/);
            results.push(`${args[0]}@${leave}: failed`);
          } else results.push(`${args[0]}@${leave}: ok`);
          expect(fsckProblems(env.gitdir), `${args[0]} with ${leave} bytes free`).toEqual([]);
          expect(liveProblems(workOf(env), false)).toEqual([]);
          // A lock left behind here is covered by the next test; remove it so that this one goes on.
          rmSync(join(env.workspace, 'lock'), { force: true });
        }
        void refs;
        // Space returns: the next pass completes and everything is consistent.
        unlinkSync(filler);
        const s = env.run('sync');
        expect(s.code, s.stderr).toBe(0);
        // "the next pass retries": the live view follows main again after this pass.
        expect(liveProblems(workOf(env), true), `after space returned (${leave}), first pass: ${results.slice(-2).join(', ')}`).toEqual([]);
        const p = env.run('publish', 'mine', '--from', edit, '--new');
        expect(p.code, p.stderr).toBe(0);
        expect(env.git('rev-parse', `refs/upstream/fat/fat-${i}^{tree}`)).toBe(gitTreeOf(src));
        expect(env.git('rev-parse', 'main:skills/mine')).toBe(gitTreeOf(edit));
        expect(fsckProblems(env.gitdir)).toEqual([]);
        expect(liveProblems(workOf(env), true), `after space returned (${leave})`).toEqual([]);
        expect(leftovers(workOf(env))).toEqual([]);
      }
      console.log(`full disk: ${results.join(', ')}`);
    } finally {
      umountAll();
      env.cleanup();
    }
  }, 120_000);

  it('a full disk while the live view is written: the version is published, and the next pass after space returns updates the live view', () => {
    // 3 MB that deflate to a few KB: objects, journal and refs fit, the checkout does not.
    const env = makeEnv();
    try {
      mountTmpfs(env.workspace, '8m');
      env.skill('a', 's1', { 'SKILL.md': skillMd('s1') });
      env.ok('enable', 'a');
      const edit = join(env.root, 'edit');
      mkdirSync(edit, { recursive: true });
      writeFileSync(join(edit, 'SKILL.md'), skillMd('s1', 'local\n'));
      writeFileSync(join(edit, 'big.txt'), 'a'.repeat(3_000_000));
      const filler = fill(env.workspace, 400_000);
      const r = env.run('publish', 's1', '--from', edit);
      clean(r);
      console.log(`publish on a nearly full disk: exit ${r.code}: ${r.stderr.trim()}`);
      // Either refused cleanly, or published with a warning about the live view.
      if (r.code === 0) expect(r.stderr).toMatch(/live view not updated: .*no space left/i);
      else expect(r.stderr).toMatch(/no space left on device/);
      expect(fsckProblems(env.gitdir)).toEqual([]);
      expect(liveProblems(workOf(env), false)).toEqual([]);
      unlinkSync(filler);
      const s = env.run('sync');
      expect(s.code, s.stderr).toBe(0);
      if (r.code !== 0) env.ok('publish', 's1', '--from', edit);
      expect(env.git('rev-parse', 'main:skills/s1')).toBe(gitTreeOf(edit));
      expect(liveProblems(workOf(env), true)).toEqual([]);
    } finally {
      umountAll();
      env.cleanup();
    }
  });

  it('a command that fails on a full disk leaves no workspace lock behind', () => {
    // The lock file is created (an inode: no data block needed), then writing its JSON
    // fails with ENOSPC: the empty file stays, and the next command waits 5 s for it and
    // warns about "an unknown process".
    const env = makeEnv();
    try {
      mountTmpfs(env.workspace, '4m');
      env.skill('a', 's1', { 'SKILL.md': skillMd('s1') });
      env.ok('enable', 'a');
      writeFileSync(join(env.plugins, 'a', 'skills', 's1', 'SKILL.md'), skillMd('s1', 'changed\n'));
      const filler = fill(env.workspace, 0);
      const r = env.run('sync');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no space left on device/);
      expect(existsSync(join(env.workspace, 'lock')), 'lock left behind').toBe(false);
      unlinkSync(filler);
      const t0 = Date.now();
      const again = env.run('sync');
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).not.toMatch(/stale workspace lock/);
      expect(Date.now() - t0).toBeLessThan(4000);
    } finally {
      umountAll();
      env.cleanup();
    }
  });

  it('a daemon whose disk fills keeps running, reports the failure, and completes once space returns', async () => {
    const env = makeEnv();
    writeFileSync(env.config, 'workspace: ./ws\nsources:\n  - ./plugins\nlockTimeoutSeconds: 5\ndebounceMs: 50\nschedule: "0 0 1 1 *"\nlog: { level: info }\n');
    const daemon = { p: null as ReturnType<typeof spawn> | null };
    try {
      mountTmpfs(env.workspace, '16m');
      fatPlugin(env, 'fat', 3, 20_000);
      env.ok('enable', 'fat');
      let err = '';
      let exited: number | null | undefined;
      daemon.p = spawn(process.execPath, [BIN, '--config', env.config, 'daemon'], { cwd: env.root });
      daemon.p.stderr!.on('data', (d) => (err += d));
      daemon.p.stdout!.on('data', () => {});
      daemon.p.on('exit', (c) => (exited = c));
      const wait = async (what: string, cond: () => boolean, ms = 20_000) => {
        for (const t = Date.now(); !cond(); ) {
          if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}\n${err.slice(-2000)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await wait('ready', () => /"message":"ready"/.test(err));
      const filler = fill(env.workspace, 0);
      const src = join(env.plugins, 'fat', 'skills', 'fat-0');
      writeFileSync(join(src, 'assets', 'blob.bin'), randomBytes(200_000).toString('base64'));
      await wait('the failure to be logged', () => /no space left on device/.test(err));
      expect(exited).toBeUndefined();
      unlinkSync(filler);
      // The retry (or the next change) completes the pass.
      writeFileSync(join(src, 'SKILL.md'), skillMd('fat-0', 'again\n'));
      await wait('the proposal', () => env.gitTry('rev-parse', '-q', '--verify', 'refs/heads/proposals/fat/fat-0:skills/fat-0').stdout.trim() === gitTreeOf(src), 30_000);
      expect(exited).toBeUndefined();
      expect(fsckProblems(env.gitdir)).toEqual([]);
      const code = await new Promise<number | null>((res) => {
        daemon.p!.on('exit', (c) => res(c));
        daemon.p!.kill('SIGTERM');
      });
      daemon.p = null;
      expect(code).toBe(0);
    } finally {
      daemon.p?.kill('SIGKILL');
      umountAll();
      env.cleanup();
    }
  }, 90_000);
});

describe.skipIf(why !== null)('a read-only workspace', () => {
  it('mutating commands fail with one clear line and change nothing; reading commands still work; remounted read-write, all is well', () => {
    const env = makeEnv();
    try {
      fatPlugin(env, 'fat', 3, 2000);
      env.skill('other', 'other-1', { 'SKILL.md': skillMd('other-1') });
      env.ok('enable', 'fat');
      writeFileSync(join(env.plugins, 'fat', 'skills', 'fat-0', 'SKILL.md'), skillMd('fat-0', 'changed\n'));
      const edit = join(env.plugins, 'other', 'skills', 'other-1');
      let r = { ok: true, err: '' };
      r = sh('mount', ['--bind', env.workspace, env.workspace]);
      if (!r.ok) throw new Error(r.err);
      mounts.push(env.workspace);
      r = sh('mount', ['-o', 'remount,bind,ro', env.workspace]);
      if (!r.ok) throw new Error(r.err);
      const refs = env.refs();
      for (const args of [['sync'], ['enable', 'other'], ['publish', 'mine', '--from', edit, '--new'], ['rollback', 'fat-1', 'v0001'], ['pause', 'fat']]) {
        const out = env.run(...args);
        clean(out);
        expect(out.code, `${args.join(' ')}: ${out.stdout}`).toBe(1);
        expect(out.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
        expect(out.stderr, args.join(' ')).toMatch(/read-only file system/);
      }
      for (const args of [['status'], ['log'], ['proposals'], ['plugins']]) {
        const out = env.run(...args);
        clean(out);
        expect(out.code, `${args.join(' ')} on a read-only workspace: ${out.stderr}`).toBe(0);
      }
      expect(env.refs()).toBe(refs);
      expect(fsckProblems(env.gitdir)).toEqual([]);
      umountAll();
      const s = env.run('sync');
      expect(s.code, s.stderr).toBe(0);
      expect(env.gitTry('rev-parse', '-q', '--verify', 'refs/heads/proposals/fat/fat-0').status).toBe(0);
      expect(fsckProblems(env.gitdir)).toEqual([]);
      expect(liveProblems(workOf(env), true)).toEqual([]);
    } finally {
      umountAll();
      env.cleanup();
    }
  });
});
