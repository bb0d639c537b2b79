// `skillsync daemon`: the process lifecycle. Startup failures (bad config, workspace
// that cannot be opened, address in use) exit 1 through the CLI's error contract;
// SIGTERM/SIGINT stop cleanly and exit 0 within 10 s; SIGHUP reloads the config.
import type { Cli } from '../cli/context.js';
import { loadConfig } from '../config.js';
import { createLogger, type Logger } from '../log.js';
import { Daemon } from './daemon.js';

/** Stop budget: systemd's default TimeoutStopSec is 90 s, the contract here is 10 s. */
const STOP_DEADLINE_MS = 9_000;

/** A logger whose level can change on reload without handing out a new object. */
class SwitchableLogger implements Logger {
  private constructor(private target: Logger) {}
  static async create(level: string): Promise<SwitchableLogger> {
    return new SwitchableLogger(await createLogger(level));
  }
  async setLevel(level: string): Promise<void> {
    this.target = await createLogger(level);
  }
  error(msg: string, meta?: Record<string, unknown>): void {
    this.target.error(msg, meta);
  }
  warn(msg: string, meta?: Record<string, unknown>): void {
    this.target.warn(msg, meta);
  }
  info(msg: string, meta?: Record<string, unknown>): void {
    this.target.info(msg, meta);
  }
  debug(msg: string, meta?: Record<string, unknown>): void {
    this.target.debug(msg, meta);
  }
}

export async function runDaemon(cli: Cli): Promise<number> {
  const cfg = cli.config();
  const level = (l: string) => (cli.g.verbose ? 'debug' : l);
  const log = await SwitchableLogger.create(level(cfg.log.level));
  const daemon = new Daemon(cfg, log);

  let signalled: string | null = null;
  let hard: NodeJS.Timeout | null = null;
  const onStop = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.info('already stopping', { signal });
      return;
    }
    signalled = signal;
    hard = setTimeout(() => {
      log.error('stopping took too long; exiting now', { signal, budgetMs: STOP_DEADLINE_MS });
      daemon.releaseLock();
      process.exit(0);
    }, STOP_DEADLINE_MS);
    hard.unref();
    void daemon.stop(signal);
  };
  const onHup = () => {
    log.info('SIGHUP: reloading the config', { file: cfg.file });
    void daemon
      .reload(
        () => {
          const file = cli.g.config ?? process.env.SKILLSYNC_CONFIG;
          return loadConfig({ file, explicit: file !== undefined, workspace: cli.g.workspace });
        },
        (l) => void log.setLevel(level(l)),
      )
      .catch((err) => log.error('reload failed', { error: (err as Error).message }));
  };
  const onRejection = (err: unknown) => {
    log.error('unhandled rejection (the daemon keeps running)', { error: (err as Error)?.message ?? String(err) });
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  process.on('unhandledRejection', onRejection);
  const detach = () => {
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
    process.off('unhandledRejection', onRejection);
  };

  try {
    await daemon.start();
  } catch (err) {
    // A startup failure: close what was opened, then let the CLI report it (exit 1).
    await daemon.stop('startup failed');
    detach();
    if (hard) clearTimeout(hard);
    throw err;
  }
  await daemon.whenStopped();
  if (hard) clearTimeout(hard);
  detach();
  // Everything is closed; should a library still hold a handle, do not hang on it.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
  return 0;
}
