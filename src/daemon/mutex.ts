// One in-process mutex: the watcher path, the schedule and reloads run one at a time.
// (The workspace lock serialises processes; this serialises the daemon's own work.)

export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private held = false;
  private waiting = 0;

  /** Run fn when every earlier holder is done; fn's error is passed on, never kept. */
  runExclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    this.waiting++;
    const run = async () => {
      this.waiting--;
      this.held = true;
      try {
        return await fn();
      } finally {
        this.held = false;
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  get isLocked(): boolean {
    return this.held || this.waiting > 0;
  }

  /** Resolves when everything queued so far has finished. */
  idle(): Promise<void> {
    return this.runExclusive(() => undefined);
  }
}
