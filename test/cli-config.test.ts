// Config discovery says what it did; read-only commands never create a workspace;
// a missing source is an error in status and a failure of sync.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { configCacheDir, loadConfig } from '../src/config.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, makeEnv, skillMd, type Env } from './helpers/env.js';

const dirs: string[] = [];
let env: Env | undefined;
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  env?.cleanup();
  env = undefined;
});

function tmp(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'skillsync-cfg-')));
  dirs.push(d);
  return d;
}

function run(cwd: string, args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, SKILLSYNC_CONFIG: '', HOME: cwd, XDG_CONFIG_HOME: join(cwd, 'xdg'), ...extraEnv } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const cfg = (file: string, ws: string) => {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `workspace: ${ws}\nsources: []\n`);
};

describe('config discovery', () => {
  it('looks in order: --config, SKILLSYNC_CONFIG, ./skillsync.yaml, ./config/skillsync.yaml, $XDG_CONFIG_HOME/skillsync/; says which', () => {
    const d = tmp();
    const none = run(d, ['status']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no config file found (looked at ${d}/skillsync.yaml, ${d}/config/skillsync.yaml, ${d}/xdg/skillsync/skillsync.yaml, /etc/skillsync/skillsync.yaml)`);
    const which = (args: string[] = [], e: Record<string, string> = {}) => JSON.parse(run(d, ['status', '--json', ...args], e).stdout).config;
    cfg(join(d, 'xdg', 'skillsync', 'skillsync.yaml'), './ws-xdg');
    expect(which()).toBe(join(d, 'xdg', 'skillsync', 'skillsync.yaml'));
    cfg(join(d, 'config', 'skillsync.yaml'), './ws-config');
    expect(which()).toBe(join(d, 'config', 'skillsync.yaml'));
    cfg(join(d, 'skillsync.yaml'), './ws-here');
    expect(which()).toBe(join(d, 'skillsync.yaml'));
    cfg(join(d, 'env.yaml'), './ws-env');
    expect(which([], { SKILLSYNC_CONFIG: join(d, 'env.yaml') })).toBe(join(d, 'env.yaml'));
    cfg(join(d, 'flag.yaml'), './ws-flag');
    expect(which(['--config', 'flag.yaml'], { SKILLSYNC_CONFIG: join(d, 'env.yaml') })).toBe(join(d, 'flag.yaml'));
    const v = run(d, ['status', '-v']);
    expect(v.stderr).toContain(`skillsync: config: ${d}/skillsync.yaml (found in a default place)`);
    expect(v.stdout).toContain(`config     ${d}/skillsync.yaml`);
    expect(run(d, ['status'], { SKILLSYNC_CONFIG: join(d, 'nope.yaml') }).stderr).toMatch(/config file not found: .*nope\.yaml \(from SKILLSYNC_CONFIG\)/);
    // None of this created a workspace.
    for (const w of ['ws-xdg', 'ws-config', 'ws-here', 'ws-env', 'ws-flag']) expect(existsSync(join(d, w)), w).toBe(false);
  });

  it('read-only commands never create a workspace', () => {
    const d = tmp();
    mkdirSync(join(d, 'plugins', 'p', 'skills', 's'), { recursive: true });
    writeFileSync(join(d, 'plugins', 'p', 'skills', 's', 'SKILL.md'), skillMd('s'));
    writeFileSync(join(d, 'skillsync.yaml'), 'workspace: ./ws\nsources: [./plugins]\n');
    const p = run(d, ['plugins', '--json']);
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout)).toMatchObject([{ id: 'p', status: 'discovered', skills: [{ name: 's', status: 'available' }] }]);
    expect(run(d, ['status']).stdout).toContain('not created yet');
    for (const args of [['proposals'], ['log'], ['rejected'], ['show', 'p/s'], ['diff', 'p/s']]) {
      const r = run(d, args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/no workspace at/);
    }
    expect(run(d, ['enable', 'p', '--dry-run']).code).toBe(0);
    expect(existsSync(join(d, 'ws'))).toBe(false);
  });
});

describe('missing sources are failures', () => {
  it('status shows the error and exits 3; sync exits 1; plugins lists the error', () => {
    env = makeEnv({ sources: ['./plugins', './gone'] });
    env.skill('alpha', 'one', { 'SKILL.md': skillMd('one') });
    env.ok('enable', 'alpha');
    const st = env.run('status');
    expect(st.code).toBe(3);
    expect(st.stdout).toMatch(/error +.*gone: plugin source .*gone does not exist \[ESOURCE_MISSING\]/);
    expect(JSON.parse(env.run('--json', 'status').stdout).attention).toEqual(['1 source or plugin error(s)']);
    const s = env.run('sync');
    expect(s.code).toBe(1);
    expect(s.stdout).toMatch(/error: source .*gone/);
    const js = JSON.parse(env.run('sync', '--json').stdout);
    expect(js.errors).toEqual([expect.objectContaining({ code: 'ESOURCE_MISSING' })]);
    const list = env.json('plugins');
    expect(list.find((p: any) => p.status === 'error')).toMatchObject({ id: null, error: { code: 'ESOURCE_MISSING' } });
  });

  it('a config whose only source is missing: sync fails, no "no enabled plugins" with exit 0', () => {
    env = makeEnv({ sources: ['./gone'] });
    env.ok('init');
    const s = env.run('sync');
    expect(s.code).toBe(1);
    expect(s.stdout).not.toMatch(/^no enabled plugins;/m);
    expect(env.run('status').code).toBe(3);
  });
});

describe('config cache (parsed YAML by the config file bytes)', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function setup() {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'skillsync-cfgcache-')));
    made.push(dir);
    const file = join(dir, 'skillsync.yaml');
    writeFileSync(file, 'workspace: ./ws-one\nsources: []\n');
    const env = { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') };
    const entry = () => join(configCacheDir(env), readdirSync(configCacheDir(env))[0]!);
    return { dir, file, env, entry };
  }

  it('a second load reads the cache entry, not the YAML', () => {
    const { dir, file, env, entry } = setup();
    expect(loadConfig({ file, env }).workspace).toBe(join(dir, 'ws-one'));
    // An entry for these very bytes that says something else: what is loaded proves it is used.
    const c = JSON.parse(readFileSync(entry(), 'utf8'));
    c.raw.workspace = './from-the-cache';
    writeFileSync(entry(), JSON.stringify(c));
    expect(loadConfig({ file, env }).workspace).toBe(join(dir, 'from-the-cache'));
  });

  it('changed bytes are parsed again, even with the same size and times', () => {
    const { dir, file, env } = setup();
    loadConfig({ file, env });
    const st = statSync(file);
    writeFileSync(file, 'workspace: ./ws-two\nsources: []\n');
    utimesSync(file, st.atime, st.mtime);
    expect(loadConfig({ file, env }).workspace).toBe(join(dir, 'ws-two'));
  });

  it('a corrupt entry is ignored and rewritten', () => {
    const { dir, file, env, entry } = setup();
    loadConfig({ file, env });
    writeFileSync(entry(), '{"v":1,"sum":');
    expect(loadConfig({ file, env }).workspace).toBe(join(dir, 'ws-one'));
    expect(JSON.parse(readFileSync(entry(), 'utf8')).raw.workspace).toBe('./ws-one');
  });
});
