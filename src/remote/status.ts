// What `status`, `plugins` and `sync` say about remote repositories, read from the
// cache states only (never the network): reachable or not, why, and the last good fetch.
import type { Config } from '../config.js';
import type { Ctx } from '../workspace/context.js';
import { discover } from '../workspace/discovery.js';
import { readCacheState, cacheDirFor } from './cache.js';
import { readSummary } from './refresh.js';
import { effectiveUrl, redactUrl } from './url.js';
import { isUnreachable } from '../core/states.js';

export interface RemoteStatus {
  url: string;
  effective: string;
  for: string[];
  status: 'ok' | 'unreachable' | 'not_fetched';
  reason?: string;
  /** ISO times; null when never. */
  lastGoodFetch: string | null;
  lastAttempt: string | null;
}

const iso = (s: number | null) => (s === null ? null : new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));

export function remoteStatusOf(cacheDir: string, url: string, written: string, who: string[]): RemoteStatus {
  const st = readCacheState(cacheDirFor(cacheDir, url), redactUrl(url));
  const status = st.error !== null ? 'unreachable' : st.fetchedAt === null ? 'not_fetched' : 'ok';
  return { url: redactUrl(written), effective: redactUrl(url), for: who, status, ...(st.error !== null ? { reason: st.error } : {}), lastGoodFetch: iso(st.fetchedAt), lastAttempt: iso(st.attemptAt) };
}

/** Every remote the config and the last refresh know of. */
export function remoteStatuses(config: Config, cacheDir: string): RemoteStatus[] {
  const out = new Map<string, RemoteStatus>();
  config.sources.forEach((s, i) => {
    if (s.kind !== 'remote') return;
    try {
      const url = effectiveUrl(s.url, config.remote.urlRewrites, `sources[${i}]`, true);
      out.set(url, remoteStatusOf(cacheDir, url, s.url, [`source ${redactUrl(s.url)}`]));
    } catch {
      /* a bad URL is a discovery error */
    }
  });
  for (const r of readSummary(cacheDir)) {
    if (!out.has(r.effective)) out.set(r.effective, remoteStatusOf(cacheDir, r.effective, r.url, r.for));
  }
  return [...out.values()];
}

/** One line: "remote <url> is unreachable: <why>; last good fetch <time> (for …)". */
export function unreachableLine(r: { url: string; reason?: string; error?: string; lastGoodFetch?: string | null; fetchedAt?: number | null; for: string[] }): string {
  const last = r.lastGoodFetch ?? iso(r.fetchedAt ?? null);
  const who = r.for.length > 3 ? `${r.for.slice(0, 3).join(', ')} and ${r.for.length - 3} more` : r.for.join(', ');
  return `remote ${r.url} is unreachable: ${r.reason ?? r.error}; ${last ? `last good fetch ${last}, its plugins keep that content` : 'never fetched'} (${who})`;
}

/** Each plugin view read from a remote repository gets that remote's state; an unreadable one its reason. */
export function attachRemoteState(ctx: Ctx, views: Array<{ id: string | null; remote?: Partial<RemoteStatus> }>): void {
  const d = discover(ctx);
  const byId = new Map(d.plugins.map((p) => [p.id, p]));
  const errById = new Map(d.errors.filter((e) => e.pluginId && isUnreachable(e)).map((e) => [e.pluginId!, e]));
  for (const v of views) {
    if (v.id === null) continue;
    const url = (byId.get(v.id)?.source as { remote?: string } | undefined)?.remote;
    if (url !== undefined) {
      const r = remoteStatusOf(ctx.paths.cache, url, url, [v.id]);
      v.remote = { url: r.url, status: r.status, ...(r.reason ? { reason: r.reason } : {}), lastGoodFetch: r.lastGoodFetch };
      continue;
    }
    const e = errById.get(v.id);
    if (e !== undefined) v.remote = { status: 'unreachable', reason: e.message, lastGoodFetch: null };
  }
}
