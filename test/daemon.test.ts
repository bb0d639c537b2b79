// `skillsync daemon` end to end: the real built CLI in a child process, temp plugin
// sources and workspace, JSON log lines on stderr, /healthz and /metrics over HTTP.
// Latency is measured by the benchmark; here every wait is generous (20 s).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { BIN, makeEnv, skillMd, type Env } from './helpers/env.js';

const WAIT_MS = 20_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Running {
  child: ChildProcess;
  stderr: () => string;
  /** Parsed JSON log lines so far. */
  logs: () => Record<string, any>[];
  exited: () => { code: number | null; signal: NodeJS.Signals | null } | undefined;
  port: number;
}

const running: Running[] = [];
const envs: Env[] = [];

afterEach(() => {
  for (const r of running.splice(0)) if (!r.exited()) r.child.kill('SIGKILL');
  for (const e of envs.splice(0)) e.cleanup();
});

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, d?: Running, ms = WAIT_MS): Promise<void> {
  const t = Date.now();
  while (!(await cond())) {
    if (Date.now() - t > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}${d ? `\n--- daemon stderr ---\n${d.stderr().slice(-3000)}` : ''}`);
    if (d?.exited()) throw new Error(`the daemon exited (${JSON.stringify(d.exited())}) while waiting for ${what}\n${d.stderr().slice(-3000)}`);
    await sleep(50);
  }
}

function setup(configExtra = ''): Env {
  // http port 0: the kernel picks a free port; the daemon logs the one it got.
  const env = makeEnv({ configExtra: `debounceMs: 50\nlog: { level: info }\nhttp: { listen: "127.0.0.1:0" }\n${configExtra}` });
  envs.push(env);
  return env;
}

function addPlugin(env: Env, plugin: string, skills: string[]): void {
  for (const s of skills) env.skill(plugin, s, { 'SKILL.md': skillMd(s), 'references/notes.md': `notes of ${s}\n` });
}

async function startDaemon(env: Env, opts: { waitReady?: boolean } = {}): Promise<Running> {
  const child = spawn(process.execPath, [BIN, '--config', env.config, 'daemon'], { cwd: env.root, env: { ...process.env, SKILLSYNC_DEBUG: '' } });
  let err = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stderr!.on('data', (d) => (err += d));
  child.stdout!.on('data', () => {});
  child.on('exit', (code, signal) => (exit = { code, signal }));
  const logs = () =>
    err
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, any>;
        } catch {
          return {};
        }
      });
  const r: Running = { child, stderr: () => err, logs, exited: () => exit, port: 0 };
  running.push(r);
  if (opts.waitReady !== false) {
    await waitFor('the daemon to start', () => logs().some((l) => l.message === 'daemon started'), r);
    const http = logs().find((l) => l.message === 'daemon started')!.http as string;
    r.port = Number(http.split(':').pop());
  }
  return r;
}

async function get(r: Running, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${r.port}${path}`);
  return { status: res.status, body: await res.text() };
}

async function stop(r: Running, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; ms: number }> {
  const t = Date.now();
  if (!r.exited()) {
    const done = new Promise<void>((res) => r.child.once('exit', () => res()));
    r.child.kill(signal);
    await Promise.race([done, sleep(15_000)]);
  }
  return { code: r.exited()?.code ?? null, ms: Date.now() - t };
}

const proposalRef = (plugin: string, skill: string) => `refs/heads/proposals/${plugin}/${skill}`;
const hasRef = (env: Env, ref: string) => env.gitTry('rev-parse', '-q', '--verify', ref).status === 0;
const hasLog = (r: Running, message: string, fields: Record<string, unknown> = {}) =>
  r.logs().some((l) => l.message === message && Object.entries(fields).every(([k, v]) => JSON.stringify(l[k]) === JSON.stringify(v)));

function edit(env: Env, plugin: string, skill: string, text: string): void {
  writeFileSync(join(env.plugins, plugin, 'skills', skill, 'SKILL.md'), skillMd(skill, `${text}\n`));
}

describe('skillsync daemon', () => {
  it('turns a changed source file into a proposal branch; CLI commands work meanwhile; SIGTERM exits 0 and leaves no lock', async () => {
    const env = setup();
    addPlugin(env, 'alpha', ['a1', 'a2']);
    addPlugin(env, 'beta', ['b1']);
    env.ok('enable', 'alpha', 'beta');
    const d = await startDaemon(env);

    // Ready after the first full pass, with one summary line for it.
    const h = await get(d, '/healthz');
    expect(h.status).toBe(200);
    expect(JSON.parse(h.body)).toMatchObject({ status: 'ok', ready: true, watching: true });
    const first = d.logs().find((l) => l.message === 'pass done')!;
    expect(first).toMatchObject({ trigger: 'startup', plugins: 2, unchanged: 3, already_applied: 0, fast_forward: 0, three_way: 0, added: 0, removed: 0, errors: 0, proposalsOpened: 0 });
    expect(typeof first.durationMs).toBe('number');

    edit(env, 'alpha', 'a1', 'Upstream changed this.');
    await waitFor('the proposal branch', () => hasRef(env, proposalRef('alpha', 'a1')), d);
    expect(env.git('show', `${proposalRef('alpha', 'a1')}:skills/a1/SKILL.md`)).toContain('Upstream changed this.');
    // Only the affected plugin was synced, by the watcher.
    await waitFor('the watch pass summary', () => hasLog(d, 'pass done', { trigger: 'watch', only: ['alpha'] }), d);
    expect(d.logs().find((l) => l.message === 'pass done' && l.trigger === 'watch')).toMatchObject({ plugins: 1, fast_forward: 1, proposalsOpened: 1 });

    // /metrics: Prometheus text with the pass, the classifications and the proposals.
    const m = (await get(d, '/metrics')).body;
    expect(m).toMatch(/^# HELP skillsync_/);
    expect(m).toMatch(/skillsync_pass_duration_seconds\{trigger="startup"\} [0-9.]+/);
    expect(m).toMatch(/skillsync_skills\{classification="fast_forward"\} 1/);
    expect(m).toMatch(/skillsync_last_success_timestamp_seconds [1-9][0-9]+/);
    expect(m).toMatch(/skillsync_errors_total\{kind="plugin"\} 0/);
    expect(m).toMatch(/skillsync_proposals_opened_total 1/);
    expect(m).toMatch(/skillsync_open_proposals 1\n/);
    expect(m).toMatch(/skillsync_watcher_active 1\n/);

    // CLI commands, reading and mutating (they take the workspace lock), while the daemon runs.
    const props = await env.runAsync('--json', 'proposals');
    expect(props.code, props.stderr).toBe(0);
    expect(JSON.parse(props.stdout).map((p: { id: string }) => p.id)).toEqual(['alpha/a1']);
    const sync = await env.runAsync('sync', 'beta');
    expect(sync.code, sync.stderr).toBe(0);
    const accept = await env.runAsync('accept', 'alpha/a1');
    expect(accept.code, accept.stderr).toBe(0);
    expect(env.git('show', 'main:skills/a1/SKILL.md')).toContain('Upstream changed this.');

    // A skill folder added to an enabled plugin: only that plugin is discovered again, and the addition is proposed.
    env.skill('alpha', 'a3', { 'SKILL.md': skillMd('a3') });
    await waitFor('the addition proposal', () => hasRef(env, proposalRef('alpha', 'a3')), d);

    const { code, ms } = await stop(d);
    expect(code, d.stderr().slice(-2000)).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(existsSync(join(env.workspace, 'lock'))).toBe(false);
    expect(hasLog(d, 'stopped')).toBe(true);
    env.fsck();
  }, 90_000);

  /** A daemon over alpha (enabled) whose pass thread has ended once, idle for 0.2 s. */
  async function retiredDaemon() {
    const env = setup('passThreadIdleSeconds: 0.2\n');
    addPlugin(env, 'alpha', ['a1']);
    env.ok('enable', 'alpha');
    const d = await startDaemon(env);
    const ended = () => d.logs().filter((l) => l.message === 'pass thread ended while idle').length;
    await waitFor('the idle pass thread to end', () => ended() === 1, d);
    return { env, d, ended };
  }

  it('an idle daemon ends its pass thread (passThreadIdleSeconds) and starts a new one for the next change', async () => {
    const { env, d, ended } = await retiredDaemon();
    expect(JSON.parse((await get(d, '/healthz')).body).memory).toMatchObject({ jobHeap: null });
    edit(env, 'alpha', 'a1', 'changed while no pass thread ran');
    await waitFor('the proposal branch', () => hasRef(env, proposalRef('alpha', 'a1')), d);
    expect(env.git('show', `${proposalRef('alpha', 'a1')}:skills/a1/SKILL.md`)).toContain('changed while no pass thread ran');
    expect(d.logs().some((l) => l.level === 'error')).toBe(false); // an ended thread is no failure
    await waitFor('the second pass thread to end', () => ended() === 2, d);
    expect((await stop(d)).code).toBe(0);
    env.fsck();
  }, 60_000);

  it('a pass thread started by a discovery alone (no plugin to sync) ends when idle too', async () => {
    const { env, d, ended } = await retiredDaemon();
    addPlugin(env, 'gamma', ['g1']); // not enabled: a discovery in a new thread, no pass
    await waitFor('gamma to be discovered', () => hasLog(d, 'plugin discovered', { plugin: 'gamma' }), d);
    await waitFor('the thread of that discovery to end', () => ended() === 2, d);
    expect(JSON.parse((await get(d, '/healthz')).body).memory).toMatchObject({ jobHeap: null });
    expect((await stop(d)).code).toBe(0);
  }, 60_000);

  it('discovers a plugin folder added at runtime (not enabling it); once enabled by the CLI its changes are proposed; a vanished plugin is missing', async () => {
    const env = setup();
    addPlugin(env, 'alpha', ['a1']);
    env.ok('enable', 'alpha');
    const d = await startDaemon(env);

    addPlugin(env, 'gamma', ['g1']);
    await waitFor('gamma to be discovered', () => hasLog(d, 'plugin discovered', { plugin: 'gamma' }), d);
    expect(d.logs().find((l) => l.message === 'plugin discovered')).toMatchObject({ plugin: 'gamma', enabled: false, skills: ['g1'] });
    // Enabling is a person's decision: nothing of gamma was mirrored.
    expect(env.gitTry('rev-parse', '-q', '--verify', 'main:skills/g1').status).not.toBe(0);

    const en = await env.runAsync('enable', 'gamma');
    expect(en.code, en.stderr).toBe(0);
    edit(env, 'gamma', 'g1', 'gamma moved on');
    await waitFor('the proposal for gamma', () => hasRef(env, proposalRef('gamma', 'g1')), d);

    rmSync(join(env.plugins, 'alpha'), { recursive: true });
    await waitFor('alpha to be reported missing', () => hasLog(d, 'enabled plugin is missing from its source; nothing was deleted', { plugin: 'alpha' }), d);
    expect(hasLog(d, 'plugin disappeared from its source', { plugin: 'alpha', enabled: true })).toBe(true);
    expect(env.gitTry('rev-parse', '-q', '--verify', 'main:skills/a1').status).toBe(0);
    await waitFor('the missing status in /metrics', async () => /skillsync_plugins\{status="missing"\} 1/.test((await get(d, '/metrics')).body), d);

    expect((await stop(d)).code).toBe(0);
  }, 90_000);

  it('a plugin that needs a fix does not stop the others: logged once, not retried, shown in status, synced once fixed', async () => {
    const env = setup();
    addPlugin(env, 'alpha', ['a1']);
    addPlugin(env, 'beta', ['b1']);
    env.ok('enable', 'alpha', 'beta');
    const d = await startDaemon(env);
    const stalls = () => d.logs().filter((l) => l.message === 'plugin sync stalled until its input changes' && l.plugin === 'beta');

    // beta gains a symlink (refused: content is untrusted) and a change.
    const outside = join(env.root, 'outside.txt');
    writeFileSync(outside, 'secret\n');
    symlinkSync(outside, join(env.plugins, 'beta', 'skills', 'b1', 'leak.txt'));
    edit(env, 'beta', 'b1', 'beta v2');
    await waitFor('beta to stall', () => stalls().length > 0, d);
    expect(stalls()[0]).toMatchObject({ code: 'ESYMLINK' });

    // alpha is still served.
    edit(env, 'alpha', 'a1', 'alpha v2');
    await waitFor('the proposal for alpha', () => hasRef(env, proposalRef('alpha', 'a1')), d);
    const m = (await get(d, '/metrics')).body;
    expect(m).toMatch(/skillsync_plugins_failing 1/);
    expect(m).not.toMatch(/skillsync_errors_total\{kind="plugin"\} 0\n/);
    expect(JSON.parse((await get(d, '/healthz')).body)).toMatchObject({ status: 'ok', failingPlugins: ['beta'] });
    const st = env.json('status', '--json');
    expect(st.daemon).toMatchObject({ pid: d.child.pid, failing: [{ plugin: 'beta', step: 'stall', code: 'ESYMLINK' }] });
    expect(env.ok('status')).toMatch(new RegExp(`daemon +running, pid ${d.child.pid} since`));

    // Fixed upstream: the change is the next input, and it is synced.
    rmSync(join(env.plugins, 'beta', 'skills', 'b1', 'leak.txt'));
    await waitFor('the proposal for beta', () => hasRef(env, proposalRef('beta', 'b1')), d);
    await waitFor('beta to recover', () => hasLog(d, 'plugin recovered', { plugin: 'beta' }), d);
    expect(env.gitTry('rev-parse', '-q', '--verify', `${proposalRef('beta', 'b1')}:skills/b1/leak.txt`).status).not.toBe(0);
    expect(stalls()).toHaveLength(1);
    expect(d.logs().filter((l) => l.message === 'plugin sync failed; it will be retried')).toEqual([]);

    expect(d.exited()).toBeUndefined();
    expect((await stop(d)).code).toBe(0);
    expect(env.ok('status')).toMatch(/daemon +not running/);
  }, 90_000);

  it('a broken manifest stalls its plugin: one log line per change of the input, not one per backoff step', async () => {
    const env = setup();
    addPlugin(env, 'gamma', ['g1']);
    const manifest = join(env.plugins, 'gamma', '.claude-plugin', 'plugin.json');
    mkdirSync(join(env.plugins, 'gamma', '.claude-plugin'));
    writeFileSync(manifest, JSON.stringify({ name: 'gamma', version: '1.0.0' }));
    env.ok('enable', 'gamma');
    const d = await startDaemon(env);
    const stalls = () => d.logs().filter((l) => l.message === 'plugin sync stalled until its input changes' && l.plugin === 'gamma');

    writeFileSync(manifest, '{ "name": "gamma", ');
    await waitFor('gamma to stall', () => stalls().length === 1, d);
    expect(stalls()[0].code).toBe('EMANIFEST_JSON');
    // Longer than the first backoff steps (2 s, 4 s): still one line, no retry, no pass for gamma.
    // Trigger and plugins of each pass, so that a failure names the pass that ran.
    const passLog = () => d.logs().filter((l) => l.message === 'pass done' && l.trigger !== 'startup').map((l) => ({ trigger: l.trigger, only: l.only }));
    const passes = () => passLog().length;
    // The stalled pass reports 'pass done' right after the stall line; count from there.
    await waitFor('the stalled pass to end', () => {
      const l = d.logs();
      const at = l.findIndex((x) => x.message === 'plugin sync stalled until its input changes' && x.plugin === 'gamma');
      return at >= 0 && l.slice(at + 1).some((x) => x.message === 'pass done');
    }, d);
    const before = passes();
    await sleep(6500);
    expect(stalls()).toHaveLength(1);
    expect(passLog().slice(before)).toEqual([]);
    expect(d.logs().filter((l) => l.message === 'plugin sync failed; it will be retried')).toEqual([]);
    const st = env.run('--json', 'status');
    expect(st.code).toBe(3); // a broken plugin needs a person
    expect(JSON.parse(st.stdout).daemon.failing).toEqual([expect.objectContaining({ plugin: 'gamma', step: 'stall', code: 'EMANIFEST_JSON' })]);

    // The input changes (still broken): logged again, once.
    writeFileSync(manifest, '{ "name": "gamma", "version": ');
    await waitFor('the second stall line', () => stalls().length === 2, d);
    // Fixed: synced, and the failure is gone.
    writeFileSync(manifest, JSON.stringify({ name: 'gamma', version: '1.1.0' }));
    await waitFor('gamma to recover', () => hasLog(d, 'plugin recovered', { plugin: 'gamma' }), d);
    expect(stalls()).toHaveLength(2);
    expect(JSON.parse((await get(d, '/healthz')).body).failingPlugins).toEqual([]);
    expect((await stop(d)).code).toBe(0);
  }, 90_000);

  it('a scheduled pass never waits for a lock someone else holds: it skips; SIGHUP reloads the config and refuses a bad one', async () => {
    // Every second (node-cron's six-field form), so the test sees scheduled passes.
    const env = setup('schedule: "* * * * * *"\n');
    addPlugin(env, 'alpha', ['a1']);
    env.ok('enable', 'alpha');
    const d = await startDaemon(env);
    await waitFor('a scheduled pass', () => hasLog(d, 'pass done', { trigger: 'schedule' }), d);

    // Another (live) process holds the workspace lock.
    const lock = join(env.workspace, 'lock');
    const held = JSON.stringify({ pid: process.pid, host: hostname(), start: '', command: 'test holds the lock', at: new Date().toISOString() });
    writeFileSync(lock, held);
    await waitFor('a skipped scheduled pass', () => hasLog(d, 'scheduled pass skipped: the workspace is locked by another process'), d);
    expect(d.logs().find((l) => l.message === 'scheduled pass skipped: the workspace is locked by another process')).toMatchObject({ holderPid: process.pid, holderCommand: 'test holds the lock' });
    expect(readFileSync(lock, 'utf8')).toBe(held); // never broken: its holder is alive
    expect((await get(d, '/metrics')).body).toMatch(/skillsync_passes_total\{trigger="schedule",result="skipped_locked"\} [1-9]/);
    rmSync(lock);
    const before = d.logs().filter((l) => l.message === 'pass done' && l.trigger === 'schedule').length;
    await waitFor('scheduled passes to resume', () => d.logs().filter((l) => l.message === 'pass done' && l.trigger === 'schedule').length > before, d);

    // SIGHUP: a new schedule (never) and level; then a bad config is refused.
    const cfg = readFileSync(env.config, 'utf8');
    writeFileSync(env.config, cfg.replace('schedule: "* * * * * *"', 'schedule: "0 0 1 1 *"'));
    d.child.kill('SIGHUP');
    await waitFor('the reload', () => hasLog(d, 'config reloaded'), d);
    expect(d.logs().find((l) => l.message === 'config reloaded')!.changed).toContain('schedule');
    await waitFor('the reload pass', () => hasLog(d, 'pass done', { trigger: 'reload' }), d);
    writeFileSync(env.config, cfg.replace('schedule: "* * * * * *"', 'schedule: "99 * * * *"'));
    d.child.kill('SIGHUP');
    await waitFor('the refused reload', () => hasLog(d, 'config reload refused; the running config is kept'), d);
    expect(JSON.parse((await get(d, '/healthz')).body)).toMatchObject({ status: 'ok', schedule: '0 0 1 1 *' });

    // SIGINT stops it like SIGTERM.
    expect((await stop(d, 'SIGINT')).code).toBe(0);
    expect(existsSync(lock)).toBe(false);
  }, 90_000);

  it('a SIGTERM while a pass waits for the lock stops at once and leaves the other holder\'s lock alone', async () => {
    const env = setup();
    addPlugin(env, 'alpha', ['a1']);
    env.ok('enable', 'alpha');
    const d = await startDaemon(env);
    const lock = join(env.workspace, 'lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, host: hostname(), start: '', command: 'test', at: new Date().toISOString() }));
    edit(env, 'alpha', 'a1', 'waiting for the lock');
    await sleep(500); // the watch pass is now waiting (lockTimeoutSeconds: 20)
    const { code, ms } = await stop(d);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(5_000);
    expect(existsSync(lock)).toBe(true);
  }, 60_000);

  it('startup failures exit 1 with one line: bad config, a daemon already on the workspace, address in use', async () => {
    const env = setup('schedule: "99 * * * *"\n');
    const bad = env.run('daemon');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n').filter((l) => l.startsWith('skillsync:'))).toEqual([expect.stringMatching(/^skillsync: config: schedule: /)]);

    const env2 = setup();
    mkdirSync(join(env2.plugins, 'empty'), { recursive: true });
    const d = await startDaemon(env2);
    // A second daemon on the same workspace names the first.
    const twice = await env2.runAsync('daemon');
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(new RegExp(`skillsync: a daemon already runs on workspace .*: pid ${d.child.pid} on .* since `));
    // Another workspace, the same address.
    const env3 = setup();
    mkdirSync(join(env3.plugins, 'empty'), { recursive: true });
    writeFileSync(env3.config, readFileSync(env3.config, 'utf8').replace('127.0.0.1:0', `127.0.0.1:${d.port}`));
    const busy = await env3.runAsync('daemon');
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/skillsync: cannot listen on 127\.0\.0\.1:\d+ .*in use/);
    expect((await stop(d)).code).toBe(0);
  }, 60_000);
});
