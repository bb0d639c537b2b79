// The daemon polls remote repositories every fetch.interval, with jitter so that many
// daemons behind one mirror do not poll in step; after an unreachable result it retries
// sooner, with backoff (30 s doubling, never past the interval). A poll that moves a
// plugin's skill trees names that plugin, so only the affected plugins are synced.
// It runs in the daemon's main thread; fetching needs no workspace lock (see cache.ts).
import type { Logger } from '../log.js';
import { openContext, type Ctx } from '../workspace/context.js';
import type { SourceEnv, TriggerSink, TriggerSource } from '../daemon/triggers.js';
import { discover } from '../workspace/discovery.js';
import { changedPlugins, skillTrees } from './changes.js';
import { refreshRemotes, type RemoteReport } from './refresh.js';
import { unreachableLine } from './status.js';

export interface PollResult {
  /** Plugins whose skill trees moved (or appeared, or vanished). */
  changed: string[];
  unreachable: RemoteReport[];
}

export async function pollRemotes(ctx: Ctx): Promise<PollResult> {
  // A poll that fetches nothing (no remote source, no marketplace entry naming one) has
  // nothing to compare: the two full discoveries of the local sources it would make run
  // on the daemon's thread (0.5-1 s and ~12 MB at 10,000 skills). Without a discovery
  // left by a poll that fetched, every plugin read from git counts as changed.
  const remoteSource = ctx.config.sources.some((s) => s.kind === 'remote');
  const before = remoteSource || ctx.discovery.current ? skillTrees(discover(ctx)) : new Map();
  const reports = await refreshRemotes(ctx.config, ctx.paths.cache);
  if (reports.length === 0) {
    ctx.discovery.invalidate();
    return { changed: [], unreachable: [] };
  }
  const changed = changedPlugins(before, skillTrees(discover(ctx, true))).map((c) => c.plugin);
  return { changed, unreachable: reports.filter((r) => r.error !== undefined) };
}

const FIRST_RETRY_S = 30;

/** Seconds until the next poll: the interval ±10 %, or the backoff after failures. */
export function nextPollSeconds(intervalS: number, failures: number, random = Math.random): number {
  const base = failures === 0 ? intervalS : Math.min(intervalS, FIRST_RETRY_S * 2 ** (failures - 1));
  return Math.max(1, base * (0.9 + 0.2 * random()));
}

/** The daemon's trigger source for remote repositories (the watcher cannot see them). */
export class RemotePollSource implements TriggerSource {
  readonly name = 'remote-poll';
  readonly configKeys = ['sources', 'remote', 'workspace'] as const;
  readonly startsAt = 'after';
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = false;
  private logged = new Set<string>();
  private last: { at: string; unreachable: number; changed: number } | null = null;

  async start(sink: TriggerSink, env: SourceEnv): Promise<void> {
    this.stopped = false;
    // Local marketplaces may name remote repositories too, so every daemon polls (cheap when there are none).
    const ctx = openContext(env.config, env.log);
    this.arm(0, ctx, sink, env.log);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  health(): Record<string, unknown> {
    return { remotePoll: this.last };
  }

  private arm(seconds: number, ctx: Ctx, sink: TriggerSink, log: Logger): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(ctx, sink, log), seconds * 1000);
    this.timer.unref();
  }

  private async tick(ctx: Ctx, sink: TriggerSink, log: Logger): Promise<void> {
    try {
      const r = await pollRemotes(ctx);
      this.failures = r.unreachable.length ? this.failures + 1 : 0;
      const now = new Set(r.unreachable.map((u) => u.url));
      // One line per remote when it becomes unreachable and when it is back, not per retry.
      for (const u of r.unreachable) if (!this.logged.has(u.url)) log.warn(unreachableLine(u), { url: u.url });
      for (const url of this.logged) if (!now.has(url)) log.info('remote reachable again', { url });
      this.logged = now;
      this.last = { at: new Date().toISOString(), unreachable: r.unreachable.length, changed: r.changed.length };
      if (r.changed.length && !this.stopped) {
        log.info('remote change', { plugins: r.changed.slice(0, 50) });
        sink.pluginsChanged(r.changed, 'poll');
      }
    } catch (err) {
      this.failures++;
      log.error('remote poll failed', { error: (err as Error).message });
    }
    this.arm(nextPollSeconds(ctx.config.remote.fetch.intervalSeconds, this.failures), ctx, sink, log);
  }
}
