// The daemon: trigger sources report into a queue; one mutex runs the queued work as
// jobs (runner.ts: a worker thread), and the reporter turns each result into logs,
// metrics and what happens next. Signals and the process lifecycle are in run.ts,
// SIGHUP in reload.ts.
//
// A pass = `withLock(ctx, 'daemon sync', () => syncAll(ctx, ids))` in the job thread.
// Watcher-triggered passes wait for the workspace lock up to lockTimeoutSeconds; a
// scheduled pass never waits for a lock someone else holds: it skips. Lock waits poll,
// so a stop never waits them out.
import type { Config } from '../config.js';
import { SkillsyncError, isErrorCode } from '../core/errors.js';
import type { Logger } from '../log.js';
import { openContext, type Ctx } from '../workspace/context.js';
import { Debouncer } from './debounce.js';
import { DiscoveryLog } from './discovery-log.js';
import { isLoopback, parseListen, startHttp, type HttpListener } from './health.js';
import { Metrics } from './metrics.js';
import { Mutex } from './mutex.js';
import { FULL, PassReporter } from './report.js';
import { heapInfo, type HeapInfo } from './jobs.js';
import { InlineRunner, WorkerRunner, type PassRunner } from './runner.js';
import { validateSchedule } from './scheduler.js';
import { defaultSources, ScheduleSource } from './sources.js';
import { claimDaemon, newDaemonState, releaseDaemon, writeDaemonState, type DaemonState } from './state-file.js';
import { TriggerQueue, type SourceEnv, type Trigger, type TriggerSink, type TriggerSource } from './triggers.js';

/** Debounce key for "something changed that no known plugin owns": rediscover. */
const DISCOVER = '\0discover';

export interface DaemonOptions {
  /** Where jobs run: a worker thread (default) or this thread (in-process tests). */
  inline?: boolean;
  /** Trigger sources; default: the watcher and the schedule. */
  sources?: TriggerSource[];
}

export class Daemon implements TriggerSink {
  ctx: Ctx;
  readonly metrics = new Metrics();
  readonly mutex = new Mutex();
  readonly sources: TriggerSource[];
  readonly runner: PassRunner;
  readonly discovery: DiscoveryLog;
  readonly reporter: PassReporter;
  private readonly queue = new TriggerQueue();
  private readonly debouncer: Debouncer;
  private readonly state: DaemonState;
  http: HttpListener | null = null;
  /** The job thread's heap after its last pass. */
  private jobHeap: HeapInfo | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private gcTimer: NodeJS.Timeout | null = null;
  private retireTimer: NodeJS.Timeout | null = null;
  private drainQueued = false;
  private fullQueued = false;
  private stopping = false;
  private claimed = false;
  private starting: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | null = null;
  private markStopped!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.markStopped = resolve));

  constructor(
    public config: Config,
    readonly log: Logger,
    opts: DaemonOptions = {},
  ) {
    validateSchedule(config.schedule); // before anything is created on disk
    this.ctx = openContext(config, log, { create: true });
    this.runner = opts.inline ? new InlineRunner(log) : new WorkerRunner(log, () => this.ctx.paths.lock);
    this.sources = opts.sources ?? defaultSources();
    this.discovery = new DiscoveryLog(log, this.metrics);
    this.reporter = new PassReporter(log, this.metrics, this.discovery);
    this.state = newDaemonState(config.file);
    this.debouncer = new Debouncer(
      () => this.config.debounceMs,
      (key) => {
        if (key === DISCOVER) this.queue.addDiscover('watch');
        else this.queue.add([key], 'watch');
        this.kick();
      },
    );
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  sourceEnv(): SourceEnv {
    return { config: this.config, log: this.log, metrics: this.metrics, workspace: this.ctx.paths.root };
  }

  /** Startup: claim the workspace, HTTP, sources, first full pass. Throws only for startup failures. */
  start(): Promise<void> {
    this.starting = this.doStart();
    return this.starting;
  }

  private async doStart(): Promise<void> {
    this.log.info('starting', { pid: process.pid, config: this.config.file, workspace: this.ctx.paths.root, sources: this.config.sources.length });
    await this.claim(this.ctx);
    if (this.config.http) {
      this.http = await this.listen(this.config.http.listen);
      if (this.stopping) return;
    }
    const configured = await this.runner.run({ type: 'configure', config: this.config, level: this.config.log.level });
    if (!configured.ok) throw new SkillsyncError(isErrorCode(configured.error.code) ? configured.error.code : 'EINTERNAL', configured.error.message, {});
    for (const s of this.sources) if (s.startsAt === 'before' && !this.stopping) await s.start(this, this.sourceEnv());
    if (this.stopping) return;
    await this.fullPass('startup');
    for (const s of this.sources) if (s.startsAt === 'after' && !this.stopping) await s.start(this, this.sourceEnv());
    if (this.stopping) return;
    this.log.info('daemon started', {
      pid: process.pid,
      workspace: this.ctx.paths.root,
      sources: this.config.sources.length,
      ...this.sourcesHealth(),
      http: this.http ? `${this.http.address.host}:${this.http.address.port}` : null,
    });
    this.saveState();
  }

  /** Become this workspace's daemon (under the workspace lock, so two starting daemons never both win). */
  async claim(ctx: Ctx): Promise<void> {
    await ctx.lock.acquire('daemon start', this.config.lockTimeoutSeconds * 1000);
    try {
      claimDaemon(ctx.paths.root, this.state);
      this.claimed = true;
    } finally {
      ctx.lock.release();
    }
  }

  unclaim(): void {
    if (this.claimed) releaseDaemon(this.ctx.paths.root);
    this.claimed = false;
  }

  async listen(listen: string): Promise<HttpListener> {
    const { host } = parseListen(listen);
    if (!isLoopback(host)) this.log.warn('http.listen is not a loopback address: /metrics and /healthz are reachable from the network', { listen });
    return startHttp(listen, {
      notReady: () => (this.stopping ? 'stopping' : this.reporter.ready ? null : 'starting'),
      health: () => this.health(),
      metrics: () => this.metrics.render(),
    });
  }

  /** A watched path changed: debounce a pass of the plugin(s) owning it, else rediscover. */
  pathChanged(path: string): void {
    if (this.stopping) return;
    const ids = this.discovery.index.lookup(path);
    if (!ids.length) this.debouncer.hit(DISCOVER);
    for (const id of ids) {
      this.reporter.plugins.inputChanged(id);
      this.debouncer.hit(id);
    }
  }

  pluginsChanged(ids: string[], trigger: Trigger): void {
    if (this.stopping) return;
    for (const id of ids) this.reporter.plugins.inputChanged(id);
    this.queue.add(ids, trigger);
    this.kick();
  }

  private kick(): void {
    if (this.drainQueued || this.stopping) return;
    this.drainQueued = true;
    this.mutex
      .runExclusive(() => {
        this.drainQueued = false;
        return this.drain();
      })
      .catch((err) => this.internalError(err));
  }

  /** Run what the sources and the retry timer collected: one pass over those plugins. */
  private async drain(): Promise<void> {
    if (this.stopping || this.queue.empty) return;
    const { ids, discover, reason } = this.queue.take();
    const todo = new Set(ids);
    if (discover) for (const id of await this.rediscover()) todo.add(id);
    // Only watch events name the folders that changed: then only those are discovered again.
    if (todo.size) await this.pass(reason, [...todo].sort(), reason === 'watch' && !discover);
    else this.collectWhenIdle(); // a discovery alone may have started a pass thread: it retires too
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
      this.queue.clear(); // the full pass covers every change collected so far
      await this.pass(trigger, undefined);
    });
  }

  private async pass(trigger: Trigger, ids: string[] | undefined, incremental = false): Promise<void> {
    const waitMs = trigger === 'schedule' ? 0 : this.config.lockTimeoutSeconds * 1000;
    const t0 = Date.now();
    const out = await this.runner.run({ type: 'pass', ids, waitMs, incremental });
    if (out.heap) this.jobHeap = out.heap;
    if (out.ok && !out.result) {
      for (const id of ids ?? []) this.reporter.plugins.forget(id); // none enabled: nothing to sync
    } else this.reporter.pass(trigger, ids, out, t0, Date.now());
    this.armRetryTimer();
    this.collectWhenIdle();
    this.saveState();
  }

  /** Something changed that no known plugin owns: discover again; enabled plugins that came, went or changed. */
  private async rediscover(): Promise<string[]> {
    const out = await this.runner.run({ type: 'discover' });
    if (out.heap) this.jobHeap = out.heap;
    if (!out.ok) {
      this.metrics.error('pass');
      this.log.warn('discovery failed', { error: out.error.message });
      return [];
    }
    const enabled = new Set(out.report!.enabled);
    this.reporter.enabled = enabled;
    const diff = this.discovery.update(out.report!.discovery, enabled);
    return [...diff.added, ...diff.removed, ...diff.changed].filter((id) => enabled.has(id));
  }

  /** A full collection once passes have quieted down (see gc.ts); never while work is queued. Then the thread retires. */
  collectWhenIdle(): void {
    if (this.gcTimer) clearTimeout(this.gcTimer);
    if (this.retireTimer) clearTimeout(this.retireTimer);
    this.retireTimer = null;
    this.gcTimer = setTimeout(() => {
      this.gcTimer = null;
      if (this.stopping) return;
      if (this.mutex.isLocked || this.debouncer.pending) return this.collectWhenIdle();
      void this.mutex.runExclusive(async () => {
        if (this.stopping) return;
        // Only the pass thread's heap: a full collection of this thread's (30,000 watchers
        // at 50,000 files) blocks /healthz for ~360 ms, and its garbage is small.
        const r = await this.runner.run({ type: 'gc' });
        if (r.heap) this.jobHeap = r.heap;
        this.log.debug('memory collected after passes', { rss: process.memoryUsage().rss });
        this.retireWhenIdle();
      });
    }, 500);
  }

  /**
   * An idle daemon holds no pass thread: once passes have been quiet for
   * passThreadIdleSeconds its heap (~80 MB at 50,000 files) goes back to the system; the
   * next pass starts a new thread, which reads the workspace's caches from disk.
   */
  private retireWhenIdle(): void {
    if (this.retireTimer) clearTimeout(this.retireTimer);
    this.retireTimer = setTimeout(() => {
      this.retireTimer = null;
      if (this.stopping) return;
      // Busy now: try again later (a pass re-arms it anyway; a discovery or a reload does not).
      if (this.mutex.isLocked || this.debouncer.pending) return this.retireWhenIdle();
      void this.mutex.runExclusive(async () => {
        if (this.stopping) return;
        if (this.debouncer.pending) return this.retireWhenIdle();
        if (!(await this.runner.retire())) return;
        this.jobHeap = null;
        this.log.info('pass thread ended while idle', { rss: process.memoryUsage().rss });
      });
    }, this.config.passThreadIdleSeconds * 1000);
  }

  private armRetryTimer(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.stopping) return;
    const { plugins, passes } = this.reporter;
    const candidates = [plugins.retries.nextDueAt(), passes.retries.nextDueAt()].filter((x): x is number => x !== null);
    if (!candidates.length) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      const now = Date.now();
      const full = passes.retries.due(now).includes(FULL);
      const ids = plugins.retries.due(now);
      // Not again before this attempt has run: the pass re-arms the timer.
      passes.retries.postpone(full ? [FULL] : [], now + 1000);
      plugins.retries.postpone(ids, now + 1000);
      if (full) void this.fullPass('retry').catch((err) => this.internalError(err));
      else if (ids.length) {
        this.queue.add(ids, 'retry');
        this.kick();
      }
      this.armRetryTimer();
    }, Math.max(0, Math.min(...candidates) - Date.now()));
  }

  private sourcesHealth(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const s of this.sources) Object.assign(out, s.health?.() ?? {});
    return out;
  }

  health(): Record<string, unknown> {
    return {
      ready: this.reporter.ready,
      pid: process.pid,
      startedAt: this.state.startedAt,
      ...this.sourcesHealth(),
      lastPass: this.reporter.lastPass,
      failingPlugins: this.reporter.plugins.keys(),
      failing: this.reporter.failing(),
      memory: { rss: process.memoryUsage().rss, heap: heapInfo(), jobHeap: this.jobHeap },
    };
  }

  /** Write the state file `status` reads. */
  saveState(): void {
    if (!this.claimed) return;
    const sched = this.sources.find((s): s is ScheduleSource => s instanceof ScheduleSource);
    Object.assign(this.state, { ready: this.reporter.ready, lastPass: this.reporter.lastPass, nextScheduledPass: sched?.nextRun() ?? null, failing: this.reporter.failing() });
    writeDaemonState(this.ctx.paths.root, this.state);
  }

  internalError(err: unknown): void {
    this.metrics.error('pass');
    this.log.error('internal error in the daemon (it keeps running)', { error: (err as Error)?.message ?? String(err), stack: (err as Error)?.stack });
  }

  /** Stop taking events, let the job in flight finish (it releases the lock), close everything. Idempotent. */
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
    if (this.gcTimer) clearTimeout(this.gcTimer);
    if (this.retireTimer) clearTimeout(this.retireTimer);
    this.retryTimer = this.gcTimer = this.retireTimer = null;
    this.runner.stopWaiting();
    // Stopping the sources also ends a start() that waits for the watcher's first scan.
    for (const s of this.sources) await s.stop().catch(() => undefined);
    await this.starting.catch(() => undefined);
    for (const s of this.sources) await s.stop().catch(() => undefined);
    await this.mutex.idle();
    await this.runner.close().catch(() => undefined);
    await this.http?.close().catch(() => undefined);
    this.unclaim();
    this.log.info('stopped', { reason });
    this.markStopped();
  }

  /** Resolves once a stop (from anyone) has completed. */
  whenStopped(): Promise<void> {
    return this.done;
  }

  /** Last resort when stopping takes too long: drop the lock if this process holds it. */
  releaseLock(): void {
    this.runner.releaseLock();
    this.unclaim();
  }
}
