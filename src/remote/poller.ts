// The daemon polls remote repositories every fetch.interval, with jitter so that many
// daemons behind one mirror do not poll in step; after an unreachable result it retries
// sooner, with backoff (30 s doubling, never past the interval). A poll that moves a
// plugin's skill trees names that plugin, so only the affected plugins are synced.
import type { Logger } from '../log.js';
import type { Ctx } from '../workspace/context.js';
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
  const before = skillTrees(discover(ctx));
  const reports = await refreshRemotes(ctx.config, ctx.paths.cache);
  const changed = changedPlugins(before, skillTrees(discover(ctx, true))).map((c) => c.plugin);
  return { changed, unreachable: reports.filter((r) => r.error !== undefined) };
}

const FIRST_RETRY_S = 30;

/** Seconds until the next poll: the interval ±10 %, or the backoff after failures. */
export function nextPollSeconds(intervalS: number, failures: number, random = Math.random): number {
  const base = failures === 0 ? intervalS : Math.min(intervalS, FIRST_RETRY_S * 2 ** (failures - 1));
  return Math.max(1, base * (0.9 + 0.2 * random()));
}

export class RemotePoller {
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = false;
  private logged = new Set<string>();

  constructor(
    private readonly ctx: () => Ctx,
    private readonly onChanged: (ids: string[]) => void,
    private readonly log: Logger,
  ) {}

  start(firstInS = 0): void {
    this.arm(firstInS);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(seconds: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), seconds * 1000);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const ctx = this.ctx();
    try {
      const r = await pollRemotes(ctx);
      this.failures = r.unreachable.length ? this.failures + 1 : 0;
      const now = new Set(r.unreachable.map((u) => u.url));
      // One line per remote when it becomes unreachable and when it is back, not per retry.
      for (const u of r.unreachable) if (!this.logged.has(u.url)) this.log.warn(unreachableLine(u), { url: u.url });
      for (const url of this.logged) if (!now.has(url)) this.log.info('remote reachable again', { url });
      this.logged = now;
      if (r.changed.length) {
        this.log.info('remote change', { plugins: r.changed.slice(0, 50) });
        this.onChanged(r.changed);
      }
    } catch (err) {
      this.failures++;
      this.log.error('remote poll failed', { error: (err as Error).message });
    }
    this.arm(nextPollSeconds(ctx.config.remote.fetch.intervalSeconds, this.failures));
  }
}
