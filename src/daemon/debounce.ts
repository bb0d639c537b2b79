// Per-key trailing debounce with a ceiling: a burst of saves to one plugin becomes one
// pass `waitMs` after the last event, but a plugin written to without pause still
// gets a pass every `maxWaitMs` instead of never.

export class Debouncer {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; first: number }>();

  constructor(
    private readonly waitMs: () => number,
    private readonly fire: (key: string) => void,
    private readonly maxWaitMs: () => number = () => Math.max(2_000, waitMs() * 10),
    private readonly now: () => number = Date.now,
  ) {}

  hit(key: string): void {
    const t = this.now();
    const prev = this.timers.get(key);
    const first = prev ? prev.first : t;
    if (prev) clearTimeout(prev.timer);
    const delay = Math.max(0, Math.min(this.waitMs(), first + this.maxWaitMs() - t));
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.fire(key);
    }, delay);
    this.timers.set(key, { timer, first });
  }

  get pending(): number {
    return this.timers.size;
  }

  cancelAll(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
