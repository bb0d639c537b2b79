// autoEnable (config): plugins discovered for the first time are enabled without a
// person running `enable` — for demos (`npm start`) and fully trusted sources. A plugin
// that has a record (enabled, disabled or adopted by someone) is never touched.
import type { Ctx } from './context.js';
import { discover } from './discovery.js';
import { enablePlugin } from './enable.js';
import { readMainState } from './state.js';
import { StatCaches } from './stat-cache.js';
import { toSkillsyncError } from '../core/errors.js';

export function autoEnable(ctx: Ctx): string[] {
  const want = ctx.config.autoEnable;
  if (!want) return [];
  const known = readMainState(ctx).plugins;
  const caches = new StatCaches(ctx);
  const done: string[] = [];
  try {
    for (const m of discover(ctx).plugins) {
      if (known.has(m.id) || (Array.isArray(want) && !want.includes(m.id))) continue;
      try {
        enablePlugin(ctx, m.id, caches);
        done.push(m.id);
        ctx.log.info(`enabled ${m.id} (autoEnable)`, { plugin: m.id });
      } catch (err) {
        ctx.log.warn(`autoEnable of ${m.id} failed: ${toSkillsyncError(err).message}`, { plugin: m.id });
      }
    }
  } finally {
    caches.save();
  }
  return done;
}
