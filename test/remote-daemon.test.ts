// Kill-the-server recovery end to end: the real daemon polls a remote source through the
// real smart-HTTP server (git http-backend on 127.0.0.1) every second. The server stops:
// the source is `unreachable` in status with its reason and last good fetch, the plugin
// keeps its tree and nothing is proposed. The server returns: the daemon recovers by
// itself and a new upstream commit becomes a proposal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git, writeTree } from './helpers/git.js';
import { BIN, makeEnv, skillMd, type Env } from './helpers/env.js';
import { startGitServer, type GitHttpServer } from './helpers/http-git-server.js';

let env: Env;
let server: GitHttpServer;
let srv: string;
let work: string;
let daemon: ChildProcess | undefined;
let stderr = '';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const t = Date.now();
  while (!(await cond())) {
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}\n--- daemon stderr ---\n${stderr.slice(-3000)}`);
    await sleep(100);
  }
}
const logs = () => stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return {}; } });

function commit(msg: string, files: Record<string, string>): string {
  writeTree(work, files);
  git(work, ['add', '-A']);
  git(work, ['commit', '-qm', msg]);
  git(work, ['push', '-q', 'origin', 'HEAD:main']);
  return git(work, ['rev-parse', 'HEAD']);
}

beforeAll(async () => {
  srv = mkdtempSync(join(tmpdir(), 'skillsync-srv-'));
  const bare = join(srv, 'github', 'acme', 'tools.git');
  git(srv, ['init', '-q', '--bare', '-b', 'main', bare]);
  work = join(srv, 'up');
  mkdirSync(work);
  git(work, ['init', '-q', '-b', 'main']);
  git(work, ['remote', 'add', 'origin', bare]);
  commit('v1', { '.claude-plugin/plugin.json': '{"name": "tools", "version": "1.0.0"}\n', 'skills/lint/SKILL.md': skillMd('lint', 'v1\n') });
  server = await startGitServer(srv);
  env = makeEnv({
    sources: ['{git: "https://github.com/acme/tools.git"}'],
    configExtra: `urlRewrites: { "https://github.com/": "${server.base}github/" }\nfetch: { interval: 1s, timeoutSeconds: 2 }\ndebounceMs: 50\nlog: { level: info }\nhttp: { listen: "127.0.0.1:0" }\n`,
  });
});

afterAll(async () => {
  if (daemon && daemon.exitCode === null) {
    const done = new Promise((r) => daemon!.once('exit', r));
    daemon.kill('SIGTERM');
    await Promise.race([done, sleep(5000)]);
  }
  await server?.close();
  env?.cleanup();
  if (srv) rmSync(srv, { recursive: true, force: true });
});

describe('the daemon and a remote server that goes away', () => {
  it('reports the source unreachable, changes nothing, recovers by itself and proposes the next upstream commit', async () => {
    const en = await env.runAsync('enable', 'tools');
    expect(en.code, en.stderr).toBe(0);
    const lintTree = env.git('rev-parse', 'main:skills/lint');
    daemon = spawn(process.execPath, [BIN, '--config', env.config, 'daemon'], { cwd: env.root, env: { ...process.env, SKILLSYNC_DEBUG: '' } });
    daemon.stderr!.on('data', (d) => (stderr += d));
    daemon.stdout!.on('data', () => {});
    await waitFor('the daemon to start', () => logs().some((l) => l.message === 'daemon started'));
    const polls = () => server.log.filter((l) => l.endsWith('/info/refs')).length;
    const seen = polls();
    await waitFor('a poll', () => polls() > seen);

    await server.down();
    const refsBefore = env.refs();
    await waitFor('the unreachable line', () => logs().some((l) => String(l.message).includes('is unreachable')));
    const line = String(logs().find((l) => String(l.message).includes('is unreachable'))!.message);
    expect(line).toMatch(/remote https:\/\/github\.com\/acme\/tools\.git is unreachable: (the answer was cut off: )?the connection was (refused \(server down\?\)|reset); last good fetch \d{4}-\d\d-\d\dT/);
    const st = await env.runAsync('status');
    expect(st.stdout).toMatch(/remote https:\/\/github\.com\/acme\/tools\.git is unreachable: (the answer was cut off: )?the connection was (refused \(server down\?\)|reset); last good fetch \d{4}-/);
    const pl = (JSON.parse((await env.runAsync('--json', 'plugins')).stdout) as Array<{ id: string; status: string; skills: Array<{ name: string; status: string }>; remote: { status: string; reason: string; lastGoodFetch: string } }>).find((p) => p.id === 'tools')!;
    expect(pl.status).toBe('synced');
    expect(pl.skills.map((s) => `${s.name} ${s.status}`)).toEqual(['lint synced']);
    expect(pl.remote.status).toBe('unreachable');
    expect(pl.remote.lastGoodFetch).toMatch(/^\d{4}-/);
    // A few failed polls later: the plugin keeps its tree, nothing is proposed or removed.
    const fails = logs().length;
    await sleep(1500);
    expect(logs().length).toBeGreaterThanOrEqual(fails); // still running
    expect(env.refs()).toBe(refsBefore);
    expect(env.git('rev-parse', 'main:skills/lint')).toBe(lintTree);
    expect(env.git('branch', '--list', 'proposals/*')).toBe('');

    const v2 = commit('v2', { 'skills/lint/SKILL.md': skillMd('lint', 'v2 upstream\n') });
    await server.up();
    await waitFor('the remote back', () => logs().some((l) => l.message === 'remote reachable again'));
    await waitFor('a proposal for lint', () => env.gitTry('rev-parse', '-q', '--verify', 'refs/heads/proposals/tools/lint').status === 0);
    expect(env.git('rev-parse', 'proposals/tools/lint:skills/lint')).toBe(git(work, ['rev-parse', `${v2}:skills/lint`]));
    expect(env.git('rev-parse', 'main:skills/lint')).toBe(lintTree);
    expect((await env.runAsync('status')).stdout).not.toMatch(/unreachable/);
    env.fsck();
  }, 30_000);
});
