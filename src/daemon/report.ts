// What a finished job means: log lines, metrics, and the failure book that decides what
// happens next (retry with backoff, stall until the input changes, or nothing).
import type { Logger } from '../log.js';
import type { DiscoveryLog } from './discovery-log.js';
import { FailureBook } from './failures.js';
import type { JobError, JobResult } from './jobs.js';
import type { Metrics } from './metrics.js';
import { errorAction } from '../core/errors.js';
import type { Trigger } from './triggers.js';

/** Failure-book key of a failed full pass. */
export const FULL = '\0full';

export interface PassRecord {
  trigger: Trigger;
  at: string;
  durationMs: number;
  result: 'ok' | 'skipped_locked' | 'failed';
  /** Plugins whose sync failed in this pass, or 1 when the whole pass failed. */
  errors: number;
  error?: string;
}

export class PassReporter {
  /** Per plugin id. */
  readonly plugins = new FailureBook();
  /** Whole passes (key FULL). */
  readonly passes = new FailureBook();
  lastPass: PassRecord | null = null;
  enabled = new Set<string>();
  ready = false;

  constructor(
    private readonly log: Logger,
    private readonly metrics: Metrics,
    private readonly discovery: DiscoveryLog,
  ) {}

  /** The result of a pass job; returns true when the pass ran. */
  pass(trigger: Trigger, ids: string[] | undefined, out: JobResult, startedAt: number, now: number): boolean {
    if (!out.ok) return this.notRun(trigger, ids, out.error, startedAt, now);
    const full = ids === undefined;
    const r = out.result!;
    if (full) this.passes.succeed(FULL);
    if (out.report) {
      this.enabled = new Set(out.report.enabled);
      this.discovery.update(out.report.discovery, this.enabled);
      this.metrics.openProposals.set(out.report.openProposals);
    }
    for (const p of r.plugins) {
      // A failed plugin, or one reported with an error it is waiting on (origin_changed).
      if (p.status === 'error' || p.errorCode !== undefined) {
        const next = errorAction({ code: p.errorCode ?? 'EINTERNAL', kind: p.errorKind, message: p.error });
        const { info, log } = this.plugins.fail(p.id, next.kind, next.code, next.message, now);
        if (!info || !log) continue;
        if (info.step === 'retry') {
          this.log.warn('plugin sync failed; it will be retried', { plugin: p.id, code: info.code, error: info.message, failures: info.failures, retryInMs: info.dueAt! - now });
        } else {
          this.log.warn('plugin sync stalled until its input changes', { plugin: p.id, code: info.code, error: info.message, hint: 'fix the plugin (or the workspace); the next change to it is synced' });
        }
      } else {
        const n = this.plugins.succeed(p.id);
        if (n) this.log.info('plugin recovered', { plugin: p.id, status: p.status, afterFailures: n });
      }
    }
    if (full) {
      const synced = new Set(r.plugins.map((p) => p.id));
      for (const k of this.plugins.keys()) if (!synced.has(k)) this.plugins.forget(k);
    }
    const summary = this.metrics.pass(trigger, r, full, now);
    this.metrics.failing.set(this.plugins.size);
    this.lastPass = { trigger, at: new Date(now).toISOString(), durationMs: r.durationMs, result: 'ok', errors: summary.errors };
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
    return true;
  }

  private notRun(trigger: Trigger, ids: string[] | undefined, e: JobError, startedAt: number, now: number): boolean {
    if (e.code === 'ESTOPPING') return false;
    const full = ids === undefined;
    const holder = e.holder ?? null;
    const record = (result: PassRecord['result']) => (this.lastPass = { trigger, at: new Date(now).toISOString(), durationMs: now - startedAt, result, errors: result === 'failed' ? 1 : 0, error: e.message });
    if (e.code === 'ELOCKED' && trigger === 'schedule') {
      this.metrics.passNotRun(trigger, 'skipped_locked');
      record('skipped_locked');
      this.log.info('scheduled pass skipped: the workspace is locked by another process', { holderPid: holder?.pid, holderCommand: holder?.command });
      return false;
    }
    this.metrics.passNotRun(trigger, e.code === 'ELOCKED' ? 'skipped_locked' : 'failed');
    record(e.code === 'ELOCKED' ? 'skipped_locked' : 'failed');
    const book = full ? this.passes : this.plugins;
    const keys = full ? [FULL] : ids;
    const step = errorAction(e).kind;
    let retryInMs = 0;
    let log = false;
    for (const k of keys) {
      const o = book.fail(k, step, e.code, e.message, now);
      if (o.info?.dueAt) retryInMs = o.info.dueAt - now;
      log ||= o.log;
    }
    const meta = { trigger, plugins: full ? 'all' : ids.slice(0, 20), code: e.code, error: e.message, retryInMs, holderPid: holder?.pid };
    if (e.code === 'ELOCKED') this.log.warn('pass postponed: the workspace stayed locked', meta);
    else if (step === 'retry') this.log.error('pass failed; it will be retried', meta);
    else if (log) this.log.error('pass stalled until its input changes', { ...meta, retryInMs: undefined });
    return false;
  }

  /** Failing plugins and passes, for /healthz and the state file. */
  failing(): { plugin: string; step: string; code: string; error: string; since: string }[] {
    return [...this.passes.list(), ...this.plugins.list()].map((f) => ({ plugin: f.key === FULL ? '(all)' : f.key, step: f.step, code: f.code, error: f.message, since: f.since }));
  }
}
