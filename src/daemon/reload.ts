// SIGHUP: read the config again. A bad one is refused and the running one kept; what
// changed restarts only what reads it (trigger sources by their config keys, the HTTP
// listener, the job thread's workspace context), then a full pass runs.
import type { Config } from '../config.js';
import { openContext } from '../workspace/context.js';
import type { Daemon } from './daemon.js';
import { validateSchedule } from './scheduler.js';

export function changedKeys(old: Config, cfg: Config): Set<keyof Config> {
  const keys = new Set([...Object.keys(old), ...Object.keys(cfg)] as (keyof Config)[]);
  return new Set([...keys].filter((k) => JSON.stringify(old[k]) !== JSON.stringify(cfg[k])));
}

export async function reloadDaemon(d: Daemon, load: () => Config, onLevel: (level: string) => void): Promise<void> {
  if (d.isStopping) return;
  await d.mutex.runExclusive(async () => {
    if (d.isStopping) return;
    let cfg: Config;
    try {
      cfg = load();
      validateSchedule(cfg.schedule);
    } catch (err) {
      d.metrics.error('config');
      d.log.error('config reload refused; the running config is kept', { error: (err as Error).message });
      return;
    }
    const changed = changedKeys(d.config, cfg);
    const refuse = (why: string, err: { message: string }) => {
      d.collectWhenIdle(); // the configure job may have started a pass thread that no pass follows
      d.metrics.error('config');
      d.log.error(`config reload refused: ${why}; the running config is kept`, { error: err.message });
    };
    let ctx = d.ctx;
    if (changed.has('workspace')) {
      try {
        ctx = openContext(cfg, d.log, { create: true });
        d.unclaim();
        await d.claim(ctx);
      } catch (err) {
        if (ctx !== d.ctx) await d.claim(d.ctx).catch(() => undefined);
        return refuse('cannot open the workspace', err as Error);
      }
    }
    const configured = await d.runner.run({ type: 'configure', config: cfg, level: cfg.log.level, resend: changed.has('workspace') });
    if (!configured.ok) return refuse('cannot open the workspace', configured.error);
    if (changed.has('log')) onLevel(cfg.log.level);
    d.config = cfg;
    d.ctx = ctx;
    if (changed.has('workspace')) d.discovery.reset();
    for (const s of d.sources) {
      if (!s.configKeys.some((k) => changed.has(k)) && !s.broken?.()) continue;
      await s.stop();
      await s.start(d, d.sourceEnv());
    }
    if (changed.has('http')) {
      await d.http?.close();
      d.http = null;
      if (cfg.http) {
        try {
          d.http = await d.listen(cfg.http.listen);
        } catch (err) {
          d.metrics.error('config');
          d.log.error('http listener not restarted', { error: (err as Error).message });
        }
      }
    }
    d.log.info('config reloaded', { file: cfg.file, changed: [...changed] });
  });
  await d.fullPass('reload');
}
