// The daemon's work on the workspace, run where the workspace context lives (a worker
// thread, so the daemon's event loop keeps answering /healthz during a long pass).
// Everything that goes in or out is plain data: a job, and a result with what the
// daemon needs to report (discovery, enabled plugins, open proposals).
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import type { Config } from '../config.js';
import { SkillsyncError, toSkillsyncError } from '../core/errors.js';
import { listRefs } from '../git/refs.js';
import type { Logger } from '../log.js';
import type { DiscoveryError } from '../plugins/types.js';
import { autoEnable } from '../workspace/auto-enable.js';
import { openContext, type Ctx } from '../workspace/context.js';
import { discover } from '../workspace/discovery.js';
import { parseProposalRef, REF_NAMESPACES } from '../workspace/layout.js';
import { withLock } from '../workspace/mutate.js';
import { readMainState } from '../workspace/state.js';
import { syncAll, type SyncResult } from '../workspace/sync.js';
import { makeCollector } from './gc.js';
import { refreshDiscovery } from './refresh.js';
import type { IndexedPlugin } from './plugin-index.js';

export type Job =
  /** A sync pass: every enabled plugin (ids undefined, also auto-enables) or some. */
  | { type: 'pass'; ids?: string[]; waitMs: number; incremental?: boolean }
  /** Discover again (a path no known plugin owns changed). */
  | { type: 'discover' }
  /** Use this config from now on (startup and SIGHUP); `resend`: the daemon dropped its discovery, send the next one even if unchanged. */
  | { type: 'configure'; config: Config; level: string; resend?: boolean }
  /** Give memory back now that passes have quieted down. */
  | { type: 'gc' };

export interface JobError {
  code: string;
  message: string;
  kind: string;
  holder?: { pid?: number; command?: string } | null;
}

export interface JobReport {
  /** null: unchanged since the last report (or none yet). */
  discovery: { plugins: IndexedPlugin[]; errors: DiscoveryError[] } | null;
  /** Enabled, not adopted plugin ids on main. */
  enabled: string[];
  openProposals: number;
}

/** V8 heap of the thread that ran the job, after it (bytes). */
export interface HeapInfo {
  used: number;
  total: number;
}

export type JobResult = ({ ok: true; result?: SyncResult; report?: JobReport } | { ok: false; error: JobError }) & { heap?: HeapInfo };

export function heapInfo(): HeapInfo {
  const h = v8.getHeapStatistics();
  return { used: h.used_heap_size, total: h.total_heap_size };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Plain data for the daemon's path → plugin index (a SourceTree has methods). */
function slim(ctx: Ctx): JobReport['discovery'] {
  const d = ctx.discovery.current;
  if (!d) return null;
  return {
    plugins: d.plugins.map((p) => ({
      id: p.id,
      version: p.version,
      path: p.path,
      manifestPath: p.manifestPath,
      source: { kind: p.source.kind, root: p.source.root, display: p.source.display },
      skills: p.skills.map((s) => ({ name: s.name, path: s.path })),
    })),
    errors: d.errors.map((e) => ({ ...e })),
  };
}

function enabledIds(ctx: Ctx): string[] {
  const out: string[] = [];
  for (const [id, rec] of readMainState(ctx).plugins) if (rec.enabled && !rec.adopted) out.push(id);
  return out.sort();
}

/** Checkout entries a watch pass verifies beyond its own plugins' (the whole live view turns over in entries / this passes). */
export const WATCH_VERIFY_ENTRIES = 1000;

/** The workspace skills bound to these plugins on main. */
function skillsOf(ctx: Ctx, ids: string[]): Set<string> {
  const want = new Set(ids);
  const out = new Set<string>();
  for (const [name, b] of readMainState(ctx).bindings) if (want.has(b.plugin)) out.add(name);
  return out;
}

function errorOf(err: unknown): JobError {
  const e = toSkillsyncError(err);
  const holder = e.code === 'ELOCKED' ? ((e.data.holder as JobError['holder']) ?? null) : undefined;
  return { code: e.code, message: e.message, kind: e.kind, ...(holder !== undefined ? { holder } : {}) };
}

export class JobExecutor {
  private ctx: Ctx | null = null;
  private stopping = false;
  /** What the daemon last received as the discovery (SHA-1 of its JSON). */
  private sentDiscovery = '';
  private readonly collect = makeCollector();

  constructor(private readonly log: Logger) {}

  /** Stop waiting for locks; the job in flight ends as soon as it can. */
  stop(): void {
    this.stopping = true;
  }

  async run(job: Job): Promise<JobResult> {
    return { ...(await this.runJob(job)), heap: heapInfo() };
  }

  private async runJob(job: Job): Promise<JobResult> {
    try {
      switch (job.type) {
        case 'configure':
          this.ctx = openContext(job.config, this.log, { create: true });
          // A reload's discovery is the same as before unless the config changed it: 10,000
          // skills sent again cost the daemon thread a new index and a major collection.
          if (job.resend) this.sentDiscovery = '';
          return { ok: true };
        case 'gc':
          this.collect();
          return { ok: true };
        case 'discover': {
          const ctx = this.need();
          discover(ctx, true);
          return { ok: true, report: this.report(ctx) };
        }
        case 'pass': {
          const ctx = this.need();
          const ids = job.ids;
          if (ids === undefined) {
            const result = await this.locked(ctx, 'daemon sync', () => (autoEnable(ctx), syncAll(ctx)), job.waitMs);
            return { ok: true, result, report: this.report(ctx) };
          }
          // Plugins that are not enabled have nothing to sync (enabling is a person's decision).
          const enabled = new Set(enabledIds(ctx));
          const only = ids.filter((id) => enabled.has(id));
          if (!only.length) return { ok: true, report: this.report(ctx) };
          // A watch pass verifies the live view of what it syncs and a slice of the rest (live.ts).
          if (job.incremental) ctx.liveScope = { skills: skillsOf(ctx, only), entries: WATCH_VERIFY_ENTRIES };
          try {
            const result = await this.locked(
              ctx,
              'daemon sync',
              () => syncAll(ctx, only, { keepDiscovery: job.incremental === true && refreshDiscovery(ctx, only) }),
              job.waitMs,
            );
            return { ok: true, result, report: this.report(ctx) };
          } finally {
            delete ctx.liveScope;
          }
        }
      }
    } catch (err) {
      return { ok: false, error: errorOf(err) };
    }
  }

  /** Release the workspace lock if this context holds it (last resort on a slow stop). */
  releaseLock(): void {
    try {
      this.ctx?.lock.release();
    } catch {
      /* best effort */
    }
  }

  private need(): Ctx {
    if (!this.ctx) throw new SkillsyncError('EINTERNAL', 'the daemon has no workspace open yet', {}, 'retry');
    return this.ctx;
  }

  private report(ctx: Ctx): JobReport {
    const enabled = enabledIds(ctx);
    let openProposals = 0;
    try {
      for (const r of listRefs(ctx.refs, REF_NAMESPACES.proposals).keys()) if (parseProposalRef(r)) openProposals++;
    } catch {
      /* counted as 0 */
    }
    // The discovery crosses threads only when it changed: 10,000 skills are worth not cloning per pass.
    const discovery = slim(ctx);
    // A digest, not the JSON itself: 0.8 MB of string kept between passes at 10,000 skills.
    const sig = discovery ? createHash('sha1').update(JSON.stringify(discovery)).digest('hex') : '';
    if (sig === this.sentDiscovery) return { discovery: null, enabled, openProposals };
    this.sentDiscovery = sig;
    return { discovery, enabled, openProposals };
  }

  /** Take the workspace lock within waitMs, polling, and give up at once when stopping. */
  private async locked<T>(ctx: Ctx, command: string, fn: () => T, waitMs: number): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      if (this.stopping) throw new SkillsyncError('ESTOPPING', 'the daemon is stopping', {});
      let entered = false;
      try {
        return await withLock(
          ctx,
          command,
          () => {
            entered = true;
            return fn();
          },
          0,
        );
      } catch (err) {
        if (entered || !(err instanceof SkillsyncError) || err.code !== 'ELOCKED') throw err;
        const left = deadline - Date.now();
        if (left <= 0) throw err;
        await sleep(Math.min(delay, left));
      }
    }
  }
}
