// cache/reconciled.json: the main commit whose skills are known to match their latest
// version tags. Derived data: without it the next pass checks every skill once.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../git/fsutil.js';
import type { Ctx } from './context.js';

function markerFile(ctx: Ctx) {
  return ctx.paths.reconciledMarker;
}

export function readReconciled(ctx: Ctx): string | null {
  try {
    return JSON.parse(readFileSync(markerFile(ctx), 'utf8')).main ?? null;
  } catch {
    return null;
  }
}

export function writeReconciled(ctx: Ctx, main: string | null): void {
  try {
    writeFileAtomic(markerFile(ctx), JSON.stringify({ main }));
  } catch {
    /* derived data: losing it only costs time */
  }
}
