// A running daemon watching every plugin of the hostile corpus plus one good plugin:
// the good plugin still gets its proposals, hostile changes made while it runs (a new
// symlink, a manifest broken, a plugin removed, a new ---js plugin, a huge file) are
// reported and skipped, nothing is written outside the workspace, no code runs, and
// the daemon is still running (and stops cleanly on SIGTERM).
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, makeEnv, snapshotFs, type Env } from './helpers/env.js';
import { gitTreeOf } from './helpers/git.js';
import { HOSTILE, skillMd } from './fixtures/hostile/corpus.js';
import { fsckProblems } from './faults/lib.js';

let env: Env;
let daemon: ChildProcess | null = null;
afterAll(() => {
  daemon?.kill('SIGKILL');
  env?.cleanup();
});

async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('daemon among hostile plugins', () => {
  it('keeps serving the good plugin and keeps running', async () => {
    env = makeEnv({ configExtra: 'debounceMs: 50\nschedule: "0 0 1 1 *"\nlog: { level: info }\n' });
    const outside = join(env.root, 'outside');
    mkdirSync(join(outside, 'secret-dir'), { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET\n');
    writeFileSync(join(outside, 'secret-dir', 'SKILL.md'), skillMd('secret-dir'));
    const canary = join(outside, 'CANARY-code-ran');
    for (const f of HOSTILE) {
      const dir = join(env.plugins, f.name);
      mkdirSync(dir, { recursive: true });
      f.build({ dir, outside, canary });
    }
    const good = env.skill('good', 'good-skill', { 'SKILL.md': skillMd('good-skill'), 'references/r.md': 'v1\n' });
    const enabledIds = HOSTILE.filter((f) => f.expect.kind === 'enabled').map((f) => f.id ?? f.name);
    env.ok('enable', 'good', ...enabledIds);
    const outsideBefore = snapshotFs(outside);

    let stderr = '';
    daemon = spawn(process.execPath, [BIN, '--config', env.config, 'daemon'], { cwd: env.root, env: { ...process.env, SKILLSYNC_DEBUG: '' } });
    let exited: number | null | undefined;
    daemon.on('exit', (code) => (exited = code));
    daemon.stderr!.on('data', (d) => (stderr += d));
    daemon.stdout!.on('data', () => {});
    await waitFor('the daemon to be ready', () => /"message":"ready"/.test(stderr) || exited !== undefined);
    expect(exited, stderr).toBeUndefined();
    // Startup discovery logged the broken plugins instead of failing.
    expect(stderr).toMatch(/plugin cannot be read/);

    const proposal = 'refs/heads/proposals/good/good-skill';
    const propTree = () => env.gitTry('rev-parse', '--verify', '-q', `${proposal}:skills/good-skill`).stdout.trim();

    // 1. A good upstream change becomes a proposal.
    writeFileSync(join(good, 'references', 'r.md'), 'v2\n');
    await waitFor('the first proposal', () => propTree() === gitTreeOf(good));

    // 2. Hostile changes while the daemon runs.
    symlinkSync(join(outside, 'secret.txt'), join(env.plugins, 'binary', 'skills', 'bin', 'leak.txt')); // enabled plugin gains a link
    writeFileSync(join(env.plugins, 'json-bom', '.claude-plugin', 'plugin.json'), '{"name": '); // manifest broken
    rmSync(join(env.plugins, 'hidden-skill'), { recursive: true }); // enabled plugin vanishes
    mkdirSync(join(env.plugins, 'late-js', 'skills', 'latejs'), { recursive: true }); // a new plugin with code in its front matter
    writeFileSync(join(env.plugins, 'late-js', 'skills', 'latejs', 'SKILL.md'), `---js\nrequire('fs').writeFileSync(${JSON.stringify(canary)}, 'x')\n---\n`);
    writeFileSync(join(env.plugins, 'fm-crlf', 'skills', 'crlf', 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 1)); // a huge file appears
    await waitFor('the daemon to log the failing plugin', () => /binary/.test(stderr) && /symlink/.test(stderr), 20_000).catch(() => {});

    // 3. The good plugin still gets its proposals.
    writeFileSync(join(good, 'references', 'r.md'), 'v3\n');
    await waitFor('the replaced proposal', () => propTree() === gitTreeOf(good));

    expect(exited, stderr.slice(-2000)).toBeUndefined();
    expect(existsSync(canary)).toBe(false);
    // The link target was never read into the repository, nothing outside was touched.
    expect(env.gitTry('rev-parse', '--verify', '-q', 'refs/upstream/binary/bin:leak.txt').status).not.toBe(0);
    const outsideAfter = snapshotFs(outside);
    expect([...outsideAfter].filter(([p, v]) => outsideBefore.get(p) !== v)).toEqual([]);
    expect(fsckProblems(env.gitdir)).toEqual([]);
    // Nothing that was enabled was deleted from main by the removal of its source.
    expect(env.gitTry('rev-parse', '--verify', '-q', 'main:skills/visible').status).toBe(0);

    // 4. SIGTERM stops it cleanly.
    const code = await new Promise<number | null>((res) => {
      if (exited !== undefined) return res(exited);
      daemon!.on('exit', (c) => res(c));
      daemon!.kill('SIGTERM');
    });
    daemon = null;
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(existsSync(join(env.workspace, 'lock'))).toBe(false);
  }, 90_000);
});
