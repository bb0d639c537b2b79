// `skillsync daemon`: the process lifecycle. Startup failures (bad config, workspace
// that cannot be opened, address in use, another daemon on the workspace) are thrown
// for the caller to report; SIGTERM/SIGINT stop cleanly and exit 0 within 10 s;
// SIGHUP reloads the config.
import type { Config } from '../config.js';
import { Daemon } from './daemon.js';
import { SwitchableLogger } from './logger.js';
import { reloadDaemon } from './reload.js';

/** Stop budget: systemd's default TimeoutStopSec is 90 s, the contract here is 10 s. */
const STOP_DEADLINE_MS = 9_000;

export interface DaemonRun {
  config: Config;
  /** Read the config again (SIGHUP); throws when it is invalid. */
  reload: () => Config;
  /** -v: debug logging whatever the config says. */
  verbose?: boolean;
}

export async function runDaemon(run: DaemonRun): Promise<number> {
  const cfg = run.config;
  const level = (l: string) => (run.verbose ? 'debug' : l);
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
    log.info('SIGHUP: reloading the config', { file: daemon.config.file });
    void reloadDaemon(daemon, run.reload, (l) => void log.setLevel(level(l))).catch((err) => log.error('reload failed', { error: (err as Error).message }));
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
    // A startup failure: close what was opened, then let the caller report it (exit 1).
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
