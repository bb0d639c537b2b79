// The backstop: a node-cron schedule that runs a full pass (config `schedule`).
// noOverlap: a pass still running when the next tick comes is not started twice.
import cron from 'node-cron';
import { SkillsyncError } from '../core/errors.js';
import type { Logger } from '../log.js';

export interface Schedule {
  readonly expression: string;
  nextRun(): Date | null;
  stop(): Promise<void>;
}

export function validateSchedule(expression: string): void {
  if (!cron.validate(expression)) {
    const d = cron.validateDetailed(expression);
    const why = d.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new SkillsyncError('ECONFIG', `config: schedule: '${expression}' is not a valid cron expression${why ? ` (${why})` : ''}`, { key: 'schedule' });
  }
}

export function startSchedule(expression: string, run: () => Promise<void>, log: Logger): Schedule {
  validateSchedule(expression);
  const task = cron.schedule(
    expression,
    async () => {
      try {
        await run();
      } catch (err) {
        // run() handles its own errors; this is a last guard so the schedule never stops.
        log.error('scheduled pass failed', { error: (err as Error).message });
      }
    },
    {
      name: 'skillsync-full-pass',
      noOverlap: true,
      // Missed ticks (a long pass blocked the loop) are normal here: the next tick covers them.
      suppressMissedWarning: true,
      logger: {
        info: (m) => log.debug(`node-cron: ${m}`),
        warn: (m) => log.debug(`node-cron: ${m}`),
        error: (m) => log.warn(`node-cron: ${m instanceof Error ? m.message : m}`),
        debug: (m) => log.debug(`node-cron: ${m instanceof Error ? m.message : m}`),
      },
    },
  );
  return {
    expression,
    nextRun: () => task.getNextRun(),
    stop: async () => {
      await task.stop();
      await task.destroy();
    },
  };
}
