// The thread that runs the daemon's jobs (see jobs.ts). Log lines go to the daemon's
// logger as messages; replies carry the job id they answer.
import { isMainThread, parentPort, type MessagePort } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { JobExecutor, type Job } from './jobs.js';

export type ToWorker = { type: 'job'; id: number; job: Job } | { type: 'stop' } | { type: 'release' };
export type FromWorker = { type: 'done'; id: number; result: unknown } | { type: 'log'; level: keyof Logger; msg: string; meta?: Record<string, unknown> };

const LEVELS = ['error', 'warn', 'info', 'debug'];

function plain(meta: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!meta) return undefined;
  try {
    return JSON.parse(JSON.stringify(meta)) as Record<string, unknown>;
  } catch {
    return { meta: String(meta) };
  }
}

export function serve(port: MessagePort): void {
  let max = LEVELS.indexOf('info');
  const send = (m: FromWorker) => port.postMessage(m);
  const at = (level: keyof Logger) => (msg: string, meta?: Record<string, unknown>) => {
    if (LEVELS.indexOf(level) <= max) send({ type: 'log', level, msg, meta: plain(meta) });
  };
  const log: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
  const exec = new JobExecutor(log);
  port.on('message', (m: ToWorker) => {
    if (m.type === 'stop') return exec.stop();
    if (m.type === 'release') return exec.releaseLock();
    if (m.job.type === 'configure') max = Math.max(0, LEVELS.indexOf(m.job.level));
    void exec.run(m.job).then((result) => send({ type: 'done', id: m.id, result }));
  });
}

if (!isMainThread && parentPort) serve(parentPort);
