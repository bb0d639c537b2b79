// Failing plugins (and failing full passes), by what happens next. A retry-kind failure
// backs off (RetryTracker); a stall-kind failure waits for its input to change: it is
// logged once, never retried by a timer, and listed for `status` and /healthz until a
// pass succeeds. An input change (a watch event on the plugin) re-arms the log line.
import { RetryTracker } from './backoff.js';
import type { ErrorKind } from '../core/errors.js';

export interface FailureInfo {
  key: string;
  step: Exclude<ErrorKind, 'ignore'>;
  code: string;
  message: string;
  failures: number;
  /** When the first failure of this run was seen (ISO time). */
  since: string;
  /** retry: epoch ms of the next attempt. */
  dueAt?: number;
}

export interface FailOutcome {
  info: FailureInfo | null;
  /** False when this is the same stall as before with no input change in between: stay quiet. */
  log: boolean;
}

export class FailureBook {
  private readonly stalled = new Map<string, FailureInfo & { logged: boolean }>();
  private readonly retrying = new Map<string, { code: string; message: string; since: string }>();

  constructor(readonly retries: RetryTracker = new RetryTracker()) {}

  fail(key: string, step: ErrorKind, code: string, message: string, now: number): FailOutcome {
    if (step === 'ignore') {
      this.forget(key);
      return { info: null, log: false };
    }
    const prevStall = this.stalled.get(key);
    const prevRetry = this.retries.get(key);
    const failures = (prevStall?.failures ?? prevRetry?.failures ?? 0) + 1;
    const since = prevStall?.since ?? new Date(now).toISOString();
    if (step === 'retry') {
      this.stalled.delete(key);
      const st = this.retries.fail(key, now, message);
      this.retrying.set(key, { code, message, since: this.retrying.get(key)?.since ?? since });
      return { info: { key, step, code, message, failures: st.failures, since, dueAt: st.dueAt }, log: true };
    }
    this.retries.forget(key);
    this.retrying.delete(key);
    const same = prevStall && prevStall.logged && prevStall.code === code && prevStall.message === message;
    const info = { key, step, code, message, failures, since, logged: true };
    this.stalled.set(key, info);
    return { info, log: !same };
  }

  /** A success; returns how many failures it ends (0 when none). */
  succeed(key: string): number {
    const n = this.stalled.get(key)?.failures ?? 0;
    this.stalled.delete(key);
    this.retrying.delete(key);
    return n + this.retries.succeed(key);
  }

  /** The input of `key` changed: its next failure is logged again, even when identical. */
  inputChanged(key: string): void {
    const s = this.stalled.get(key);
    if (s) s.logged = false;
  }

  forget(key: string): void {
    this.stalled.delete(key);
    this.retrying.delete(key);
    this.retries.forget(key);
  }

  isStalled(key: string): boolean {
    return this.stalled.has(key);
  }

  keys(): string[] {
    return [...new Set([...this.stalled.keys(), ...this.retries.keys()])].sort();
  }

  get size(): number {
    return this.keys().length;
  }

  list(): FailureInfo[] {
    const out: FailureInfo[] = [];
    for (const { logged: _l, ...s } of this.stalled.values()) out.push(s);
    for (const key of this.retries.keys()) {
      const r = this.retries.get(key)!;
      const m = this.retrying.get(key);
      out.push({ key, step: 'retry', code: m?.code ?? '', message: m?.message ?? r.lastError ?? '', failures: r.failures, since: m?.since ?? '', dueAt: r.dueAt });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
