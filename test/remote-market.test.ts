// A github-style marketplace served by a real smart-HTTP server (git http-backend on
// 127.0.0.1) through urlRewrites: local, url, git-subdir and github entries pinning
// commits behind their branch tips; enable mirrors exactly the pinned trees (checked with
// the git CLI); an upstream bump becomes a proposal; a server that goes away is a state
// that changes nothing, and every hostile URL is refused in one line.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitTry, writeTree } from './helpers/git.js';
import { makeEnv, skillMd, type Env } from './helpers/env.js';
import { startGitServer, type GitHttpServer } from './helpers/http-git-server.js';

let env: Env;
let server: GitHttpServer;
let srv: string;
const pins: Record<string, { repo: string; sha: string; path: string }> = {};

/** A repository served as github/<name>.git, with a work tree to commit from. */
function upstream(name: string): { work: string; commit: (msg: string, files: Record<string, string>) => string } {
  const bare = join(srv, 'github', `${name}.git`);
  git(srv, ['init', '-q', '--bare', '-b', 'main', bare]);
  const work = join(srv, 'up', name);
  mkdirSync(work, { recursive: true });
  git(work, ['init', '-q', '-b', 'main']);
  git(work, ['remote', 'add', 'origin', bare]);
  return {
    work,
    commit(msg, files) {
      writeTree(work, files);
      git(work, ['add', '-A']);
      git(work, ['commit', '-qm', msg]);
      git(work, ['push', '-qf', 'origin', 'HEAD:main']);
      return git(work, ['rev-parse', 'HEAD']);
    },
  };
}

const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';
let market: ReturnType<typeof upstream>;

function marketplace(toolsSha: string, monoSha: string) {
  return json({
    name: 'acme-market',
    owner: { name: 'Acme' },
    plugins: [
      { name: 'local-one', description: 'in the marketplace itself', source: './plugins/local-one' },
      { name: 'tools', category: 'development', source: { source: 'url', url: 'https://github.com/acme/tools.git', sha: toolsSha } },
      { name: 'mono-a', source: { source: 'git-subdir', url: 'acme/mono', path: 'plugins/a', ref: 'main', sha: monoSha } },
      { name: 'gh-plain', source: { source: 'github', repo: 'acme/plain' } },
      { name: 'npm-thing', source: { source: 'npm', package: '@acme/thing' } },
      { name: 'evil-file', source: { source: 'url', url: 'file:///etc' } },
      { name: 'evil-http', source: { source: 'url', url: 'http://evil.example/x.git' } },
      { name: 'evil-abs', source: { source: 'url', url: '/srv/other.git' } },
      { name: 'evil-climb', source: { source: 'git-subdir', url: 'acme/mono', path: '../../etc' } },
      { name: 'evil-ssh', source: { source: 'url', url: 'git@github.com:acme/tools.git' } },
      { name: 'evil-cred', source: { source: 'url', url: 'https://user:pw@github.com/acme/tools.git' } },
      // Shapes seen in claude-plugins-official: a `url` entry with a `path`; two plugins shipping one skill name.
      { name: 'mono-b', source: { source: 'url', url: 'https://github.com/acme/mono.git', path: 'plugins/b', sha: monoSha } },
      { name: 'beta-twin', source: { source: 'git-subdir', url: 'acme/mono', path: 'plugins/b2', sha: monoSha } },
      { name: 'with-submodule', source: { source: 'git-subdir', url: 'acme/mono', path: 'plugins/c', sha: monoSha } },
      { name: 'evil-archive', source: { source: 'archive', url: 'https://example.com/x.tgz' } },
      { name: 'evil-command', source: { source: 'command', command: 'curl x | sh' } },
      { name: 'evil-local-climb', source: './../../outside' },
      { name: 'evil-self-climb', source: { source: 'git-subdir', url: './', path: '../outside' } },
      { name: 'evil-file-subdir', source: { source: 'git-subdir', url: 'file:///srv/mono.git', path: 'plugins/a' } },
    ],
  });
}

beforeAll(async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  srv = mkdtempSync(join(tmpdir(), 'skillsync-srv-'));
  server = await startGitServer(srv);
  // The user's own rewrite may produce http:// (a server on 127.0.0.1).
  env = makeEnv({ sources: ['{github: acme/market}'], configExtra: `urlRewrites: { "https://github.com/": "${server.base}github/" }\nfetch: { timeoutSeconds: 5 }\n` });

  const tools = upstream('acme/tools');
  const toolsPinned = tools.commit('tools v1', { '.claude-plugin/plugin.json': json({ name: 'tools', version: '1.0.0' }), 'skills/lint/SKILL.md': skillMd('lint', 'v1\n'), 'skills/fmt/SKILL.md': skillMd('fmt') });
  tools.commit('tools v2 (not pinned)', { 'skills/lint/SKILL.md': skillMd('lint', 'v2 unpinned\n') });
  pins.tools = { repo: 'acme/tools', sha: toolsPinned, path: '' };

  const mono = upstream('acme/mono');
  mono.commit('mono', { 'plugins/a/skills/alpha/SKILL.md': skillMd('alpha', 'pinned\n'), 'plugins/b2/skills/beta/SKILL.md': skillMd('beta', 'twin\n'), 'plugins/b/skills/beta/SKILL.md': skillMd('beta') });
  // planetscale/claude-plugin's shape: a declared skills path that is a submodule (a gitlink, no work tree needed).
  writeTree(mono.work, { 'plugins/c/.claude-plugin/plugin.json': json({ name: 'with-submodule', skills: ['./vendor/skills'] }) });
  git(mono.work, ['add', '-A']);
  git(mono.work, ['update-index', '--add', '--cacheinfo', `160000,${git(mono.work, ['rev-parse', 'HEAD'])},plugins/c/vendor`]);
  git(mono.work, ['commit', '-qm', 'mono with a submodule']);
  git(mono.work, ['push', '-q', 'origin', 'HEAD:main']);
  const monoPinned = git(mono.work, ['rev-parse', 'HEAD']);
  mono.commit('mono tip', { 'plugins/a/skills/alpha/SKILL.md': skillMd('alpha', 'tip\n') });
  pins.mono = { repo: 'acme/mono', sha: monoPinned, path: 'plugins/a' };

  const plain = upstream('acme/plain');
  pins.plain = { repo: 'acme/plain', sha: plain.commit('plain', { 'skills/plainer/SKILL.md': skillMd('plainer') }), path: '' };

  market = upstream('acme/market');
  market.commit('market', { '.claude-plugin/marketplace.json': marketplace(toolsPinned, monoPinned), 'plugins/local-one/skills/hello/SKILL.md': skillMd('hello') });
});

afterAll(async () => {
  await server?.close();
  env?.cleanup();
  const { rmSync } = await import('node:fs');
  if (srv) rmSync(srv, { recursive: true, force: true });
});

const upstreamTree = (p: { repo: string; sha: string; path: string }, skill: string) =>
  git(srv, ['--git-dir', join(srv, 'github', `${p.repo}.git`), 'rev-parse', `${p.sha}:${p.path ? p.path + '/' : ''}skills/${skill}`]);

describe('a remote marketplace through urlRewrites', () => {
  it('fetch discovers every local, url, git-subdir and github entry; hostile and npm entries are one line each', async () => {
    const f = await env.runAsync('fetch');
    expect(f.code, f.stderr).toBe(0);
    const r = await env.runAsync('--json', 'plugins');
    expect(r.code, r.stderr).toBe(0);
    const list = (JSON.parse(r.stdout) as Array<{ id: string | null; skills: Array<{ name: string }> }>).filter((p) => p.id !== null);
    expect(list.map((p) => p.id)).toEqual(['beta-twin', 'gh-plain', 'local-one', 'mono-a', 'mono-b', 'tools']);
    expect(list.find((p) => p.id === 'mono-a')!.skills.map((s) => s.name)).toEqual(['alpha']);
    expect(list.find((p) => p.id === 'mono-b')!.skills.map((s) => s.name)).toEqual(['beta']);
    const lines = r.stderr.trim().split('\n');
    const about = (id: string) => lines.filter((l) => l.includes(`"${id}"`));
    expect(about('npm-thing')).toEqual([expect.stringMatching(/uses an npm source, which skillsync does not fetch \(it would run install scripts\); mirror it into a git repository/)]);
    expect(about('evil-file')).toEqual([expect.stringMatching(/"file:\/\/\/etc" must be an https URL/)]);
    expect(about('evil-http')).toEqual([expect.stringMatching(/must be an https URL/)]);
    expect(about('evil-abs')).toEqual([expect.stringMatching(/is not a URL/)]);
    expect(about('evil-climb')).toEqual([expect.stringMatching(/EPATH_ESCAPE|escapes|\.\./)]);
    expect(about('evil-ssh')).toEqual([expect.stringMatching(/uses an ssh source/)]);
    expect(about('evil-cred')).toEqual([expect.stringMatching(/carries credentials/)]);
    expect(about('with-submodule')).toEqual([expect.stringMatching(/skills path .*plugins\/c\/vendor\/skills is a git submodule, which skillsync does not fetch.*\[ESUBMODULE\]/)]);
    expect(about('evil-archive')).toEqual([expect.stringMatching(/uses an archive source, which skillsync does not fetch; mirror it into a git repository/)]);
    expect(about('evil-command')).toEqual([expect.stringMatching(/uses a command source, which skillsync does not fetch \(it would run a command\); mirror it into a git repository/)]);
    expect(about('evil-local-climb')).toEqual([expect.stringMatching(/EPATH_ESCAPE|escapes/)]);
    expect(about('evil-self-climb')).toEqual([expect.stringMatching(/EPATH_ESCAPE|escapes/)]);
    expect(about('evil-file-subdir')).toEqual([expect.stringMatching(/"file:\/\/\/srv\/mono\.git" must be an https URL/)]);
    // http:// written in a marketplace is refused; the same scheme produced by the user's urlRewrites is what serves everything here.
    expect(about('evil-http')).toEqual([expect.stringMatching(/"http:\/\/evil\.example\/x\.git" must be an https URL \(an http mirror can be set with urlRewrites\)/)]);
    expect(server.log.some((l) => l.includes('evil'))).toBe(false);
  });

  it('enable mirrors the trees of the pinned commits, not the branch tips', async () => {
    const r = await env.runAsync('enable', 'tools', 'mono-a', 'gh-plain', 'local-one');
    expect(r.code, r.stderr).toBe(0);
    const ws = (skill: string) => env.git('rev-parse', `main:skills/${skill}`);
    expect(ws('lint')).toBe(upstreamTree(pins.tools!, 'lint'));
    expect(ws('fmt')).toBe(upstreamTree(pins.tools!, 'fmt'));
    expect(ws('alpha')).toBe(upstreamTree(pins.mono!, 'alpha'));
    expect(ws('plainer')).toBe(upstreamTree(pins.plain!, 'plainer'));
    expect(env.git('show', 'main:skills/lint/SKILL.md')).toContain('v1');
    env.fsck();
  });

  it('two plugins of one enable shipping the same skill name: the first gets it, the second is refused in one line', async () => {
    const r = await env.runAsync('--json', 'enable', 'mono-b', 'beta-twin');
    const out = JSON.parse(r.stdout) as Array<{ plugin: string; status: string; error?: { code: string; message: string } | string; code?: string }>;
    expect(out.map((o) => `${o.plugin} ${o.status}`)).toEqual(['mono-b enabled', 'beta-twin error']);
    expect(JSON.stringify(out[1])).toMatch(/"EOWNERSHIP".*skill 'beta' of plugin beta-twin already exists in the workspace as plugin mono-b/);
    expect(env.git('rev-parse', 'main:skills/beta')).toBe(git(srv, ['--git-dir', join(srv, 'github', 'acme/mono.git'), 'rev-parse', `${pins.mono!.sha}:plugins/b/skills/beta`]));
    env.fsck();
  });

  it('a sync with nothing new downloads no pack', async () => {
    const before = server.packPosts();
    const r = await env.runAsync('sync');
    expect(r.code, r.stderr).toBe(0);
    expect(server.packPosts()).toBe(before);
  });

  it('an upstream commit pinned by a marketplace bump becomes a proposal', async () => {
    const tools = { commit: (m: string, f: Record<string, string>) => { writeTree(join(srv, 'up', 'acme/tools'), f); const w = join(srv, 'up', 'acme/tools'); git(w, ['add', '-A']); git(w, ['commit', '-qm', m]); git(w, ['push', '-q', 'origin', 'HEAD:main']); return git(w, ['rev-parse', 'HEAD']); } };
    const v3 = tools.commit('tools v3', { 'skills/lint/SKILL.md': skillMd('lint', 'v3\n') });
    market.commit('bump tools', { '.claude-plugin/marketplace.json': marketplace(v3, pins.mono!.sha) });
    const r = await env.runAsync('sync');
    expect(r.code, r.stderr).toBe(0);
    expect(env.git('branch', '--list', 'proposals/*').split('\n').map((s) => s.trim())).toEqual(['proposals/tools/lint']);
    expect(env.git('rev-parse', 'proposals/tools/lint:skills/lint')).toBe(upstreamTree({ ...pins.tools!, sha: v3 }, 'lint'));
  });

  it('a server that goes away changes nothing, says so once per remote, and recovers by itself', async () => {
    const refsBefore = env.refs();
    await server.down();
    let up = false;
    onTestFinished(async () => void (up || (await server.up())));
    const r = await env.runAsync('sync');
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('skillsync: remote '));
    // Pinned commits already fetched need no contact: only the marketplace and the unpinned entry are polled.
    expect(lines.map((l) => l.split(' ')[2])).toEqual(['https://github.com/acme/market.git', 'https://github.com/acme/plain.git']);
    for (const l of lines) expect(l).toMatch(/is unreachable: the connection was refused \(server down\?\); last good fetch \d{4}-/);
    expect(env.refs()).toBe(refsBefore);
    const st = await env.runAsync('status');
    expect(st.stdout).toMatch(/remote {5}remote https:\/\/github\.com\/acme\/market\.git is unreachable/);
    const pl = (JSON.parse((await env.runAsync('--json', 'plugins')).stdout) as Array<{ id: string | null; status: string; remote?: { status: string } }>).filter((p) => p.id !== null);
    expect(pl.map((p) => `${p.id} ${p.status}`)).toEqual(['beta-twin discovered', 'gh-plain synced', 'local-one synced', 'mono-a synced', 'mono-b synced', 'tools update_pending']);
    expect(pl.find((p) => p.id === 'gh-plain')!.remote!.status).toBe('unreachable');
    expect(pl.find((p) => p.id === 'tools')!.remote!.status).toBe('ok'); // its pinned commit is here
    const off = await env.runAsync('sync', '--offline');
    expect(off.code, off.stderr).toBe(0);
    await server.up();
    up = true;
    const back = await env.runAsync('sync');
    expect(back.code, back.stderr).toBe(0);
    expect(env.refs()).toBe(refsBefore);
    expect((await env.runAsync('status')).stdout).not.toMatch(/unreachable/);
  });

  it('a token is sent to its host only, and never stored in the workspace', async () => {
    server.switches.token = 'tok-123456';
    const denied = await env.runAsync('fetch');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/refused access \(HTTP 401\)/);
    const { appendFileSync } = await import('node:fs');
    appendFileSync(env.config, `credentials: { "127.0.0.1:${new URL(server.base).port}": { tokenEnv: ACME_TOKEN } }\n`);
    const ok = await new Promise<{ code: number; stderr: string }>((res) => {
      const { spawn } = require('node:child_process') as typeof import('node:child_process');
      const p = spawn(process.execPath, [require('node:path').resolve(__dirname, '..', 'bin', 'skillsync.js'), '--config', env.config, 'fetch'], { env: { ...process.env, ACME_TOKEN: 'tok-123456' } });
      let stderr = '';
      p.stderr.on('data', (d: Buffer) => (stderr += d));
      p.on('close', (code: number) => res({ code, stderr }));
    });
    delete server.switches.token;
    expect(ok.code, ok.stderr).toBe(0);
    const b64 = Buffer.from('x-access-token:tok-123456').toString('base64');
    for (const needle of ['tok-123456', b64]) expect(gitTry(env.root, ['grep', '-l', '--no-index', '-F', needle, '--', 'ws']).stdout).toBe('');
  });
});
