// Where the daemon's jobs run. WorkerRunner: in a worker thread, so the event loop that
// answers /healthz and collects watch events is never blocked by a pass (at 50,000 files
// a full pass is seconds of synchronous file-system work). InlineRunner: in this thread
// (in-process tests, and the fallback when a worker thread cannot start).
import { readFileSync, rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { JobExecutor, type Job, type JobResult } from './jobs.js';
import type { FromWorker, ToWorker } from './pass-worker.js';

export interface PassRunner {
  run(job: Job): Promise<JobResult>;
  /** Lock waits end now; the job in flight finishes what it writes. */
  stopWaiting(): void;
  /** After the last job: end the thread. */
  close(): Promise<void>;
  /** Last resort on a stop that takes too long: drop the workspace lock if this process holds it. */
  releaseLock(): void;
  /** End the thread while no job is in flight (the next job starts a new one); true when one ended. */
  retire(): Promise<boolean>;
}

export class InlineRunner implements PassRunner {
  private readonly exec: JobExecutor;
  constructor(log: Logger) {
    this.exec = new JobExecutor(log);
  }
  run(job: Job): Promise<JobResult> {
    return this.exec.run(job);
  }
  stopWaiting(): void {
    this.exec.stop();
  }
  async close(): Promise<void> {}
  releaseLock(): void {
    this.exec.releaseLock();
  }
  async retire(): Promise<boolean> {
    return false;
  }
}

/** Remove the workspace lock when its holder is this process (the worker shares our pid). */
export function releaseOwnLock(path: string): void {
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number };
    if (info.pid === process.pid) rmSync(path, { force: true });
  } catch {
    /* none, or not ours */
  }
}

export class WorkerRunner implements PassRunner {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly waiting = new Map<number, (r: JobResult) => void>();
  /** Sent again first when a worker that died is replaced. */
  private configure: Job | null = null;
  private closed = false;

  constructor(
    private readonly log: Logger,
    private readonly lockPath: () => string,
  ) {}

  run(job: Job): Promise<JobResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: { code: 'ESTOPPING', message: 'the daemon is stopping', kind: 'none' } });
    if (job.type === 'configure') {
      const prev = this.configure;
      return this.send(job).then((r) => {
        this.configure = r.ok ? job : prev;
        return r;
      });
    }
    return this.send(job);
  }

  private spawn(): Worker {
    // A small young generation: the pass thread's garbage is collected early instead of
    // growing the heap (measured: ~70-85 MB committed for ~30 MB live at 50,000 files).
    const w = new Worker(new URL('./pass-worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    w.on('message', (m: FromWorker) => {
      if (m.type === 'log') this.log[m.level](m.msg, m.meta);
      else this.settle(m.id, m.result as JobResult);
    });
    const gone = (why: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      const error = { code: 'EWORKER', message: `the daemon's pass thread stopped (${why}); the work is retried`, kind: 'retry' };
      for (const [id] of [...this.waiting]) this.settle(id, { ok: false, error });
      if (!this.closed) this.log.error('pass thread stopped; a new one starts with the next pass', { reason: why });
    };
    w.on('error', (err) => gone(err.message));
    w.on('exit', (code) => gone(`exit code ${code}`));
    this.worker = w;
    if (this.configure) this.post(w, { type: 'job', id: ++this.seq, job: this.configure });
    return w;
  }

  private post(w: Worker, m: ToWorker): void {
    w.postMessage(m);
  }

  private send(job: Job): Promise<JobResult> {
    const w = this.worker ?? this.spawn();
    const id = ++this.seq;
    return new Promise<JobResult>((resolve) => {
      this.waiting.set(id, resolve);
      this.post(w, { type: 'job', id, job });
    });
  }

  private settle(id: number, r: JobResult): void {
    const done = this.waiting.get(id);
    this.waiting.delete(id);
    done?.(r);
  }

  stopWaiting(): void {
    if (this.worker) this.post(this.worker, { type: 'stop' });
  }

  async retire(): Promise<boolean> {
    const w = this.worker;
    if (!w || this.waiting.size > 0 || this.closed) return false;
    this.worker = null; // its exit is then no failure (see gone)
    await w.terminate();
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  releaseLock(): void {
    releaseOwnLock(this.lockPath());
  }
}
