// What the daemon knows about itself, rendered in the Prometheus text format
// (version 0.0.4) for /metrics. No client library: the format is a few lines.
import type { PluginSyncResult, SyncResult } from '../workspace/sync.js';

export const CLASSIFICATIONS = ['unchanged', 'already_applied', 'fast_forward', 'three_way', 'added', 'removed', 'error'] as const;
export const PLUGIN_STATUSES = ['synced', 'update_pending', 'missing', 'paused', 'disabled', 'adopted', 'error'] as const;

export type PassResult = 'ok' | 'skipped_locked' | 'failed';
export type ErrorKind = 'plugin' | 'pass' | 'watcher' | 'config';

/** The one-line summary of a pass (also the shape of the `pass done` log line). */
export interface PassSummary {
  durationMs: number;
  plugins: number;
  unchanged: number;
  already_applied: number;
  fast_forward: number;
  three_way: number;
  added: number;
  removed: number;
  errors: number;
  proposalsOpened: number;
}

export function summarize(r: SyncResult): PassSummary {
  const s: PassSummary = { durationMs: r.durationMs, plugins: r.plugins.length, unchanged: 0, already_applied: 0, fast_forward: 0, three_way: 0, added: 0, removed: 0, errors: 0, proposalsOpened: 0 };
  for (const p of r.plugins) {
    if (p.status === 'error') s.errors++;
    for (const sk of p.skills) {
      if (sk.classification === 'error') s.errors++;
      else s[sk.classification]++;
      if (sk.action === 'proposal_opened' || sk.action === 'proposal_replaced') s.proposalsOpened++;
    }
  }
  return s;
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

class Family {
  readonly samples = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly type: 'gauge' | 'counter',
    readonly help: string,
  ) {}

  private key(labels: Record<string, string>): string {
    const parts = Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`);
    return parts.length ? `{${parts.join(',')}}` : '';
  }

  set(value: number, labels: Record<string, string> = {}): void {
    this.samples.set(this.key(labels), value);
  }

  inc(labels: Record<string, string> = {}, by = 1): void {
    const k = this.key(labels);
    this.samples.set(k, (this.samples.get(k) ?? 0) + by);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${this.name} ${this.type}`];
    for (const [labels, v] of this.samples) lines.push(`${this.name}${labels} ${num(v)}`);
    return lines.join('\n');
  }
}

export class Metrics {
  private readonly families: Family[] = [];
  private readonly f = <T extends Family>(x: T) => (this.families.push(x), x);

  readonly up = this.f(new Family('skillsync_ready', 'gauge', '1 once the first full pass has completed, 0 while starting or stopping.'));
  readonly watcher = this.f(new Family('skillsync_watcher_active', 'gauge', '1 while plugin sources are watched; 0 when watching failed (e.g. inotify limit) and only the schedule runs.'));
  readonly passes = this.f(new Family('skillsync_passes_total', 'counter', 'Sync passes by trigger and result (ok, skipped_locked, failed).'));
  readonly lastDuration = this.f(new Family('skillsync_pass_duration_seconds', 'gauge', 'Duration of the last completed sync pass, by trigger.'));
  readonly durationSum = this.f(new Family('skillsync_pass_seconds_total', 'counter', 'Total time spent in completed sync passes.'));
  readonly lastSuccess = this.f(new Family('skillsync_last_success_timestamp_seconds', 'gauge', 'Unix time when the last sync pass completed (individual plugins may still have failed; see skillsync_plugins_failing).'));
  readonly lastFull = this.f(new Family('skillsync_last_full_pass_timestamp_seconds', 'gauge', 'Unix time when the last full pass completed.'));
  readonly skills = this.f(new Family('skillsync_skills', 'gauge', 'Skills of enabled plugins by the classification of their last sync.'));
  readonly plugins = this.f(new Family('skillsync_plugins', 'gauge', 'Enabled plugins by the status of their last sync.'));
  readonly discovered = this.f(new Family('skillsync_plugins_discovered', 'gauge', 'Plugins found in the configured sources.'));
  readonly failing = this.f(new Family('skillsync_plugins_failing', 'gauge', 'Plugins whose last sync failed and that are waiting for a retry.'));
  readonly openProposals = this.f(new Family('skillsync_open_proposals', 'gauge', 'Proposal branches (refs/heads/proposals/*) in the workspace.'));
  readonly proposalsOpened = this.f(new Family('skillsync_proposals_opened_total', 'counter', 'Proposals opened or replaced by the daemon.'));
  readonly rss = this.f(new Family('skillsync_process_resident_memory_bytes', 'gauge', 'Resident memory of the daemon process.'));
  readonly heap = this.f(new Family('skillsync_process_heap_used_bytes', 'gauge', 'V8 heap in use.'));
  readonly errors = this.f(new Family('skillsync_errors_total', 'counter', 'Errors by kind: plugin (one plugin failed to sync), pass (a whole pass failed), watcher, config (a reload was refused).'));

  /** Last result per enabled plugin: the gauges aggregate these. */
  private readonly latest = new Map<string, PluginSyncResult>();

  constructor() {
    this.up.set(0);
    this.watcher.set(0);
    this.openProposals.set(0);
    this.failing.set(0);
    this.discovered.set(0);
    this.lastSuccess.set(0);
    for (const e of ['plugin', 'pass', 'watcher', 'config'] as ErrorKind[]) this.errors.set(0, { kind: e });
    this.proposalsOpened.set(0);
    this.durationSum.set(0);
    this.aggregate();
  }

  /** Record a completed pass; `full` replaces every plugin's last result. */
  pass(trigger: string, r: SyncResult, full: boolean, nowMs: number): PassSummary {
    const s = summarize(r);
    if (full) this.latest.clear();
    for (const p of r.plugins) this.latest.set(p.id, p);
    this.passes.inc({ trigger, result: 'ok' });
    this.lastDuration.set(r.durationMs / 1000, { trigger });
    this.durationSum.inc({}, r.durationMs / 1000);
    this.lastSuccess.set(Math.floor(nowMs / 1000));
    if (full) this.lastFull.set(Math.floor(nowMs / 1000));
    this.proposalsOpened.inc({}, s.proposalsOpened);
    const pluginErrors = r.plugins.filter((p) => p.status === 'error').length;
    if (pluginErrors) this.errors.inc({ kind: 'plugin' }, pluginErrors);
    this.aggregate();
    return s;
  }

  passNotRun(trigger: string, result: Exclude<PassResult, 'ok'>): void {
    this.passes.inc({ trigger, result });
    if (result === 'failed') this.errors.inc({ kind: 'pass' });
  }

  error(kind: ErrorKind): void {
    this.errors.inc({ kind });
  }

  /** Drop plugins that are no longer enabled from the gauges. */
  keepOnly(ids: Set<string>): void {
    for (const id of [...this.latest.keys()]) if (!ids.has(id)) this.latest.delete(id);
    this.aggregate();
  }

  private aggregate(): void {
    const byClass = new Map<string, number>(CLASSIFICATIONS.map((c) => [c, 0]));
    const byStatus = new Map<string, number>(PLUGIN_STATUSES.map((c) => [c, 0]));
    for (const p of this.latest.values()) {
      byStatus.set(p.status, (byStatus.get(p.status) ?? 0) + 1);
      for (const s of p.skills) byClass.set(s.classification, (byClass.get(s.classification) ?? 0) + 1);
    }
    for (const [c, n] of byClass) this.skills.set(n, { classification: c });
    for (const [c, n] of byStatus) this.plugins.set(n, { status: c });
  }

  render(): string {
    const m = process.memoryUsage();
    this.rss.set(m.rss);
    this.heap.set(m.heapUsed);
    return this.families.filter((f) => f.samples.size).map((f) => f.render()).join('\n') + '\n';
  }
}
