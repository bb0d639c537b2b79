// Which entries of a target skillsync created, kept in the workspace cache under a
// name derived from the target's path. It is what "never clobber" rests on: an entry
// that is not recorded here is someone else's. Written atomically before and after
// every change of an entry, so a killed process leaves an intent the next pass completes.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../git/fsutil.js';
import type { Ctx } from '../workspace/context.js';
import type { RecordedEntry } from './plan.js';

export interface TargetManifest {
  path: string;
  entries: Map<string, RecordedEntry>;
  /** The last pass's error for this target (it could not be written), shown by `status`. */
  error: string | null;
}

/** The folder that holds every target manifest. */
export function targetsCacheDir(ctx: Ctx): string {
  return ctx.paths.targetsCache;
}

export function manifestFile(ctx: Ctx, targetPath: string): string {
  return join(targetsCacheDir(ctx), `${createHash('sha256').update(targetPath).digest('hex').slice(0, 24)}.json`);
}

export function readManifest(ctx: Ctx, targetPath: string): TargetManifest {
  const m: TargetManifest = { path: targetPath, entries: new Map(), error: null };
  let raw: { path?: string; entries?: Record<string, RecordedEntry>; error?: string | null };
  try {
    raw = JSON.parse(readFileSync(manifestFile(ctx, targetPath), 'utf8'));
  } catch {
    return m;
  }
  if (raw.path !== targetPath) return m; // a hash collision would be someone else's record
  for (const [k, v] of Object.entries(raw.entries ?? {})) {
    if (v && (v.mode === 'copy' || v.mode === 'symlink')) m.entries.set(k, v);
  }
  m.error = typeof raw.error === 'string' ? raw.error : null;
  return m;
}

export function writeManifest(ctx: Ctx, m: TargetManifest): void {
  const entries = Object.fromEntries([...m.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  writeFileAtomic(manifestFile(ctx, m.path), JSON.stringify({ path: m.path, entries, error: m.error }));
}
