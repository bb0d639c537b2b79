// The transport against a real smart-HTTP server (git http-backend on 127.0.0.1):
// shallow fetches into the cache repository, no pack for an unchanged poll, pinned
// commits behind the tip, force pushes, and every failure recorded as a state.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { git, tempDir, writeTree } from './helpers/git.js';
import { startGitServer, type GitHttpServer } from './helpers/http-git-server.js';
import { fetchRemote, type FetchOptions } from '../src/remote/fetch.js';
import { tokenHeader, newStats } from '../src/remote/http.js';
import { genDir, readCacheState } from '../src/remote/cache.js';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

let tmp: ReturnType<typeof tempDir>;
let server: GitHttpServer;
let repo: string; // work tree pushed to the served bare repo
let url: string;
const commits: string[] = [];

function commit(msg: string, files: Record<string, string>): string {
  writeTree(repo, files);
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', msg]);
  git(repo, ['push', '-qf', 'origin', 'HEAD:main']);
  return git(repo, ['rev-parse', 'HEAD']);
}

function opts(extra: Partial<FetchOptions> = {}): FetchOptions {
  return { cacheDir: join(tmp.dir, 'cache'), timeoutMs: 10_000, maxBytes: 1 << 26, authFor: () => undefined, now: () => Math.floor(Date.now() / 1000), ...extra };
}

beforeAll(async () => {
  tmp = tempDir('skillsync-remote-');
  const served = join(tmp.dir, 'srv');
  git(tmp.dir, ['init', '-q', '--bare', '-b', 'main', join(served, 'market.git')]);
  repo = join(tmp.dir, 'work');
  git(tmp.dir, ['clone', '-q', join(served, 'market.git'), repo]);
  git(repo, ['checkout', '-qb', 'main']);
  for (let i = 0; i < 5; i++) commits.push(commit(`c${i}`, { [`skills/s${i}/SKILL.md`]: `---\nname: s${i}\ndescription: d\n---\nbody ${i}\n` }));
  server = await startGitServer(served);
  url = `${server.base}market.git`;
});

afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

beforeEach(() => {
  for (const k of Object.keys(server.switches)) delete (server.switches as Record<string, unknown>)[k];
});

describe('fetchRemote', () => {
  it('fetches the default branch shallow; the cache is a valid git repository with the same tree', async () => {
    const r = await fetchRemote(url, [{}], opts());
    expect(r.error).toBeUndefined();
    const gd = genDir(r.dir, r.state)!;
    expect(r.state.refs['refs/heads/main']).toBe(commits[4]);
    expect(git(tmp.dir, ['--git-dir', gd, 'rev-parse', `${commits[4]}^{tree}`])).toBe(git(repo, ['rev-parse', 'HEAD^{tree}']));
    expect(git(tmp.dir, ['--git-dir', gd, 'rev-list', '--count', commits[4]])).toBe('1');
  });

  it('a poll with no change downloads no pack: one request at the server, the ref advertisement', async () => {
    await fetchRemote(url, [{}], opts());
    const before = server.log.length;
    const r = await fetchRemote(url, [{}], opts());
    expect(r.error).toBeUndefined();
    expect(r.changed).toEqual([]);
    expect(server.log.slice(before)).toEqual([`GET ${new URL(url).pathname}/info/refs`]);
  });

  it('the ref advertisement as `git ls-remote` reads it: HEAD, branches, peeled tags', async () => {
    git(repo, ['tag', '-a', '-m', 'annotated', 'v1']);
    git(repo, ['push', '-q', 'origin', 'v1']);
    const { listRefs } = await import('../src/remote/advert.js');
    const { Transport } = await import('../src/remote/http.js');
    const t = new Transport({ timeoutMs: 5000, maxBytes: 1 << 20, authFor: () => undefined });
    const refs = await listRefs(t.client, url);
    t.close();
    // What ls-remote would list, read from the served repository (a sync git call against this process's server would block it).
    const lsRemote = git(tmp.dir, ['--git-dir', join(tmp.dir, 'srv', 'market.git'), 'show-ref', '--head', '-d']).split('\n').map((l) => l.split(' '));
    const byName = new Map(refs.map((r) => [r.ref, r]));
    for (const [oid, ref] of lsRemote) {
      if (ref!.endsWith('^{}')) expect(byName.get(ref!.slice(0, -3))!.peeled).toBe(oid);
      else expect(byName.get(ref!)!.oid).toBe(oid);
    }
    expect(byName.get('HEAD')!.target).toBe('refs/heads/main');
    git(repo, ['push', '-q', 'origin', ':refs/tags/v1']);
  });

  it('obtains a pinned commit behind the tip by deepening', async () => {
    const r = await fetchRemote(url, [{ sha: commits[1], ref: 'main' }], opts());
    expect(r.error).toBeUndefined();
    expect(r.state.missing[commits[1]!]).toBeUndefined();
    const gd = genDir(r.dir, r.state)!;
    expect(git(tmp.dir, ['--git-dir', gd, 'rev-parse', `${commits[1]}^{tree}`])).toBe(git(repo, ['rev-parse', `${commits[1]}^{tree}`]));
    const posts = server.packPosts();
    await fetchRemote(url, [{ sha: commits[1], ref: 'main' }], opts());
    expect(server.packPosts()).toBe(posts); // a pinned commit present: no request at all
  });

  it('names a pinned commit that does not exist', async () => {
    const bad = 'deadbeef'.repeat(5);
    const r = await fetchRemote(url, [{ sha: bad }], opts({ cacheDir: join(tmp.dir, 'cache-bad') }));
    expect(r.state.missing[bad]).toMatch(/commit deadbeef.* cannot be obtained from http:\/\/127\.0\.0\.1/);
  });

  it('follows a force-pushed branch', async () => {
    const cacheDir = join(tmp.dir, 'cache-force');
    await fetchRemote(url, [{}], opts({ cacheDir }));
    git(repo, ['reset', '-q', '--hard', commits[2]!]);
    const forced = commit('rewritten', { 'skills/s9/SKILL.md': 'x\n' });
    const r = await fetchRemote(url, [{}], opts({ cacheDir }));
    expect(r.error).toBeUndefined();
    expect(r.changed).toEqual(['refs/heads/main']);
    expect(r.state.refs['refs/heads/main']).toBe(forced);
    const gd = genDir(r.dir, r.state)!;
    expect(git(tmp.dir, ['--git-dir', gd, 'rev-parse', `${forced}^{tree}`])).toBe(git(repo, ['rev-parse', 'HEAD^{tree}']));
    expect(readdirSync(r.dir).filter((n) => n.startsWith('gen-')).length).toBeLessThanOrEqual(2);
    commits.push(forced);
  });

  it('sends a token only when the server asks for one it knows; a missing token is a state', async () => {
    server.switches.token = 's3cret';
    const cacheDir = join(tmp.dir, 'cache-token');
    const denied = await fetchRemote(url, [{}], opts({ cacheDir }));
    expect(denied.error).toMatch(/refused access \(HTTP 401\)/);
    const r = await fetchRemote(url, [{}], opts({ cacheDir, authFor: (u) => (u.hostname === '127.0.0.1' ? tokenHeader('s3cret') : undefined) }));
    expect(r.error).toBeUndefined();
    expect(JSON.stringify(r.state)).not.toContain('s3cret');
  });

  const slow = { delayMs: 3000 };
  for (const [name, sw, reason] of [
    ['a 500', { fail500: true }, /HTTP 500/],
    ['a truncated pack', { truncateAt: 300 }, /cut off|malformed|damaged|reset/],
    ['a slow server', slow, /no answer within 1 s/],
  ] as const) {
    it(`${name} marks the remote unreachable and keeps the last good generation`, async () => {
      const cacheDir = join(tmp.dir, `cache-${name.replace(/\W/g, '')}`);
      const good = await fetchRemote(url, [{}], opts({ cacheDir }));
      commit(`more ${name}`, { [`skills/x${Date.now()}/SKILL.md`]: 'y\n' });
      Object.assign(server.switches, sw);
      const r = await fetchRemote(url, [{}], opts({ cacheDir, timeoutMs: sw === slow ? 1000 : 20_000 }));
      expect(r.error).toMatch(reason);
      expect(r.state.gen).toBe(good.state.gen);
      expect(r.state.refs).toEqual(good.state.refs);
      expect(r.state.fetchedAt).toBe(good.state.fetchedAt);
    });
  }

  it('a pack over maxBytes is aborted', async () => {
    const r = await fetchRemote(url, [{}], opts({ cacheDir: join(tmp.dir, 'cache-big'), maxBytes: 2000 }));
    expect(r.error).toMatch(/more than 2000 bytes/);
    expect(r.state.gen).toBeNull();
  });

  it('a pack cut off by maxBytes midway leaves no generation folder behind (the abandoned fetch ends first)', async () => {
    const big = join(tmp.dir, 'srv', 'big.git');
    git(tmp.dir, ['init', '-q', '--bare', '-b', 'main', big]);
    const work = join(tmp.dir, 'big-work');
    git(tmp.dir, ['clone', '-q', big, work]);
    git(work, ['checkout', '-qb', 'main']);
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`skills/s${i}/SKILL.md`] = randomBytes(20_000).toString('base64'); // incompressible: ~1 MB of pack
    writeTree(work, files);
    git(work, ['add', '-A']);
    git(work, ['commit', '-qm', 'big']);
    git(work, ['push', '-qf', 'origin', 'HEAD:main']);
    const cacheDir = join(tmp.dir, 'cache-cut');
    for (let i = 0; i < 2; i++) {
      const r = await fetchRemote(`${server.base}big.git`, [{}], opts({ cacheDir, maxBytes: 300_000 }));
      expect(r.error).toMatch(/more than 300000 bytes/);
      expect(r.state.gen).toBeNull();
      await new Promise((res) => setTimeout(res, 500)); // time for a write that would come late
      expect(readdirSync(r.dir).filter((n) => n.startsWith('gen-'))).toEqual([]);
    }
  });

  it('a server that is down is unreachable; it recovers when the server returns', async () => {
    const cacheDir = join(tmp.dir, 'cache-down');
    await server.down();
    const r = await fetchRemote(url, [{}], opts({ cacheDir }));
    expect(r.error).toMatch(/refused/);
    await server.up();
    const ok = await fetchRemote(url, [{}], opts({ cacheDir, stats: newStats() }));
    expect(ok.error).toBeUndefined();
    expect(ok.state.error).toBeNull();
  });

  it('a fetch killed midway leaves the cache as it was; the next fetch completes it', async () => {
    const cacheDir = join(tmp.dir, 'cache-kill');
    const good = await fetchRemote(url, [{}], opts({ cacheDir }));
    const tip = commit('after the kill', { 'skills/killed/SKILL.md': 'k\n' });
    server.switches.delayMs = 400;
    const script = `import('${join(__dirname, '..', 'dist', 'remote', 'fetch.js')}').then((m) => m.fetchRemote(${JSON.stringify(url)}, [{}], { cacheDir: ${JSON.stringify(cacheDir)}, timeoutMs: 60000, maxBytes: 1 << 26, authFor: () => undefined, now: () => 1 }))`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    // Wait until the new generation exists (the fetch is under way), then kill it.
    for (let i = 0; i < 200 && readdirSync(good.dir).filter((n) => n.startsWith('gen-')).length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    delete server.switches.delayMs;
    const after = readCacheState(good.dir, url);
    expect(after.gen).toBe(good.state.gen);
    expect(git(tmp.dir, ['--git-dir', genDir(good.dir, after)!, 'cat-file', '-t', good.state.refs['refs/heads/main']!])).toBe('commit');
    const r = await fetchRemote(url, [{}], opts({ cacheDir }));
    expect(r.error).toBeUndefined();
    expect(r.state.refs['refs/heads/main']).toBe(tip);
    commits.push(tip);
  });
});


describe('parseAdvertisement', () => {
  it('refuses what is not a smart-HTTP advertisement, in words', async () => {
    const { parseAdvertisement } = await import('../src/remote/advert.js');
    const pkt = (s: string) => (s.length + 4).toString(16).padStart(4, '0') + s;
    const oid = 'a'.repeat(40);
    expect(parseAdvertisement(Buffer.from(pkt('# service=git-upload-pack\n') + '0000' + pkt(`${oid} capabilities^{}\0side-band-64k\n`) + '0000'))).toEqual([]);
    for (const body of ['<html>not git</html>', pkt('# service=git-upload-pack\n') + '0000' + 'zz', pkt('# service=git-upload-pack\n') + '0000' + pkt('short refs/heads/x\n') + '0000', '0fff' + 'x']) {
      expect(() => parseAdvertisement(Buffer.from(body))).toThrow(/ref list is malformed/);
    }
  });
});
