// The daemon's work: passes (full and per plugin), what triggers them (watcher,
// schedule, retries, reload) and what it reports (logs, metrics, health). Signals and
// the process lifecycle are in run.ts.
//
// A pass = under the daemon mutex, `withLock(ctx, 'daemon sync', () => syncAll(ctx, ids))`.
// Watcher-triggered passes wait for the workspace lock up to lockTimeoutSeconds; a
// scheduled pass never waits for a lock someone else holds: it skips (seed
// `sync_enabled(blocking=False)`). Lock waits poll, so a stop never waits them out.
import type { Config } from '../config.js';
import { SkillsyncError, toSkillsyncError } from '../core/errors.js';
import { listRefs } from '../git/refs.js';
import type { Logger } from '../log.js';
import { resolveGitDir } from '../plugins/git-source.js';
import { openContext, type Ctx } from '../workspace/context.js';
import { discover } from '../workspace/discovery.js';
import { withLock } from '../workspace/mutate.js';
import { readMainState } from '../workspace/state.js';
import { syncAll, type SyncResult } from '../workspace/sync.js';
import { autoEnable } from '../workspace/auto-enable.js';
import { RetryTracker } from './backoff.js';
import { Debouncer } from './debounce.js';
import { collectGarbage } from './gc.js';
import { isLoopback, parseListen, startHttp, type HttpListener } from './health.js';
import { Metrics } from './metrics.js';
import { Mutex } from './mutex.js';
import { PluginIndex, type PluginDiff } from './plugin-index.js';
import { startSchedule, validateSchedule, type Schedule } from './scheduler.js';
import { SourceWatcher, type WatchRoot } from './watcher.js';
import { REF_NAMESPACES, parseProposalRef } from '../workspace/layout.js';

export type Trigger = 'startup' | 'schedule' | 'reload' | 'watch' | 'retry';

/** Debounce key for "something changed that no known plugin owns": rediscover. */
const DISCOVER = '\0discover';
/** Retry key of a failed full pass. */
const FULL = '\0full';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function watchRoots(cfg: Config, log: Logger): WatchRoot[] {
  const roots: WatchRoot[] = [];
  for (const s of cfg.sources) {
    if (s.kind === 'fs') roots.push({ kind: 'fs', path: s.path });
    else {
      try {
        roots.push({ kind: 'git', path: resolveGitDir(s.gitdir) });
      } catch (err) {
        log.warn('git source not watched (the schedule still covers it)', { source: s.gitdir, error: (err as Error).message });
      }
    }
  }
  return roots;
}

export class Daemon {
  ctx: Ctx;
  readonly metrics = new Metrics();
  private readonly mutex = new Mutex();
  private readonly pluginRetries = new RetryTracker();
  private readonly passRetries = new RetryTracker();
  private readonly debouncer: Debouncer;
  private index = new PluginIndex();
  private indexed = false;
  private loggedDiscoveryErrors = new Set<string>();
  private watcher: SourceWatcher | null = null;
  private schedule: Schedule | null = null;
  private http: HttpListener | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private gcTimer: NodeJS.Timeout | null = null;
  private readonly pending = new Set<string>();
  private pendingDiscover = false;
  private pendingReason: Trigger | null = null;
  private drainQueued = false;
  private fullQueued = false;
  private ready = false;
  private stopping = false;
  private starting: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | null = null;
  private markStopped!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.markStopped = resolve));
  private lastPass: { trigger: Trigger; at: string; durationMs: number } | null = null;

  constructor(
    public config: Config,
    readonly log: Logger,
  ) {
    validateSchedule(config.schedule); // before anything is created on disk
    this.ctx = openContext(config, log, { create: true });
    this.debouncer = new Debouncer(
      () => this.config.debounceMs,
      (key) => {
        if (key === DISCOVER) this.pendingDiscover = true;
        else this.pending.add(key);
        this.kick('watch');
      },
    );
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Startup: HTTP, watcher, first full pass, schedule. Throws only for startup failures. */
  start(): Promise<void> {
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.log.info('starting', { pid: process.pid, config: this.config.file, workspace: this.ctx.paths.root, sources: this.config.sources.length });
    if (this.config.http) {
      this.http = await this.listen(this.config.http.listen);
      if (this.stopping) return;
    }
    await this.startWatcher();
    if (this.stopping) return;
    await this.fullPass('startup');
    if (this.stopping) return;
    this.schedule = startSchedule(this.config.schedule, () => this.fullPass('schedule'), this.log);
    this.log.info('daemon started', {
      pid: process.pid,
      workspace: this.ctx.paths.root,
      sources: this.config.sources.length,
      watching: this.watcher?.active ?? false,
      watchedDirs: this.watcher?.watchedDirs() ?? 0,
      schedule: this.config.schedule,
      http: this.http ? `${this.http.address.host}:${this.http.address.port}` : null,
    });
  }

  private async listen(listen: string): Promise<HttpListener> {
    const { host } = parseListen(listen);
    if (!isLoopback(host)) this.log.warn('http.listen is not a loopback address: /metrics and /healthz are reachable from the network', { listen });
    return startHttp(listen, {
      notReady: () => (this.stopping ? 'stopping' : this.ready ? null : 'starting'),
      health: () => this.health(),
      metrics: () => this.metrics.render(),
    });
  }

  private async startWatcher(): Promise<void> {
    const roots = watchRoots(this.config, this.log);
    const w = new SourceWatcher({
      roots,
      exclude: [this.ctx.paths.root],
      onChange: (p) => this.onChange(p),
      onLimit: (err) => {
        this.metrics.error('watcher');
        this.metrics.watcher.set(0);
        this.log.warn('the kernel refused more file watches; watching stopped, changes are picked up by the schedule only', {
          code: err.code,
          schedule: this.config.schedule,
          hint: 'raise fs.inotify.max_user_watches (sysctl) and reload or restart the daemon',
        });
      },
      onError: (err) => {
        this.metrics.error('watcher');
        this.log.warn('watcher error', { error: err.message, code: (err as NodeJS.ErrnoException).code });
      },
    });
    this.watcher = w;
    const t0 = Date.now();
    await w.start();
    this.metrics.watcher.set(w.active ? 1 : 0);
    this.log.debug('watching plugin sources', { roots: roots.map((r) => r.path), dirs: w.watchedDirs(), ms: Date.now() - t0 });
  }

  /** A watched path changed: debounce a pass of the plugin(s) owning it, else rediscover. */
  onChange(path: string): void {
    if (this.stopping) return;
    const ids = this.index.lookup(path);
    if (!ids.length) this.debouncer.hit(DISCOVER);
    for (const id of ids) this.debouncer.hit(id);
  }

  private kick(reason: Trigger): void {
    if (!this.pendingReason) this.pendingReason = reason;
    if (this.drainQueued || this.stopping) return;
    this.drainQueued = true;
    this.mutex
      .runExclusive(() => {
        this.drainQueued = false;
        return this.drain();
      })
      .catch((err) => this.internalError(err));
  }

  /** Run what the watcher and the retry timer collected: one pass over those plugins. */
  private async drain(): Promise<void> {
    if (this.stopping) return;
    const reason = this.pendingReason ?? 'watch';
    this.pendingReason = null;
    if (this.pendingDiscover) {
      this.pendingDiscover = false;
      this.rediscover();
    }
    if (!this.pending.size) return;
    const enabled = this.enabledIds();
    const ids = [...this.pending].filter((id) => enabled.has(id)).sort();
    // Not enabled: nothing to sync (enabling a plugin is a person's decision).
    for (const id of this.pending) if (!enabled.has(id)) this.pluginRetries.forget(id);
    this.pending.clear();
    if (ids.length) await this.pass(reason, ids);
    this.armRetryTimer();
  }

  /** A full pass over every enabled plugin (startup, schedule, reload, retry). */
  async fullPass(trigger: Trigger): Promise<void> {
    if (this.stopping) return;
    if (this.fullQueued) {
      this.log.debug('full pass not queued: one is already waiting', { trigger });
      return;
    }
    this.fullQueued = true;
    await this.mutex.runExclusive(async () => {
      this.fullQueued = false;
      if (this.stopping) return;
      // The full pass covers every change collected so far.
      this.pending.clear();
      this.pendingDiscover = false;
      await this.pass(trigger, undefined);
    });
  }

  /** Take the workspace lock within waitMs, polling, and give up at once when stopping. */
  private async locked<T>(command: string, fn: () => T, waitMs: number): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      let entered = false;
      try {
        return await withLock(
          this.ctx,
          command,
          () => {
            entered = true;
            return fn();
          },
          0,
        );
      } catch (err) {
        if (entered || !(err instanceof SkillsyncError) || err.code !== 'ELOCKED') throw err;
        if (this.stopping) throw new SkillsyncError('ESTOPPING', 'the daemon is stopping', {});
        const left = deadline - Date.now();
        if (left <= 0) throw err;
        await sleep(Math.min(delay, left));
      }
    }
  }

  private async pass(trigger: Trigger, ids: string[] | undefined): Promise<boolean> {
    const full = ids === undefined;
    const waitMs = trigger === 'schedule' ? 0 : this.config.lockTimeoutSeconds * 1000;
    let r: SyncResult;
    try {
      r = await this.locked(
        'daemon sync',
        () => {
          if (full) autoEnable(this.ctx);
          return syncAll(this.ctx, ids);
        },
        waitMs,
      );
    } catch (err) {
      const e = toSkillsyncError(err);
      if (e.code === 'ESTOPPING') return false;
      const holder = e.code === 'ELOCKED' ? (e.data.holder as { pid?: number; command?: string } | null) : null;
      if (e.code === 'ELOCKED' && trigger === 'schedule') {
        this.metrics.passNotRun(trigger, 'skipped_locked');
        this.log.info('scheduled pass skipped: the workspace is locked by another process', { holderPid: holder?.pid, holderCommand: holder?.command });
        return false;
      }
      this.metrics.passNotRun(trigger, e.code === 'ELOCKED' ? 'skipped_locked' : 'failed');
      const now = Date.now();
      const keys = full ? [FULL] : ids;
      const tracker = full ? this.passRetries : this.pluginRetries;
      let retryInMs = 0;
      for (const k of keys) retryInMs = tracker.fail(k, now, e.message).dueAt - now;
      const meta = { trigger, plugins: full ? 'all' : ids.slice(0, 20), code: e.code, error: e.message, retryInMs, holderPid: holder?.pid };
      if (e.code === 'ELOCKED') this.log.warn('pass postponed: the workspace stayed locked', meta);
      else this.log.error('pass failed; it will be retried', meta);
      this.armRetryTimer();
      return false;
    }

    const now = Date.now();
    if (full) this.passRetries.succeed(FULL);
    this.afterDiscovery();
    for (const p of r.plugins) {
      if (p.status === 'error') {
        const st = this.pluginRetries.fail(p.id, now, p.error);
        this.log.warn('plugin sync failed; it will be retried', { plugin: p.id, code: p.errorCode, error: p.error, failures: st.failures, retryInMs: st.dueAt - now });
      } else {
        const n = this.pluginRetries.succeed(p.id);
        if (n) this.log.info('plugin recovered', { plugin: p.id, status: p.status, afterFailures: n });
      }
    }
    if (full) {
      const synced = new Set(r.plugins.map((p) => p.id));
      for (const k of this.pluginRetries.keys()) if (!synced.has(k)) this.pluginRetries.forget(k);
    }
    const summary = this.metrics.pass(trigger, r, full, now);
    this.metrics.failing.set(this.pluginRetries.size);
    this.metrics.openProposals.set(this.countProposals());
    this.lastPass = { trigger, at: new Date(now).toISOString(), durationMs: r.durationMs };
    this.log.info('pass done', { trigger, ...summary, ...(full ? {} : { only: ids.slice(0, 20) }) });
    for (const p of r.plugins) {
      for (const s of p.skills) {
        if (s.action === 'proposal_opened' || s.action === 'proposal_replaced') {
          this.log.info('proposal opened', { plugin: p.id, skill: s.name, classification: s.classification, proposal: s.proposal, conflicts: s.conflicts ?? 0, replaced: s.action === 'proposal_replaced' });
        } else if (s.version) {
          this.log.info('version published', { plugin: p.id, skill: s.name, version: s.version, action: s.action });
        }
      }
      if (p.status === 'missing') this.log.warn('enabled plugin is missing from its source; nothing was deleted', { plugin: p.id });
    }
    if (full && !this.ready) {
      this.ready = true;
      this.metrics.up.set(1);
      this.log.info('ready', { plugins: r.plugins.length, durationMs: r.durationMs });
    }
    this.armRetryTimer();
    this.collectWhenIdle();
    return true;
  }

  /** A full collection once passes have quieted down (see gc.ts); never while work is queued. */
  private collectWhenIdle(): void {
    if (this.gcTimer) clearTimeout(this.gcTimer);
    this.gcTimer = setTimeout(() => {
      this.gcTimer = null;
      if (this.stopping) return;
      if (this.mutex.isLocked || this.debouncer.pending) return this.collectWhenIdle();
      const t0 = Date.now();
      if (collectGarbage()) this.log.debug('memory collected after passes', { ms: Date.now() - t0, rss: process.memoryUsage().rss });
    }, 500);
  }

  private enabledIds(): Set<string> {
    const out = new Set<string>();
    for (const [id, rec] of readMainState(this.ctx).plugins) if (rec.enabled && !rec.adopted) out.add(id);
    return out;
  }

  private countProposals(): number {
    try {
      return [...listRefs(this.ctx.paths.gitdir, REF_NAMESPACES.proposals).keys()].filter((r) => parseProposalRef(r) !== null).length;
    } catch {
      return 0;
    }
  }

  /** Something changed that no known plugin owns: discover again; sync enabled plugins that came, went or changed. */
  private rediscover(): void {
    try {
      discover(this.ctx, true);
    } catch (err) {
      this.metrics.error('pass');
      this.log.warn('discovery failed', { error: (err as Error).message });
      return;
    }
    const diff = this.afterDiscovery();
    const enabled = this.enabledIds();
    for (const id of [...diff.added, ...diff.removed, ...diff.changed]) if (enabled.has(id)) this.pending.add(id);
  }

  /** Rebuild the path → plugin index from the last discovery; log what appeared and vanished. */
  private afterDiscovery(): PluginDiff {
    const d = this.ctx.discovered;
    const none: PluginDiff = { added: [], removed: [], changed: [] };
    if (!d) return none;
    const next = new PluginIndex(d);
    const diff = next.diffFrom(this.index);
    const first = !this.indexed;
    this.index = next;
    this.indexed = true;
    this.metrics.discovered.set(next.size);
    if (first) {
      this.log.info('plugins discovered', { count: next.size, plugins: [...next.ids()].sort().slice(0, 50) });
    } else if (diff.added.length || diff.removed.length) {
      const enabled = this.enabledIds();
      for (const id of diff.added) {
        const m = d.plugins.find((p) => p.id === id);
        this.log.info('plugin discovered', {
          plugin: id,
          source: m?.source.display,
          path: m?.path,
          skills: m?.skills.map((s) => s.name),
          enabled: enabled.has(id),
          ...(enabled.has(id) ? {} : { hint: `run 'skillsync enable ${id}' to mirror it` }),
        });
      }
      for (const id of diff.removed) this.log.warn('plugin disappeared from its source', { plugin: id, enabled: enabled.has(id) });
    }
    // Discovery errors: each distinct one is logged once while it lasts.
    const seen = new Set<string>();
    for (const e of d.errors) {
      const key = `${e.source}|${e.path}|${e.code}|${e.message}`;
      seen.add(key);
      if (!this.loggedDiscoveryErrors.has(key)) {
        this.log.warn('plugin cannot be read', { source: e.source, path: e.path, plugin: e.pluginId, code: e.code, error: e.message });
      }
    }
    this.loggedDiscoveryErrors = seen;
    return diff;
  }

  private armRetryTimer(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.stopping) return;
    const candidates = [this.pluginRetries.nextDueAt(), this.passRetries.nextDueAt()].filter((x): x is number => x !== null);
    if (!candidates.length) return;
    const at = Math.min(...candidates);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      const now = Date.now();
      const full = this.passRetries.due(now).includes(FULL);
      const ids = this.pluginRetries.due(now);
      // Not again before this attempt has run: the pass re-arms the timer.
      this.passRetries.postpone(full ? [FULL] : [], now + 1000);
      this.pluginRetries.postpone(ids, now + 1000);
      if (full) void this.fullPass('retry').catch((err) => this.internalError(err));
      else if (ids.length) {
        for (const id of ids) this.pending.add(id);
        this.kick('retry');
      }
      this.armRetryTimer();
    }, Math.max(0, at - Date.now()));
  }

  /** SIGHUP: read the config again; a bad one is refused and the running one kept. */
  async reload(load: () => Config, onLevel: (level: string) => void): Promise<void> {
    if (this.stopping) return;
    let changed: string[] = [];
    await this.mutex.runExclusive(async () => {
      if (this.stopping) return;
      let cfg: Config;
      try {
        cfg = load();
        validateSchedule(cfg.schedule);
      } catch (err) {
        this.metrics.error('config');
        this.log.error('config reload refused; the running config is kept', { error: (err as Error).message });
        return;
      }
      const old = this.config;
      const same = (k: keyof Config) => JSON.stringify(old[k]) === JSON.stringify(cfg[k]);
      changed = (Object.keys(cfg) as (keyof Config)[]).filter((k) => !same(k));
      if (!same('log')) onLevel(cfg.log.level);
      try {
        this.ctx = openContext(cfg, this.log, { create: true });
      } catch (err) {
        this.metrics.error('config');
        this.log.error('config reload refused: cannot open the workspace; the running config is kept', { error: (err as Error).message });
        changed = [];
        return;
      }
      this.config = cfg;
      if (!same('workspace')) {
        this.indexed = false;
        this.index = new PluginIndex();
      }
      // Also after the inotify limit stopped watching: the limit may have been raised since.
      if (!same('sources') || !same('workspace') || !this.watcher?.active) {
        await this.watcher?.close();
        this.watcher = null;
        await this.startWatcher();
      }
      if (!same('schedule')) {
        await this.schedule?.stop();
        this.schedule = startSchedule(cfg.schedule, () => this.fullPass('schedule'), this.log);
      }
      if (!same('http')) {
        await this.http?.close();
        this.http = null;
        if (cfg.http) {
          try {
            this.http = await this.listen(cfg.http.listen);
          } catch (err) {
            this.metrics.error('config');
            this.log.error('http listener not restarted', { error: (err as Error).message });
          }
        }
      }
      this.log.info('config reloaded', { file: cfg.file, changed });
    });
    await this.fullPass('reload');
  }

  health(): Record<string, unknown> {
    return {
      ready: this.ready,
      watching: this.watcher?.active ?? false,
      lastPass: this.lastPass,
      failingPlugins: this.pluginRetries.keys(),
      schedule: this.config.schedule,
      nextScheduledPass: this.schedule?.nextRun()?.toISOString() ?? null,
    };
  }

  private internalError(err: unknown): void {
    this.metrics.error('pass');
    this.log.error('internal error in the daemon (it keeps running)', { error: (err as Error)?.message ?? String(err), stack: (err as Error)?.stack });
  }

  /** Stop taking events, let the pass in flight finish (it releases the lock), close everything. Idempotent. */
  stop(reason: string): Promise<void> {
    if (!this.stopped) this.stopped = this.doStop(reason);
    return this.stopped;
  }

  private async doStop(reason: string): Promise<void> {
    this.stopping = true;
    this.metrics.up.set(0);
    this.log.info('stopping', { reason });
    this.debouncer.cancelAll();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.gcTimer) clearTimeout(this.gcTimer);
    this.gcTimer = null;
    // Closing the watcher also ends a start() that waits for the watcher's first scan.
    await this.watcher?.close().catch(() => undefined);
    await this.starting.catch(() => undefined);
    await this.schedule?.stop().catch(() => undefined);
    await this.watcher?.close().catch(() => undefined);
    await this.mutex.idle();
    await this.http?.close().catch(() => undefined);
    this.log.info('stopped', { reason });
    this.markStopped();
  }

  /** Resolves once a stop (from anyone) has completed. */
  whenStopped(): Promise<void> {
    return this.done;
  }

  /** Last resort when stopping takes too long: drop the lock if this process holds it. */
  releaseLock(): void {
    try {
      this.ctx.lock.release();
    } catch {
      /* best effort */
    }
  }
}
