// The daemon's parts in isolation: mutex, debounce, path → plugin index, metrics text,
// the directory watcher (real folders, one watch per folder, inotify limit), HTTP.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, watch as fsWatch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mutex } from '../src/daemon/mutex.js';
import { Debouncer } from '../src/daemon/debounce.js';
import { PluginIndex, under } from '../src/daemon/plugin-index.js';
import { Metrics, summarize } from '../src/daemon/metrics.js';
import { SourceWatcher, isWatchLimitError, makeIgnore } from '../src/daemon/watcher.js';
import { isLoopback, parseListen, startHttp } from '../src/daemon/health.js';
import { validateSchedule } from '../src/daemon/scheduler.js';
import type { DiscoveryResult, PluginManifest, SourceTree } from '../src/plugins/types.js';
import type { SyncResult } from '../src/workspace/sync.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function src(kind: 'fs' | 'git', root: string): SourceTree {
  return { kind, root, display: root, list: () => null, stat: () => null, read: () => null };
}

function plugin(id: string, source: SourceTree, path: string, skills: [string, string][], extra: Partial<PluginManifest> = {}): PluginManifest {
  return { id, version: '1.0.0', format: 'bare', source, path, skills: skills.map(([name, p]) => ({ name, path: p, warnings: [] })), warnings: [], ...extra };
}

describe('Mutex', () => {
  it('runs one holder at a time, in order, and survives a failing holder', async () => {
    const m = new Mutex();
    const log: string[] = [];
    const job = (name: string, ms: number, fail = false) =>
      m.runExclusive(async () => {
        log.push(`start ${name}`);
        await sleep(ms);
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      });
    const a = job('a', 30);
    const b = job('b', 5, true);
    const c = job('c', 1);
    expect(m.isLocked).toBe(true);
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b');
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    await m.idle();
    expect(m.isLocked).toBe(false);
  });
});

describe('Debouncer', () => {
  afterEach(() => vi.useRealTimers());

  it('fires once per key after the last hit, and at the latest after maxWait', () => {
    vi.useFakeTimers();
    let now = 0;
    const fired: string[] = [];
    const d = new Debouncer(() => 100, (k) => fired.push(`${k}@${now}`), () => 300, () => now);
    const advance = (ms: number) => {
      now += ms;
      vi.advanceTimersByTime(ms);
    };
    d.hit('a');
    advance(50);
    d.hit('a');
    d.hit('b');
    advance(99);
    expect(fired).toEqual([]);
    advance(1);
    expect(fired).toEqual(['a@150', 'b@150']);
    // A key hit every 50 ms (never quiet for 100 ms) still fires after 300 ms.
    for (let i = 0; i < 10; i++) {
      d.hit('c');
      advance(50);
    }
    expect(fired.filter((f) => f.startsWith('c'))).toEqual(['c@450']);
    d.hit('x');
    expect(d.pending).toBeGreaterThan(0);
    d.cancelAll();
    advance(1000);
    expect(fired.some((f) => f.startsWith('x'))).toBe(false);
  });
});

describe('PluginIndex', () => {
  const root = '/srv/plugins';
  const market = '/srv/market';
  const repo = '/srv/repo.git';
  const d: DiscoveryResult = {
    plugins: [
      plugin('alpha', src('fs', root), 'alpha', [['a1', 'alpha/skills/a1']]),
      plugin('beta', src('fs', root), 'beta', [['b1', 'beta/skills/b1']], { manifestPath: 'beta/.claude-plugin/plugin.json' }),
      // A marketplace entry that lists a skill outside its folder.
      plugin('m1', src('fs', market), 'plugins/m1', [['shared', 'shared/skills/shared']]),
      plugin('g1', src('git', repo), 'g1', [['x', 'g1/skills/x']]),
      plugin('g2', src('git', repo), 'g2', [['y', 'g2/skills/y']]),
    ],
    errors: [],
  };
  const idx = new PluginIndex(d);

  it.each([
    ['/srv/plugins/alpha/skills/a1/SKILL.md', ['alpha']],
    ['/srv/plugins/alpha', ['alpha']],
    ['/srv/plugins/alpha/README.md', ['alpha']],
    ['/srv/plugins/beta/.claude-plugin/plugin.json', ['beta']],
    ['/srv/plugins/alphabet/x', []], // a prefix of a name is not the folder
    ['/srv/plugins/gamma/skills/g/SKILL.md', []], // new plugin: unknown → rediscover
    ['/srv/plugins', []],
    ['/srv/market/shared/skills/shared/SKILL.md', ['m1']],
    ['/srv/market/plugins/m1/x', ['m1']],
    ['/srv/market/.claude-plugin/marketplace.json', []],
    ['/srv/repo.git/refs/heads/main', ['g1', 'g2']], // a ref moved: every plugin of that repository
    ['/srv/repo.git/packed-refs', ['g1', 'g2']],
    ['/elsewhere/alpha', []],
  ])('%s → %j', (path, ids) => {
    expect(idx.lookup(path)).toEqual(ids);
  });

  it('diff names plugins that came, went or changed their declaration', () => {
    const next = new PluginIndex({
      plugins: [
        plugin('alpha', src('fs', root), 'alpha', [['a1', 'alpha/skills/a1'], ['a2', 'alpha/skills/a2']]),
        plugin('beta', src('fs', root), 'beta', [['b1', 'beta/skills/b1']], { manifestPath: 'beta/.claude-plugin/plugin.json' }),
        plugin('gamma', src('fs', root), 'gamma', [['g', 'gamma/skills/g']]),
      ],
      errors: [],
    });
    expect(next.diffFrom(idx)).toEqual({ added: ['gamma'], removed: ['g1', 'g2', 'm1'], changed: ['alpha'] });
    expect(next.size).toBe(3);
    expect(next.has('gamma')).toBe(true);
    expect(new PluginIndex().lookup('/srv/plugins/alpha')).toEqual([]);
  });

  it('under()', () => {
    expect(under('/a/b', '/a/b')).toBe('');
    expect(under('/a/b', '/a/b/c/d')).toBe('c/d');
    expect(under('/a/b', '/a/bc')).toBeNull();
    expect(under('/a/b', '/a')).toBeNull();
  });
});

describe('Metrics', () => {
  const result: SyncResult = {
    durationMs: 1500,
    plugins: [
      {
        id: 'alpha',
        status: 'update_pending',
        skills: [
          { name: 'a1', classification: 'fast_forward', action: 'proposal_opened', proposal: 'alpha/a1' },
          { name: 'a2', classification: 'three_way', action: 'proposal_replaced', proposal: 'alpha/a2', conflicts: 1 },
          { name: 'a3', classification: 'unchanged', action: 'none' },
          { name: 'a4', classification: 'already_applied', action: 'accept_silently' },
        ],
      },
      { id: 'beta', status: 'error', skills: [], error: 'symlink in skill', errorCode: 'ESYMLINK' },
      { id: 'gamma', status: 'synced', skills: [{ name: 'g', classification: 'error', action: 'ownership_conflict', error: 'x' }] },
    ],
  };

  it('summarize: the counts of the `pass done` line', () => {
    expect(summarize(result)).toEqual({
      durationMs: 1500,
      plugins: 3,
      unchanged: 1,
      already_applied: 1,
      fast_forward: 1,
      three_way: 1,
      added: 0,
      removed: 0,
      errors: 2,
      proposalsOpened: 2,
    });
  });

  it('renders the Prometheus text format', () => {
    const m = new Metrics();
    m.pass('startup', result, true, 1_700_000_000_000);
    m.passNotRun('schedule', 'skipped_locked');
    m.openProposals.set(2);
    m.up.set(1);
    const text = m.render();
    // Every sample line is `name{labels} value` and every family has HELP and TYPE.
    const lines = text.trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(/^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+]+)$/);
    const families = lines.filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ')[2]);
    for (const f of families) expect(lines.filter((l) => l.startsWith(`# HELP ${f} `))).toHaveLength(1);
    expect(text).toContain('skillsync_ready 1\n');
    expect(text).toContain('skillsync_pass_duration_seconds{trigger="startup"} 1.5\n');
    expect(text).toContain('skillsync_skills{classification="fast_forward"} 1\n');
    expect(text).toContain('skillsync_skills{classification="removed"} 0\n');
    expect(text).toContain('skillsync_plugins{status="error"} 1\n');
    expect(text).toContain('skillsync_open_proposals 2\n');
    expect(text).toContain('skillsync_last_success_timestamp_seconds 1700000000\n');
    expect(text).toContain('skillsync_errors_total{kind="plugin"} 1\n');
    expect(text).toContain('skillsync_passes_total{trigger="schedule",result="skipped_locked"} 1\n');
    expect(text).toContain('skillsync_proposals_opened_total 2\n');
    expect(text).toMatch(/skillsync_process_resident_memory_bytes \d+\n/);
    // A targeted pass updates only its plugins; keepOnly drops plugins no longer enabled.
    m.pass('watch', { durationMs: 10, plugins: [{ id: 'beta', status: 'synced', skills: [] }] }, false, 1_700_000_001_000);
    expect(m.render()).toContain('skillsync_plugins{status="error"} 0\n');
    expect(m.render()).toContain('skillsync_plugins{status="update_pending"} 1\n');
    m.keepOnly(new Set(['beta']));
    expect(m.render()).toContain('skillsync_plugins{status="update_pending"} 0\n');
  });
});

describe('SourceWatcher', () => {
  let dir = '';
  let w: SourceWatcher | null = null;
  afterEach(async () => {
    await w?.close();
    w = null;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function until(cond: () => boolean, ms = 5000) {
    const t = Date.now();
    while (!cond()) {
      if (Date.now() - t > ms) throw new Error('timed out');
      await sleep(10);
    }
  }

  it('watches folders only, reports file changes through them, follows new and removed folders', async () => {
    dir = mkdtempSync(join(tmpdir(), 'skillsync-watch-'));
    const root = join(dir, 'plugins');
    for (let p = 0; p < 3; p++) for (let s = 0; s < 3; s++) {
      mkdirSync(join(root, `p${p}`, 'skills', `s${s}`), { recursive: true });
      for (const f of ['SKILL.md', 'a.txt', 'b.txt']) writeFileSync(join(root, `p${p}`, 'skills', `s${s}`, f), 'x\n');
    }
    mkdirSync(join(root, 'p0', '.git', 'objects'), { recursive: true });
    mkdirSync(join(root, 'ws-inside'), { recursive: true });
    const seen: string[] = [];
    w = new SourceWatcher({ roots: [{ kind: 'fs', path: root }], exclude: [join(root, 'ws-inside')], onChange: (p) => seen.push(p), onLimit: () => {}, onError: (e) => { throw e; } });
    await w.start();
    // root + 3 plugins + 3 skills/ + 9 skill folders; never .git, never the excluded folder, never a file.
    expect(w.watchedDirs()).toBe(1 + 3 + 3 + 9);
    expect(w.active).toBe(true);

    writeFileSync(join(root, 'p1', 'skills', 's2', 'a.txt'), 'changed\n');
    await until(() => seen.includes(join(root, 'p1', 'skills', 's2', 'a.txt')));

    // A new plugin folder with content: the folder is reported and watched from then on.
    mkdirSync(join(root, 'p9', 'skills', 'n'), { recursive: true });
    await until(() => seen.includes(join(root, 'p9')));
    await until(() => w!.watchedDirs() === 16 + 3);
    writeFileSync(join(root, 'p9', 'skills', 'n', 'SKILL.md'), 'new\n');
    await until(() => seen.includes(join(root, 'p9', 'skills', 'n', 'SKILL.md')));

    // A folder moved in from elsewhere is watched too.
    const outside = join(dir, 'staging');
    mkdirSync(join(outside, 'skills', 'm'), { recursive: true });
    renameSync(outside, join(root, 'p8'));
    await until(() => w!.watchedDirs() === 19 + 3);

    // A removed plugin folder drops its watches.
    rmSync(join(root, 'p0'), { recursive: true });
    await until(() => seen.includes(join(root, 'p0')));
    await until(() => w!.watchedDirs() === 22 - 5);

    // Writes inside the excluded folder (the workspace) are never reported.
    writeFileSync(join(root, 'ws-inside', 'lock'), '1');
    await sleep(100);
    expect(seen.some((p) => p.includes('ws-inside'))).toBe(false);
    await w.close();
    expect(w.active).toBe(false);
  });

  it('stops and reports once when the kernel refuses more watches (ENOSPC)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'skillsync-watch-'));
    for (let i = 0; i < 5; i++) mkdirSync(join(dir, `d${i}`));
    let calls = 0;
    const limits: string[] = [];
    const fake = ((path: string, opts: unknown, listener: unknown) => {
      if (++calls > 3) throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
      return fsWatch(path, opts as { persistent: boolean }, listener as () => void);
    }) as unknown as typeof fsWatch;
    w = new SourceWatcher({ roots: [{ kind: 'fs', path: dir }], onChange: () => {}, onLimit: (e) => limits.push(String(e.code)), onError: () => {}, watchFn: fake });
    await w.start();
    expect(limits).toEqual(['ENOSPC']);
    expect(w.active).toBe(false);
    expect(w.watchedDirs()).toBe(0); // every watch released
  });

  it("a watch's error drops that folder's subtree only, or stops everything at the kernel's limit", async () => {
    dir = mkdtempSync(join(tmpdir(), 'skillsync-watch-'));
    for (const d of ['a/x', 'a/y', 'b']) mkdirSync(join(dir, d), { recursive: true });
    const made = new Map<string, ReturnType<typeof fsWatch>>();
    const record = ((path: string, opts: unknown, listener: unknown) => {
      const fw = fsWatch(path, opts as { persistent: boolean }, listener as () => void);
      made.set(path, fw);
      return fw;
    }) as unknown as typeof fsWatch;
    const errors: string[] = [];
    const limits: string[] = [];
    w = new SourceWatcher({ roots: [{ kind: 'fs', path: dir }], onChange: () => {}, onLimit: (e) => limits.push(String(e.code)), onError: (e) => errors.push(String((e as NodeJS.ErrnoException).code)), watchFn: record });
    await w.start();
    expect(w.watchedDirs()).toBe(5); // root, a, a/x, a/y, b
    // Every watch shares one listener: the error must still name its own folder.
    made.get(join(dir, 'a'))!.emit('error', Object.assign(new Error('EIO'), { code: 'EIO' }));
    expect(errors).toEqual(['EIO']);
    expect(w.watchedDirs()).toBe(2); // a and its two sub-folders dropped; root and b kept
    made.get(join(dir, 'b'))!.emit('error', Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }));
    expect(limits).toEqual(['ENOSPC']);
    expect(w.watchedDirs()).toBe(0);
    expect(w.active).toBe(false);
  });

  it('ignore rules: git sources watch only the git dir and refs/', () => {
    const ignore = makeIgnore([{ kind: 'git', path: '/r.git' }, { kind: 'fs', path: '/p' }], ['/p/ws']);
    expect(ignore('/r.git')).toBe(false);
    expect(ignore('/r.git/refs/heads')).toBe(false);
    expect(ignore('/r.git/objects/ab')).toBe(true);
    expect(ignore('/r.git/logs')).toBe(true);
    expect(ignore('/p/a/.git')).toBe(true);
    expect(ignore('/p/ws/x')).toBe(true);
    expect(ignore('/p/a/skills')).toBe(false);
    expect(isWatchLimitError({ code: 'ENOSPC' })).toBe(true);
    expect(isWatchLimitError({ code: 'ENOENT' })).toBe(false);
    expect(isWatchLimitError(null)).toBe(false);
  });
});

describe('HTTP /healthz and /metrics', () => {
  it('answers 503 until ready, then 200; /metrics is Prometheus text; unknown paths 404', async () => {
    let ready = false;
    const h = await startHttp('127.0.0.1:0', {
      notReady: () => (ready ? null : 'starting'),
      health: () => ({ ready }),
      metrics: () => 'skillsync_ready 0\n',
    });
    try {
      const base = `http://127.0.0.1:${h.address.port}`;
      let r = await fetch(`${base}/healthz`);
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({ status: 'starting', ready: false });
      ready = true;
      r = await fetch(`${base}/healthz`);
      expect(r.status).toBe(200);
      expect((await r.json()).status).toBe('ok');
      r = await fetch(`${base}/metrics`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await r.text()).toBe('skillsync_ready 0\n');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
      expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
    } finally {
      await h.close();
    }
  });

  it('an address in use is a clear startup error', async () => {
    const a = await startHttp('127.0.0.1:0', { notReady: () => null, health: () => ({}), metrics: () => '' });
    try {
      await expect(startHttp(`127.0.0.1:${a.address.port}`, { notReady: () => null, health: () => ({}), metrics: () => '' })).rejects.toMatchObject({ code: 'EHTTP_LISTEN' });
    } finally {
      await a.close();
    }
  });

  it('parseListen / isLoopback / validateSchedule', () => {
    expect(parseListen('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(() => validateSchedule('*/5 * * * *')).not.toThrow();
    expect(() => validateSchedule('*/5 * * * * *')).not.toThrow(); // node-cron's optional seconds field
    expect(() => validateSchedule('99 * * * *')).toThrow(/schedule/);
  });
});
