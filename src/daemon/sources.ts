// The daemon's built-in trigger sources: the folder watcher and the cron schedule.
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { resolveGitDir } from '../plugins/git-source.js';
import { startSchedule, type Schedule } from './scheduler.js';
import type { SourceEnv, TriggerSink, TriggerSource } from './triggers.js';
import { SourceWatcher, type WatchRoot } from './watcher.js';
import { TargetWatchSource } from '../targets/watch-source.js';
import { RemotePollSource } from '../remote/poller.js';

export function watchRoots(cfg: Config, log: Logger): WatchRoot[] {
  const roots: WatchRoot[] = [];
  for (const s of cfg.sources) {
    if (s.kind === 'fs') roots.push({ kind: 'fs', path: s.path });
    else if (s.kind === 'git') {
      try {
        roots.push({ kind: 'git', path: resolveGitDir(s.gitdir) });
      } catch (err) {
        log.warn('git source not watched (the schedule still covers it)', { source: s.gitdir, error: (err as Error).message });
      }
    }
  }
  return roots;
}

export class WatchSource implements TriggerSource {
  readonly name = 'watch';
  readonly configKeys = ['sources', 'workspace'] as const;
  readonly startsAt = 'before';
  private watcher: SourceWatcher | null = null;

  async start(sink: TriggerSink, env: SourceEnv): Promise<void> {
    const { log, metrics, config } = env;
    const roots = watchRoots(config, log);
    const w = new SourceWatcher({
      roots,
      exclude: [env.workspace],
      onChange: (p) => sink.pathChanged(p),
      onLimit: (err) => {
        metrics.error('watcher');
        metrics.watcher.set(0);
        log.warn('the kernel refused more file watches; watching stopped, changes are picked up by the schedule only', {
          code: err.code,
          schedule: config.schedule,
          hint: 'raise fs.inotify.max_user_watches (sysctl) and reload or restart the daemon',
        });
      },
      onError: (err) => {
        metrics.error('watcher');
        log.warn('watcher error', { error: err.message, code: (err as NodeJS.ErrnoException).code });
      },
    });
    this.watcher = w;
    const t0 = Date.now();
    await w.start();
    metrics.watcher.set(w.active ? 1 : 0);
    log.debug('watching plugin sources', { roots: roots.map((r) => r.path), dirs: w.watchedDirs(), ms: Date.now() - t0 });
  }

  async stop(): Promise<void> {
    await this.watcher?.close().catch(() => undefined);
    this.watcher = null;
  }

  /** After the inotify limit stopped watching: the limit may have been raised since. */
  broken(): boolean {
    return !this.watcher?.active;
  }

  health(): Record<string, unknown> {
    return { watching: this.watcher?.active ?? false, watchedDirs: this.watcher?.watchedDirs() ?? 0 };
  }
}

export class ScheduleSource implements TriggerSource {
  readonly name = 'schedule';
  readonly configKeys = ['schedule'] as const;
  readonly startsAt = 'after';
  private schedule: Schedule | null = null;

  async start(sink: TriggerSink, env: SourceEnv): Promise<void> {
    this.schedule = startSchedule(env.config.schedule, () => sink.fullPass('schedule'), env.log);
  }

  async stop(): Promise<void> {
    await this.schedule?.stop().catch(() => undefined);
    this.schedule = null;
  }

  nextRun(): string | null {
    return this.schedule?.nextRun()?.toISOString() ?? null;
  }

  health(): Record<string, unknown> {
    return { schedule: this.schedule?.expression ?? null, nextScheduledPass: this.nextRun() };
  }
}

/** The sources every daemon runs; the first full pass runs before any of them starts. */
export function defaultSources(): TriggerSource[] {
  return [new WatchSource(), new ScheduleSource(), new TargetWatchSource(), new RemotePollSource()];
}
