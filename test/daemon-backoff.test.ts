// Retry delays after failures: a table of (failures → delay), the tracker that keeps
// one failure count per plugin, and what a pass's per-plugin failures lead to.
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, RetryTracker, retryDelay, type BackoffPolicy } from '../src/daemon/backoff.js';
import { FailureBook } from '../src/daemon/failures.js';
import { errorAction } from '../src/core/errors.js';
import { PassReporter } from '../src/daemon/report.js';
import { Metrics } from '../src/daemon/metrics.js';
import { DiscoveryLog } from '../src/daemon/discovery-log.js';
import type { JobResult } from '../src/daemon/jobs.js';
import type { PluginSyncResult } from '../src/workspace/sync.js';
import type { Logger } from '../src/log.js';

const noJitter: BackoffPolicy = { ...DEFAULT_BACKOFF, jitter: 0 };

describe('retryDelay', () => {
  const table: [number, number][] = [
    [0, 0],
    [-1, 0],
    [1, 2_000],
    [2, 4_000],
    [3, 8_000],
    [4, 16_000],
    [7, 128_000],
    [8, 256_000],
    [9, 300_000], // capped
    [50, 300_000],
    [10_000, 300_000], // no overflow to Infinity
  ];
  it.each(table)('after %i failures: %i ms', (failures, ms) => {
    expect(retryDelay(failures, noJitter)).toBe(ms);
  });

  it('NaN failures count as none', () => {
    expect(retryDelay(Number.NaN, noJitter)).toBe(0);
  });

  it('jitter only shortens the delay, by at most the jitter fraction', () => {
    const p: BackoffPolicy = { baseMs: 1000, factor: 2, maxMs: 60_000, jitter: 0.2 };
    expect(retryDelay(1, p, () => 0)).toBe(1000);
    expect(retryDelay(1, p, () => 1)).toBe(800);
    expect(retryDelay(1, p, () => 0.5)).toBe(900);
    expect(retryDelay(20, p, () => 1)).toBe(48_000); // the cap, minus 20 %
    expect(retryDelay(1, p, () => 7)).toBe(800); // random() out of range is clamped
  });
});

describe('RetryTracker', () => {
  it('counts failures per key, schedules the next attempt, and forgets on success', () => {
    const t = new RetryTracker(noJitter, () => 0);
    expect(t.nextDueAt()).toBeNull();
    expect(t.fail('a', 1000, 'boom')).toEqual({ failures: 1, dueAt: 3000, lastError: 'boom' });
    expect(t.fail('a', 3000)).toMatchObject({ failures: 2, dueAt: 7000 });
    t.fail('b', 1000);
    expect(t.nextDueAt()).toBe(3000);
    expect(t.due(2999)).toEqual([]);
    expect(t.due(3000)).toEqual(['b']);
    expect(t.due(10_000)).toEqual(['a', 'b']);
    expect(t.keys()).toEqual(['a', 'b']);
    expect(t.succeed('a')).toBe(2);
    expect(t.succeed('a')).toBe(0);
    expect(t.size).toBe(1);
    t.forget('b');
    expect(t.size).toBe(0);
    expect(t.nextDueAt()).toBeNull();
  });

  it('postpone never brings a due time forward', () => {
    const t = new RetryTracker(noJitter);
    t.fail('a', 0); // due at 2000
    t.postpone(['a'], 500);
    expect(t.get('a')!.dueAt).toBe(2000);
    t.postpone(['a', 'missing'], 5000);
    expect(t.get('a')!.dueAt).toBe(5000);
    expect(t.get('missing')).toBeUndefined();
  });
});

describe('FailureBook: what happens after a failure', () => {
  it('retry-kind failures back off with growing delays', () => {
    const book = new FailureBook(new RetryTracker(DEFAULT_BACKOFF, () => 0));
    const a = book.fail('p', errorAction({ code: 'ESOURCE_CHANGING' }).kind, 'ESOURCE_CHANGING', 'kept changing', 1000);
    const b = book.fail('p', errorAction({ code: 'ESOURCE_CHANGING' }).kind, 'ESOURCE_CHANGING', 'kept changing', 2000);
    expect(a).toMatchObject({ log: true, info: { step: 'retry', failures: 1, dueAt: 3000 } });
    expect(b).toMatchObject({ log: true, info: { step: 'retry', failures: 2, dueAt: 6000 } });
    expect(book.retries.nextDueAt()).toBe(6000);
    expect(book.succeed('p')).toBe(2);
    expect(book.keys()).toEqual([]);
  });

  it('a stall is logged once per input change, never put on the retry timer', () => {
    const book = new FailureBook();
    expect(book.fail('p', errorAction({ code: 'EMANIFEST_JSON' }).kind, 'EMANIFEST_JSON', 'bad json', 1).log).toBe(true);
    expect(book.fail('p', errorAction({ code: 'EMANIFEST_JSON', kind: undefined }).kind, 'EMANIFEST_JSON', 'bad json', 2).log).toBe(false);
    expect(book.retries.nextDueAt()).toBeNull();
    expect(book.list()).toEqual([expect.objectContaining({ key: 'p', step: 'stall', code: 'EMANIFEST_JSON', failures: 2 })]);
    // A different error is news; so is the same error after the input changed.
    expect(book.fail('p', 'stall', 'EMANIFEST_JSON', 'other', 3).log).toBe(true);
    book.inputChanged('p');
    expect(book.fail('p', 'stall', 'EMANIFEST_JSON', 'other', 4).log).toBe(true);
    expect(book.isStalled('p')).toBe(true);
    expect(book.succeed('p')).toBe(4);
    expect(book.isStalled('p')).toBe(false);
  });

  it('ignore-kind failures leave nothing behind', () => {
    const book = new FailureBook();
    book.fail('p', 'retry', 'E', 'x', 1);
    expect(book.fail('p', errorAction({ code: 'ESTOPPING' }).kind, 'E', 'x', 2)).toEqual({ info: null, log: false });
    expect(book.size).toBe(0);
  });
});

describe('PassReporter: per-plugin failures of a pass act on errorAction', () => {
  type Line = { level: string; msg: string; meta?: Record<string, unknown> };
  function reporter() {
    const lines: Line[] = [];
    const at = (level: string) => (msg: string, meta?: Record<string, unknown>) => void lines.push({ level, msg, meta });
    const log: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: () => {} };
    const metrics = new Metrics();
    return { lines, r: new PassReporter(log, metrics, new DiscoveryLog(log, metrics)) };
  }
  const result = (plugins: PluginSyncResult[]): JobResult => ({ ok: true, result: { plugins, durationMs: 1 } });
  const broken: PluginSyncResult = { id: 'gamma', status: 'error', skills: [], error: 'plugin.json: bad JSON', errorCode: 'EMANIFEST_JSON' };
  const fine: PluginSyncResult = { id: 'alpha', status: 'synced', skills: [] };

  it('a broken manifest is logged once across passes, again only after its input changed; never put on the retry timer', () => {
    const { lines, r } = reporter();
    const stalls = () => lines.filter((l) => l.msg === 'plugin sync stalled until its input changes' && l.meta?.plugin === 'gamma');
    for (const [i, trigger] of (['startup', 'schedule', 'retry', 'schedule'] as const).entries()) r.pass(trigger, undefined, result([fine, broken]), i * 1000, i * 1000 + 1);
    expect(stalls()).toHaveLength(1);
    expect(stalls()[0].meta).toMatchObject({ code: 'EMANIFEST_JSON' });
    expect(r.plugins.retries.nextDueAt()).toBeNull();
    expect(r.failing()).toEqual([expect.objectContaining({ plugin: 'gamma', step: 'stall', code: 'EMANIFEST_JSON' })]);
    r.plugins.inputChanged('gamma'); // a watch event on the plugin (Daemon.pathChanged)
    r.pass('watch', ['gamma'], result([broken]), 5000, 5001);
    r.pass('schedule', undefined, result([fine, broken]), 6000, 6001);
    expect(stalls()).toHaveLength(2);
    r.pass('watch', ['gamma'], result([{ ...broken, status: 'synced', error: undefined, errorCode: undefined }]), 7000, 7001);
    expect(lines.filter((l) => l.msg === 'plugin recovered' && l.meta?.plugin === 'gamma')).toHaveLength(1);
    expect(r.failing()).toEqual([]);
  });

  it('a plugin whose origin changed stalls like a failure: one line, listed, not retried', () => {
    const { lines, r } = reporter();
    const moved: PluginSyncResult = { id: 'alpha', status: 'origin_changed', skills: [], error: 'plugin alpha was enabled from a but is now found at b', errorCode: 'EORIGIN_CHANGED', errorKind: 'stall' };
    for (let i = 0; i < 3; i++) r.pass('schedule', undefined, result([moved]), i * 1000, i * 1000 + 1);
    expect(lines.filter((l) => l.msg === 'plugin sync stalled until its input changes').map((l) => l.meta?.code)).toEqual(['EORIGIN_CHANGED']);
    expect(r.plugins.retries.nextDueAt()).toBeNull();
    expect(r.failing()).toEqual([expect.objectContaining({ plugin: 'alpha', step: 'stall', code: 'EORIGIN_CHANGED' })]);
  });

  it('a retry-kind plugin failure is logged with its backoff each time and goes on the retry timer', () => {
    const { lines, r } = reporter();
    const changing: PluginSyncResult = { id: 'beta', status: 'error', skills: [], error: 'SKILL.md kept changing', errorCode: 'ESOURCE_CHANGING' };
    r.pass('startup', undefined, result([changing]), 0, 1);
    r.pass('retry', undefined, result([changing]), 2000, 2001);
    const retries = lines.filter((l) => l.msg === 'plugin sync failed; it will be retried');
    expect(retries.map((l) => l.meta?.failures)).toEqual([1, 2]);
    expect(r.plugins.retries.nextDueAt()).toBeGreaterThan(2001);
    expect(r.failing()).toEqual([expect.objectContaining({ plugin: 'beta', step: 'retry', code: 'ESOURCE_CHANGING' })]);
  });
});
