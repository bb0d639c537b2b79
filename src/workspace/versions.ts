// Skill versions are annotated tags skills/<skill>/vNNNN on the commit that published them.
import { listRefs } from '../git/refs.js';
import type { Ctx } from './context.js';
import { versionTagPrefix, versionTagRef } from './layout.js';
import { parseTrailers, trailerMap, type TrailerKey } from '../core/trailers.js';

export interface VersionInfo {
  skill: string;
  version: string;
  n: number;
  tag: string; // tag object (or commit for a lightweight tag)
  commit: string;
  date: number;
  message: string;
  trailers: Partial<Record<TrailerKey, string>>;
}

export function formatVersion(n: number): string {
  return `v${String(n).padStart(4, '0')}`;
}

/** Version numbers of a skill, from its tags (no history walk). */
export function versionNumbers(ctx: Ctx, skill: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const [name, oid] of listRefs(ctx.refs, versionTagPrefix(skill))) {
    const m = /\/v(\d+)$/.exec(name);
    if (m && name === versionTagRef(skill, `v${m[1]}`)) out.set(Number(m[1]), oid);
  }
  return out;
}

export function readVersion(ctx: Ctx, skill: string, n: number, oid: string): VersionInfo {
  const o = ctx.store.read(oid);
  if (o.type === 'tag') {
    const t = ctx.store.readTag(oid);
    return { skill, version: formatVersion(n), n, tag: oid, commit: t.object, date: t.tagger.timestamp, message: t.message, trailers: trailerMap(parseTrailers(t.message)) };
  }
  const c = ctx.store.readCommit(oid);
  return { skill, version: formatVersion(n), n, tag: oid, commit: oid, date: c.committer.timestamp, message: c.message, trailers: trailerMap(parseTrailers(c.message)) };
}

/** All versions of a skill, newest first. */
export function listVersions(ctx: Ctx, skill: string): VersionInfo[] {
  return [...versionNumbers(ctx, skill)]
    .sort((a, b) => b[0] - a[0])
    .map(([n, oid]) => readVersion(ctx, skill, n, oid));
}

export function latestVersion(ctx: Ctx, skill: string): VersionInfo | null {
  const nums = versionNumbers(ctx, skill);
  if (nums.size === 0) return null;
  const n = Math.max(...nums.keys());
  return readVersion(ctx, skill, n, nums.get(n)!);
}
