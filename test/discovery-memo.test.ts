// Discovery by stat: a plugin folder whose listings (by inode, mtime, ctime) and file
// keys are what they were is not read again; its last result is used. Any change, a
// cache file from elsewhere or damaged, or a look within git's racy window reads it again.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { BIN } from './helpers/env.js';
import { join } from 'node:path';
import { DiscoveryCache } from '../src/plugins/discovery-cache.js';
import { discoverPlugins } from '../src/plugins/discover.js';
import { createFsSource } from '../src/plugins/fs-source.js';
import { discover } from '../src/workspace/discovery.js';
import { tempDir, writeTree } from './helpers/git.js';
import { makeWorkspace, type TestWorkspace } from './helpers/workspace.js';

let t: ReturnType<typeof tempDir> | undefined;
let ws: TestWorkspace | undefined;
afterEach(() => {
  t?.cleanup();
  ws?.cleanup();
  t = ws = undefined;
});

const md = (name: string, extra = '') => `---\nname: ${name}\ndescription: The ${name} skill.${extra}\n---\nBody.\n`;
// Files must be older than the racy window (2 s) before a look at them is kept.
const settle = () => new Promise((r) => setTimeout(r, 2100));

function plugins(): string {
  t = tempDir('skillsync-memo-');
  writeTree(t.dir, { 'alpha/skills/a1/SKILL.md': md('a1'), 'alpha/skills/a2/SKILL.md': md('a2'), 'beta/skills/b1/SKILL.md': md('b1') });
  return t.dir;
}

/** A discovery with a cache that went through the file (export, import), as a new command's does. */
function again(root: string, cache: DiscoveryCache, edit?: (data: any) => void) {
  const data = JSON.parse(JSON.stringify(cache.export()));
  edit?.(data);
  const next = new DiscoveryCache();
  next.import(data);
  return { r: discoverPlugins(createFsSource(root), { cache: next }), cache: next };
}

const summary = (r: ReturnType<typeof discoverPlugins>) => r.plugins.map((p) => `${p.id}@${p.version}:${p.skills.map((s) => s.name).join(',')}`);

describe('discovery by stat (folder memos)', () => {
  it('an unchanged plugin folder gives its last result without being read again', async () => {
    const root = plugins();
    await settle();
    const cache = new DiscoveryCache();
    const first = discoverPlugins(createFsSource(root), { cache });
    expect(summary(first)).toEqual(['alpha@0.0.0:a1,a2', 'beta@0.0.0:b1']);
    // A result only the memo holds: what comes out proves the folder was not read.
    const { r } = again(root, cache, (d) => {
      for (const rows of Object.values(d.folders) as [string, any][][]) for (const [name, m] of rows) if (name === 'alpha') m.plugins[0].version = '9.9.9';
    });
    expect(summary(r)).toEqual(['alpha@9.9.9:a1,a2', 'beta@0.0.0:b1']);
    expect(r.plugins[0]!.source.root).toBe(root);
  });

  it('a new skill folder or an edited SKILL.md is seen at once', async () => {
    const root = plugins();
    await settle();
    let cache = new DiscoveryCache();
    discoverPlugins(createFsSource(root), { cache });
    writeTree(root, { 'alpha/skills/a3/SKILL.md': md('a3') }); // skills/ changes
    let r;
    ({ r, cache } = again(root, cache));
    expect(summary(r)).toEqual(['alpha@0.0.0:a1,a2,a3', 'beta@0.0.0:b1']);
    // Content only (same folder listing): the file's key changes; front matter that runs code is refused.
    writeFileSync(join(root, 'beta/skills/b1/SKILL.md'), '---js\nname: b1\n---\n');
    ({ r, cache } = again(root, cache));
    expect(summary(r)).toEqual(['alpha@0.0.0:a1,a2,a3']);
    expect(r.errors.map((e) => `${e.code} ${e.pluginId}`)).toEqual(['EFRONTMATTER_LANG b1'.replace('b1', 'beta')]);
    writeFileSync(join(root, 'beta/skills/b1/SKILL.md'), md('b1', ' Changed.'));
    ({ r } = again(root, cache));
    expect(summary(r)).toEqual(['alpha@0.0.0:a1,a2,a3', 'beta@0.0.0:b1']);
  });

  it('a folder changed within the racy window is not memoised; a damaged memo is dropped', async () => {
    const root = plugins();
    const cache = new DiscoveryCache();
    discoverPlugins(createFsSource(root), { cache }); // everything was just written
    expect(cache.export().folders).toEqual({});
    await settle();
    discoverPlugins(createFsSource(root), { cache });
    const { r, cache: next } = again(root, cache, (d) => {
      for (const rows of Object.values(d.folders) as [string, any][][]) for (const row of rows) row[1].seen = [['d', 'alpha', 'not a number']];
    });
    expect(summary(r)).toEqual(['alpha@0.0.0:a1,a2', 'beta@0.0.0:b1']);
    expect(Object.values(next.export().folders)[0]!.map(([n]) => n).sort()).toEqual(['alpha', 'beta']);
  });

  it("a corrupt cache file is ignored and rewritten with the right result (the workspace's discovery.json)", async () => {
    ws = makeWorkspace();
    ws.plugin('alpha', ['a1']);
    await settle();
    const ctx = ws.ctx();
    expect(discover(ctx).plugins.map((p) => p.id)).toEqual(['alpha']);
    await ws.enable('alpha'); // the workspace exists: the cache is written
    const file = ws.ctx().paths.discoveryCache;
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 100));
    const c2 = ws.ctx();
    expect(discover(c2).plugins.map((p) => `${p.id}:${p.skills.map((s) => s.name)}`)).toEqual(['alpha:a1']);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).folders)).toHaveLength(1);
  });
});

describe('what a folder memo must never replay', () => {
  it('a duplicate-id error: once the first plugin with that id is gone, the second one is discovered', async () => {
    t = tempDir('skillsync-memo-');
    const plug = (id: string) => ({ '.claude-plugin/plugin.json': JSON.stringify({ name: id }), 'skills/s1/SKILL.md': md('s1') });
    writeTree(t.dir, Object.fromEntries(Object.entries({ ...prefix('a-plugin', plug('dup')), ...prefix('b-plugin', plug('dup')) })));
    await settle();
    const cache = new DiscoveryCache();
    const first = discoverPlugins(createFsSource(t.dir), { cache });
    expect(first.errors.map((e) => e.code)).toEqual(['EDUPLICATE_PLUGIN']);
    writeFileSync(join(t.dir, 'a-plugin', '.claude-plugin', 'plugin.json'), JSON.stringify({ name: 'other' }));
    const { r } = again(t.dir, cache);
    expect(r.errors).toEqual([]);
    expect(r.plugins.map((p) => p.id).sort()).toEqual(['dup', 'other']);
  });

  it('a crafted memo (a path with .., an unsafe skill name, no looks at all) is dropped, never replayed', async () => {
    const root = plugins();
    await settle();
    const cache = new DiscoveryCache();
    discoverPlugins(createFsSource(root), { cache });
    const crafted: ((m: any) => void)[] = [
      (m) => (m.plugins[0].skills[0].path = 'alpha/../../outside'),
      (m) => (m.plugins[0].skills[0].name = '../../../../pwned'),
      (m) => (m.plugins[0].path = '../elsewhere'),
      (m) => (m.seen = []),
    ];
    for (const edit of crafted) {
      const { r } = again(root, cache, (d) => {
        for (const rows of Object.values(d.folders) as [string, any][][]) for (const [name, m] of rows) if (name === 'alpha') edit(m);
      });
      expect(summary(r)).toEqual(['alpha@0.0.0:a1,a2', 'beta@0.0.0:b1']);
      expect(r.plugins[0]!.skills.map((s) => s.path)).toEqual(['alpha/skills/a1', 'alpha/skills/a2']);
    }
  });
});

function prefix(dir: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [`${dir}/${k}`, v]));
}

describe('a folder that could not be read', () => {
  // Root reads through any mode: the CLI runs as nobody then.
  const asRoot = process.getuid?.() === 0;
  it('is read again once its permissions are fixed (the error is never replayed from discovery.json)', async () => {
    t = tempDir('skillsync-memo-');
    chmodSync(t.dir, 0o777);
    writeTree(t.dir, { 'src/perm/.claude-plugin/plugin.json': JSON.stringify({ name: 'perm' }), 'src/perm/skills/alpha/SKILL.md': md('alpha') });
    writeFileSync(join(t.dir, 'skillsync.yaml'), 'workspace: ./ws\nsources:\n  - ./src\n');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, '--config', join(t!.dir, 'skillsync.yaml'), ...args], {
        cwd: t!.dir,
        encoding: 'utf8',
        env: { ...process.env, XDG_CACHE_HOME: join(t!.dir, 'cache') },
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      });
    for (const d of ['', 'src', 'src/perm', 'src/perm/.claude-plugin', 'src/perm/skills', 'src/perm/skills/alpha']) chmodSync(join(t.dir, d), 0o777);
    for (const f of ['src/perm/.claude-plugin/plugin.json', 'src/perm/skills/alpha/SKILL.md', 'skillsync.yaml']) chmodSync(join(t.dir, f), 0o666);
    expect(run('init').status).toBe(0);
    chmodSync(join(t.dir, 'src/perm/skills'), 0o000);
    await settle();
    const denied = run('--json', 'plugins');
    expect(denied.stdout + denied.stderr).toMatch(/ESOURCE_UNREADABLE|permission/i);
    chmodSync(join(t.dir, 'src/perm/skills'), 0o777);
    await settle();
    const fixed = run('--json', 'plugins');
    expect(fixed.status, fixed.stderr).toBe(0);
    expect(fixed.stdout).not.toMatch(/ESOURCE_UNREADABLE/);
    expect(fixed.stdout).toContain('"alpha"');
  }, 30_000);
});
