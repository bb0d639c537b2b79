// Bring every remote repository the config reaches up to date: the configured remote
// sources first, then the repositories their marketplaces (and local ones) point to.
// One fetch per repository URL, a few at a time; a failure marks that remote
// unreachable and leaves its cache as it was.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, SourceSpec } from '../config.js';
import { writeFileAtomic } from '../git/fsutil.js';
import { createFsSource } from '../plugins/fs-source.js';
import { createGitSource } from '../plugins/git-source.js';
import { remoteEntries } from '../plugins/marketplaces.js';
import type { SourceTree } from '../plugins/types.js';
import { remotesDir } from './cache.js';
import type { RemoteNeed } from './fetch.js';
import { tokenHeader, type TransportStats } from './http.js';
import { RemoteRepos } from './sources.js';
import { effectiveUrl, redactUrl } from './url.js';

export interface RemoteReport {
  /** The URL as written (no credentials) and where it was fetched from. */
  url: string;
  effective: string;
  /** Who needs it: a configured source, or the plugins of marketplace entries. */
  for: string[];
  error?: string;
  /** Refs and pinned commits that arrived or moved. */
  changed: string[];
  fetchedAt: number | null;
}

export interface RefreshOptions {
  /** Only remotes whose URL or source contains one of these. */
  only?: string[];
  /** Fetch only remotes never tried before (a first `plugins` or `enable`): no polling. */
  firstOnly?: boolean;
  stats?: TransportStats;
  env?: Record<string, string | undefined>;
}

interface Want {
  written: string;
  needs: RemoteNeed[];
  who: Set<string>;
}

const PARALLEL = 4;

/** The Authorization header for a host, only when credentials name exactly that host. */
export function authFor(config: Config, env: Record<string, string | undefined>) {
  return (url: URL): string | undefined => {
    const c = config.remote.credentials[url.host.toLowerCase()] ?? config.remote.credentials[url.hostname.toLowerCase()];
    const token = c === undefined ? undefined : env[c.tokenEnv];
    return token ? tokenHeader(token, c!.username) : undefined;
  };
}

function localTree(s: SourceSpec): SourceTree | null {
  try {
    if (s.kind === 'fs') return existsSync(s.path) ? createFsSource(s.path) : null;
    if (s.kind === 'git') return createGitSource(s.gitdir, s.ref, s.path);
  } catch {
    /* discovery reports it */
  }
  return null;
}

async function fetchAll(config: Config, cacheDir: string, wants: Map<string, Want>, opts: RefreshOptions, now: () => number): Promise<RemoteReport[]> {
  const env = opts.env ?? process.env;
  const repos = new RemoteRepos(cacheDir, config.remote);
  const queue = [...wants];
  const out: RemoteReport[] = [];
  if (wants.size === 0) return out;
  // isomorphic-git costs ~0.3 s to load (its CJS bundle is lexed): fetch.js loads it only when a pack is needed.
  const { fetchRemote } = await import('./fetch.js');
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [url, w] = next;
      const needs = w.needs;
      if (opts.firstOnly && repos.state(url).state.attemptAt !== null) continue;
      const r = await fetchRemote(url, needs, { cacheDir, timeoutMs: config.remote.fetch.timeoutSeconds * 1000, maxBytes: config.remote.fetch.maxBytes, authFor: authFor(config, env), env, stats: opts.stats, now });
      out.push({ url: redactUrl(w.written), effective: redactUrl(url), for: [...w.who].sort(), changed: r.changed, fetchedAt: r.state.fetchedAt, ...(r.error !== undefined ? { error: r.error } : {}) });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
  return out.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}

function add(wants: Map<string, Want>, url: string, written: string, need: RemoteNeed, who: string): void {
  let w = wants.get(url);
  if (w === undefined) wants.set(url, (w = { written, needs: [], who: new Set() }));
  w.needs.push(need);
  w.who.add(who);
}

function selected(opts: RefreshOptions, ...names: string[]): boolean {
  return !opts.only?.length || opts.only.some((o) => names.some((n) => n.includes(o)));
}

export async function refreshRemotes(config: Config, cacheDir: string, opts: RefreshOptions = {}, now = () => Math.floor(Date.now() / 1000)): Promise<RemoteReport[]> {
  const repos = new RemoteRepos(cacheDir, config.remote);
  const first = new Map<string, Want>();
  config.sources.forEach((s, i) => {
    if (s.kind !== 'remote') return;
    try {
      const url = effectiveUrl(s.url, config.remote.urlRewrites, `sources[${i}]`, true);
      if (selected(opts, s.url, url)) add(first, url, s.url, { ref: s.ref }, `source ${redactUrl(s.url)}`);
    } catch {
      /* discovery reports the bad URL */
    }
  });
  const reports = await fetchAll(config, cacheDir, first, opts, now);

  // The repositories marketplace entries point to.
  const second = new Map<string, Want>();
  config.sources.forEach((s, i) => {
    let tree: SourceTree | null = null;
    try {
      tree = s.kind === 'remote' ? repos.openSource(s, `sources[${i}]`) : localTree(s);
    } catch {
      return; // not fetched: nothing to follow
    }
    if (tree === null) return;
    for (const e of remoteEntries(tree)) {
      let url: string | null;
      try {
        url = repos.entryUrl(e.remote!, tree, e.name);
      } catch {
        continue; // refused: discovery reports it for that plugin
      }
      if (url === null || !selected(opts, e.name, url, e.remote!.url)) continue;
      add(second, url, e.remote!.url === '.' ? url : e.remote!.url, { ref: e.remote!.ref, sha: e.remote!.sha }, `plugin ${e.name}`);
    }
  });
  reports.push(...(await fetchAll(config, cacheDir, second, opts, now)));
  saveSummary(cacheDir, reports, opts);
  return reports;
}

/** What the last refresh reached, for `status` (which never uses the network). */
function saveSummary(cacheDir: string, reports: RemoteReport[], opts: RefreshOptions): void {
  if (opts.only?.length || opts.firstOnly) {
    const old = readSummary(cacheDir);
    const seen = new Set(reports.map((r) => r.effective));
    reports = [...old.filter((r) => !seen.has(r.effective)), ...reports];
  }
  try {
    writeFileAtomic(join(remotesDir(cacheDir), 'summary.json'), JSON.stringify(reports.map(({ changed: _c, ...r }) => ({ ...r, changed: [] }))) + '\n');
  } catch {
    /* derived data */
  }
}

export function readSummary(cacheDir: string): RemoteReport[] {
  try {
    const v = JSON.parse(readFileSync(join(remotesDir(cacheDir), 'summary.json'), 'utf8'));
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

/** The first contact with remote sources, for commands that read plugins (`plugins`, `enable`). */
export async function fetchNeverFetched(config: Config, cacheDir: string): Promise<RemoteReport[]> {
  if (!config.sources.some((s) => s.kind === 'remote')) return [];
  return refreshRemotes(config, cacheDir, { firstOnly: true });
}
