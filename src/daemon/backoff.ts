// Retry delays after failures (pure: time and randomness are passed in), so one bad
// plugin is retried sooner at first and then rarely, never in a tight loop.

export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** Growth per further failure. */
  factor: number;
  /** Upper bound (the schedule is the backstop anyway). */
  maxMs: number;
  /** 0..1: the delay is reduced by up to this fraction at random, so retries spread out. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, factor: 2, maxMs: 300_000, jitter: 0.2 };

/** Delay before retry number `failures` (1 = after the first failure); 0 when nothing failed. */
export function retryDelay(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  if (!(failures >= 1)) return 0;
  // Cap the exponent first: factor ** 1000 would be Infinity.
  const exp = Math.min(failures - 1, 64);
  const raw = Math.min(policy.maxMs, policy.baseMs * policy.factor ** exp);
  const r = Math.min(1, Math.max(0, random()));
  return Math.max(0, Math.round(raw * (1 - policy.jitter * r)));
}

export interface RetryState {
  failures: number;
  /** Epoch ms when the next attempt is due. */
  dueAt: number;
  lastError?: string;
}

/** Failures per key (plugin id) and when each is due for a retry. */
export class RetryTracker {
  private readonly state = new Map<string, RetryState>();

  constructor(
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** Record a failure; returns the new state (failures count and due time). */
  fail(key: string, now: number, error?: string): RetryState {
    const failures = (this.state.get(key)?.failures ?? 0) + 1;
    const s: RetryState = { failures, dueAt: now + retryDelay(failures, this.policy, this.random), lastError: error };
    this.state.set(key, s);
    return s;
  }

  /** Record a success; returns how many failures it ends (0 when none). */
  succeed(key: string): number {
    const f = this.state.get(key)?.failures ?? 0;
    this.state.delete(key);
    return f;
  }

  /** Forget a key without counting a success (e.g. the plugin is no longer enabled). */
  forget(key: string): void {
    this.state.delete(key);
  }

  get(key: string): RetryState | undefined {
    return this.state.get(key);
  }

  /** Keys whose retry is due at `now`, sorted; they stay tracked until succeed/fail. */
  due(now: number): string[] {
    return [...this.state].filter(([, s]) => s.dueAt <= now).map(([k]) => k).sort();
  }

  /** The earliest due time, or null when nothing is failing. */
  nextDueAt(): number | null {
    let next: number | null = null;
    for (const s of this.state.values()) if (next === null || s.dueAt < next) next = s.dueAt;
    return next;
  }

  /** Push every due time at least to `at` (so a due key is not retried again before its attempt ran). */
  postpone(keys: string[], at: number): void {
    for (const k of keys) {
      const s = this.state.get(k);
      if (s && s.dueAt < at) s.dueAt = at;
    }
  }

  get size(): number {
    return this.state.size;
  }

  keys(): string[] {
    return [...this.state.keys()].sort();
  }
}
