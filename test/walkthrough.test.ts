// The README's "See it work" walkthrough, end to end, on a copy of the bundled config and
// example plugins: the daemon enables the examples, an author's edit becomes a proposal,
// it is reviewed and accepted, the example is put back with git (an upstream change
// too: its revert is proposed and accepted), and `status` ends clean (exit 0).
import { afterEach, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BIN } from './helpers/env.js';

const REPO = resolve(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir = '';
let daemon: ChildProcess | null = null;

afterEach(() => {
  daemon?.kill('SIGKILL');
  daemon = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `node bin/skillsync.js ...` from the checkout's root: the config is found in ./config/. */
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, SKILLSYNC_CONFIG: '', SKILLSYNC_DEBUG: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const json = (...args: string[]) => JSON.parse(cli('--json', ...args).stdout);
const sh = (...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf8' });

async function until(what: string, cond: () => boolean, log: () => string, ms = 30_000): Promise<void> {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}\n${log().slice(-3000)}`);
    await sleep(200);
  }
}

it('README walkthrough: edit, proposal, diff, accept, put the example back, clean status', async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'skillsync-walk-')));
  cpSync(join(REPO, 'config'), join(dir, 'config'), { recursive: true });
  cpSync(join(REPO, 'examples'), join(dir, 'examples'), { recursive: true });
  const cfg = join(dir, 'config', 'skillsync.yaml');
  // A free port instead of 9464, so that tests can run side by side.
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('127.0.0.1:9464', '127.0.0.1:0'));
  for (const a of [['init', '-q'], ['add', '-A'], ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'checkout']]) expect(sh(...a).status).toBe(0);

  // terminal 1: npm start (the daemon with the bundled config)
  let err = '';
  daemon = spawn(process.execPath, [BIN, '--config', 'config/skillsync.yaml', 'daemon'], { cwd: dir, env: { ...process.env, SKILLSYNC_DEBUG: '' } });
  daemon.stderr!.on('data', (d) => (err += d));
  daemon.stdout!.on('data', () => {});
  const log = () => err;

  // node bin/skillsync.js plugins: the examples, enabled, one version per skill
  await until('the examples to be enabled', () => {
    const r = cli('--json', 'plugins');
    return r.code === 0 && (JSON.parse(r.stdout) as any[]).some((p) => p.id === 'writing-tools' && p.status === 'synced');
  }, log);
  const wt = json('plugins').find((p: any) => p.id === 'writing-tools');
  expect(wt.skills.find((s: any) => s.name === 'commit-message')).toMatchObject({ status: 'synced', version: 'v0001' });

  // echo "One more rule." >> examples/plugins/writing-tools/skills/commit-message/SKILL.md
  appendFileSync(join(dir, 'examples/plugins/writing-tools/skills/commit-message/SKILL.md'), 'One more rule.\n');
  // node bin/skillsync.js proposals: within a second, a proposal branch
  const id = 'writing-tools/commit-message';
  await until('the proposal', () => json('proposals').some((p: any) => p.id === id), log);
  // node bin/skillsync.js diff writing-tools/commit-message
  const diff = cli('diff', id);
  expect(diff.code).toBe(0);
  expect(diff.stdout).toMatch(/^\+One more rule\.$/m);
  // git --git-dir var/workspace/workspace.git diff main...proposals/writing-tools/commit-message
  expect(sh('--git-dir', 'var/workspace/workspace.git', 'diff', `main...proposals/${id}`).stdout).toMatch(/^\+One more rule\.$/m);
  // node bin/skillsync.js accept writing-tools/commit-message
  expect(cli('accept', id).stdout).toMatch(/accepted as commit-message v0002/);

  // git checkout -- examples/plugins: the author's revert is an upstream change, proposed too
  expect(sh('checkout', '--', 'examples/plugins').status).toBe(0);
  await until('the revert to be proposed', () => json('proposals').some((p: any) => p.id === id), log);
  expect(cli('diff', id).stdout).toMatch(/^-One more rule\.$/m);
  expect(cli('accept', id).stdout).toMatch(/accepted as commit-message v0003/);

  // node bin/skillsync.js status: clean
  await sleep(1500); // a pass the watcher may still run finds nothing to do
  const st = cli('status');
  expect(st.code, st.stdout + st.stderr).toBe(0);
  expect(st.stdout).toMatch(/^proposals +0 open, 0 edited, 0 stale$/m);
  expect(st.stdout).not.toMatch(/^attention/m);
  expect(json('proposals')).toEqual([]);
  expect(json('log', 'commit-message').map((v: any) => v.version)).toEqual(['v0003', 'v0002', 'v0001']);

  const exited = new Promise<number | null>((r) => daemon!.once('exit', (code) => r(code)));
  daemon.kill('SIGTERM');
  expect(await exited).toBe(0);
  daemon = null;
}, 120_000);
