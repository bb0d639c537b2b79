// Plugin discovery: what a configured source root holds.
//
// A root (and, one level down, each subfolder of a "directory of plugins") is:
// 1. a marketplace: `.claude-plugin/marketplace.json` (or `.agents/plugins/` or
//    `.cursor-plugin/`): each entry is a plugin (marketplaces.ts);
// 2. a plugin (plugin.ts): a manifest, or a `skills/` folder, or a root `SKILL.md`;
// 3. otherwise a directory of plugins: every non-hidden subfolder is checked as 1 or
//    2 (one level only); subfolders that are neither are skipped silently.
//
// Reads only directory listings, manifests and the front matter of each SKILL.md
// (skills.ts); never whole trees. Never follows a symlink. Errors never hide other
// plugins: everything wrong with one plugin becomes DiscoveryErrors for it and the
// plugin is left out (all or nothing); the rest go on.
import { basename, dirname } from 'node:path';
import { displayName, foldedKey } from '../core/names.js';
import { hasFileKey, isObservable } from './fs-source.js';
import type { DiscoveryCache } from './discovery-cache.js';
import { errorOf, lastSegment, type Ctx } from './discover-context.js';
import { discoverMarketplace } from './marketplaces.js';
import { discoverPlugin } from './plugin.js';
import type { DiscoveryError, DiscoveryResult, PluginManifest, RemoteResolver, SourceEntry, SourceTree } from './types.js';

export interface DiscoverOptions {
  /**
   * Name of the source root, used as the plugin id when the root itself is a bare or
   * single-skill plugin. Default: the folder name of an 'fs' root; for a 'git' root
   * the last folder of its sub-path, else the repository name without '.git'.
   */
  rootName?: string;
  /** Findings kept between passes; without one every SKILL.md is read again. */
  cache?: DiscoveryCache;
  /** Opens the repositories remote marketplace entries point to (from what was fetched). */
  remote?: RemoteResolver;
  /** How plugin origins name this source (default: its display). */
  origin?: string;
}

function defaultRootName(source: SourceTree): string {
  const named = (source as { name?: unknown }).name;
  if (typeof named === 'string' && named !== '') return named;
  if (source.kind === 'git') {
    // display: "/srv/repo.git@main:plugins" (see types.ts)
    const colon = source.display.lastIndexOf(':');
    const sub = colon === -1 ? '' : source.display.slice(colon + 1).replace(/\/+$/, '');
    if (sub !== '' && !sub.includes('@')) return lastSegment(sub);
    // "/srv/repo/.git" -> "repo"; "/srv/repo.git" -> "repo"
    const base = basename(source.root);
    return base === '.git' ? basename(dirname(source.root)) : base.replace(/\.git$/, '');
  }
  return basename(source.root);
}

function sourceCache(cache: DiscoveryCache | undefined, source: SourceTree) {
  return cache !== undefined && hasFileKey(source) ? cache.forSource(`${source.kind}\0${source.root}\0${source.display}`) : undefined;
}

/** Discover a root or a subfolder of a directory of plugins. Returns false when it is neither a marketplace nor a plugin. */
function discoverAt(ctx: Ctx, path: string, folderName: string, listing: SourceEntry[]): boolean {
  if (discoverMarketplace(ctx, path, listing, folderName)) return true;
  return discoverPlugin(ctx, { path, folderName });
}

function sourceCtx(source: SourceTree, options: DiscoverOptions): Ctx {
  return {
    source,
    display: source.display,
    origin: options.origin ?? source.display,
    rootName: options.rootName ?? defaultRootName(source),
    errors: [],
    warnings: [],
    plugins: [],
    claimed: new Map(),
    cache: sourceCache(options.cache, source),
    remote: options.remote,
    cacheFor: (s) => sourceCache(options.cache, s),
  };
}

/**
 * Discover one plugin folder of a source again (`path` as a full pass would see it: ''
 * for the root, else a folder of the root), with the same caches: the daemon after a
 * watch event in that folder. A folder that is gone gives nothing.
 */
export function discoverFolder(source: SourceTree, path: string, options: DiscoverOptions = {}): DiscoveryResult {
  const ctx = sourceCtx(source, options);
  try {
    const listing = source.list(path);
    if (listing !== null) discoverAt(ctx, path, path === '' ? ctx.rootName : lastSegment(path), listing);
  } catch (err) {
    const x = errorOf(err);
    ctx.errors.push({ source: ctx.display, path, code: x.code, message: x.message });
  }
  return { plugins: ctx.plugins, errors: ctx.errors, warnings: ctx.warnings };
}

/** Discover the plugins of one source. Never throws for bad content. */
export function discoverPlugins(source: SourceTree, options: DiscoverOptions = {}): DiscoveryResult {
  const ctx = sourceCtx(source, options);
  const done = (): DiscoveryResult => ({ plugins: ctx.plugins, errors: ctx.errors, warnings: ctx.warnings });
  try {
    const listing = source.list('');
    if (listing === null) {
      const t = source.stat('');
      ctx.errors.push({ source: ctx.display, path: '', code: 'ESOURCE_MISSING', message: `plugin source ${ctx.display} ${t === null ? 'does not exist' : 'is not a folder'}; check the sources in the config` });
      return done();
    }
    if (discoverAt(ctx, '', ctx.rootName, listing)) return done();
    // A directory of plugins.
    for (const e of listing) {
      if (e.name.startsWith('.')) continue;
      if (e.type === 'symlink') {
        ctx.errors.push({ source: ctx.display, path: e.name, code: 'ESYMLINK', message: `${e.name} in ${ctx.display} is a symlink; skillsync never follows links, so it is not read (add its target as a source instead)` });
        continue;
      }
      if (e.type !== 'dir') continue;
      try {
        discoverSubfolder(ctx, e.name);
      } catch (err) {
        const x = errorOf(err);
        ctx.errors.push({ source: ctx.display, path: e.name, code: x.code, message: x.message });
      }
    }
  } catch (err) {
    const x = errorOf(err);
    ctx.errors.push({ source: ctx.display, path: '', code: x.code, message: x.message });
  }
  return done();
}

/**
 * One folder of a directory of plugins. With a cache, a plugin folder whose every look
 * (listings by stat, file keys) would see the same as last time gives last time's
 * result without reading it again: discovery by stat, as git's untracked cache. A
 * marketplace is always read (its entries may name other repositories).
 */
function discoverSubfolder(ctx: Ctx, name: string): void {
  const { source } = ctx;
  const folders = ctx.cache?.folders;
  if (folders === undefined || !isObservable(source)) {
    const sub = source.list(name);
    if (sub !== null) discoverAt(ctx, name, name, sub);
    return;
  }
  const memo = folders.get(name);
  if (memo !== undefined && memo.claimed.every(([k]) => !ctx.claimed.has(k)) && source.stillSeen(memo.seen)) {
    for (const p of memo.plugins) ctx.plugins.push({ ...p, source, skills: p.skills.map((s) => ({ ...s, warnings: [...s.warnings] })), warnings: [...p.warnings] });
    ctx.errors.push(...memo.errors.map((e) => ({ ...e })));
    ctx.warnings.push(...memo.warnings.map((e) => ({ ...e })));
    for (const [k, id] of memo.claimed) ctx.claimed.set(k, id);
    return;
  }
  const at = { plugins: ctx.plugins.length, errors: ctx.errors.length, warnings: ctx.warnings.length, claimed: new Set(ctx.claimed.keys()) };
  const { result: kind, seen } = source.observe(() => {
    const sub = source.list(name);
    if (sub === null) return 'none';
    if (discoverMarketplace(ctx, name, sub, name)) return 'marketplace';
    return discoverPlugin(ctx, { path: name, folderName: name }) ? 'plugin' : 'none';
  });
  ctx.cache!.dirty = true;
  // An error can hang on what no look records (another folder's claim on the same id, a
  // permission): only a folder discovered without one is replayed.
  if (seen === null || kind === 'marketplace' || ctx.errors.length > at.errors) return void folders.delete(name);
  folders.set(name, {
    seen,
    plugins: ctx.plugins.slice(at.plugins).map(({ source: _s, ...p }) => p),
    errors: ctx.errors.slice(at.errors),
    warnings: ctx.warnings.slice(at.warnings),
    claimed: [...ctx.claimed].filter(([k]) => !at.claimed.has(k)),
  });
}

/**
 * Discover several sources in order. A plugin id seen in an earlier source (as a
 * plugin, or as the plugin of an error there) wins; a later plugin with the same id
 * (also differing only by case) is left out with one warning that names both.
 */
export function discoverAll(sources: SourceTree[], options: (source: SourceTree, index: number) => DiscoverOptions = () => ({})): DiscoveryResult {
  const plugins: PluginManifest[] = [];
  const errors: DiscoveryError[] = [];
  const warnings: DiscoveryError[] = [];
  const claimed = new Map<string, string>(); // folded id -> where the first one is
  sources.forEach((source, i) => {
    const r = discoverPlugins(source, options(source, i));
    const here = new Map<string, string>();
    for (const p of r.plugins) {
      const key = foldedKey(p.id);
      const first = claimed.get(key);
      const at = `${p.origin.source}${p.origin.folder ? ` (${p.origin.folder})` : ''}`;
      if (first !== undefined) {
        warnings.push({
          source: source.display,
          path: p.manifestPath ?? p.path,
          pluginId: p.id,
          code: 'EDUPLICATE_PLUGIN',
          message: `plugin id ${displayName(p.id)} is provided by ${first} and again by ${at}; the earlier source wins`,
        });
        continue;
      }
      here.set(key, at);
      plugins.push(p);
    }
    for (const e of r.errors) {
      if (e.pluginId !== undefined && e.code !== 'EDUPLICATE_PLUGIN') {
        const key = foldedKey(e.pluginId);
        if (!claimed.has(key) && !here.has(key)) here.set(key, source.display);
      }
      errors.push(e);
    }
    warnings.push(...(r.warnings ?? []));
    for (const [k, v] of here) claimed.set(k, v);
  });
  return { plugins, errors, warnings };
}
