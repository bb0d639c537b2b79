// Leftovers of a killed process: object temp files, half-written checkouts and
// symlinks. Called with the workspace lock held, so every temp file not made by this
// process belongs to a process that is gone (only lock holders write them).
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from './context.js';
import { rmReadonly } from './live.js';

export function removeStaleTemps(ctx: Ctx): number {
  const mine = `-${process.pid}-`;
  let removed = 0;
  const sweep = (dir: string, prefix: string, rm: (p: string) => void) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (!n.startsWith(prefix) || n.includes(mine)) continue;
      try {
        rm(join(dir, n));
        removed++;
      } catch {
        /* best effort */
      }
    }
  };
  const rmFile = (p: string) => rmSync(p, { force: true });
  sweep(ctx.paths.objectTmp, '.tmp-', rmFile);
  sweep(ctx.paths.checkouts, '.tmp-', rmReadonly);
  sweep(ctx.paths.liveSkills, '.tmp-', rmFile);
  sweep(ctx.paths.cache, '.tmp-', rmFile);
  sweep(ctx.paths.statCaches, '.tmp-', rmFile);
  sweep(ctx.paths.root, '.tmp-', rmFile);
  // Ref locks of killed processes (git holds its own for milliseconds; these are seconds old).
  const g = ctx.paths.gitdir;
  for (const f of [join(g, 'packed-refs.lock'), join(g, 'HEAD.lock'), join(g, 'refs', 'heads', 'main.lock')]) {
    try {
      if (Date.now() - statSync(f).mtimeMs > 5000) {
        rmSync(f, { force: true });
        removed++;
      }
    } catch {
      /* none */
    }
  }
  if (removed) ctx.log.warn(`removed ${removed} temporary file(s) left by an interrupted command`);
  return removed;
}
