// Discover the plugins of every configured source, once per command or pass, from
// local folders, local git repositories and the cache repositories of remote ones
// (fetching is a separate step: discovery never uses the network). A source that
// cannot be opened is a discovery error; it never hides the others.
import { existsSync, readFileSync } from 'node:fs';
import { createFsSource } from '../plugins/fs-source.js';
import { createGitSource } from '../plugins/git-source.js';
import { discoverAll } from '../plugins/discover.js';
import { DiscoveryCache } from '../plugins/discovery-cache.js';
import { writeFileAtomic } from '../git/fsutil.js';
import { RemoteRepos } from '../remote/sources.js';
import { redactUrl } from '../remote/url.js';
import type { DiscoveryResult, SourceTree, PluginManifest } from '../plugins/types.js';
import type { Ctx } from './context.js';
import { isSourceError } from '../core/states.js';
import { SkillsyncError } from '../core/errors.js';
import type { SourceSpec } from '../config.js';
import { withWorkspaceNames } from '../targets/bound-names.js';

function displayOf(s: SourceSpec): string {
  if (s.kind === 'fs') return s.path;
  if (s.kind === 'git') return `${s.gitdir}@${s.ref}${s.path ? ':' + s.path : ''}`;
  return `${redactUrl(s.url)}@${s.ref ?? 'HEAD'}${s.path ? ':' + s.path : ''}`;
}

/** The plugins of every source: the result ctx.discovery keeps, else (or `fresh`) read now and kept until invalidated. */
export function discover(ctx: Ctx, fresh = false): DiscoveryResult {
  if (fresh) ctx.discovery.invalidate();
  const kept = ctx.discovery.current;
  if (kept) return kept;
  const trees: SourceTree[] = [];
  const origins: string[] = [];
  const errors: DiscoveryResult['errors'] = [];
  const repos = new RemoteRepos(ctx.paths.cache, ctx.config.remote);
  ctx.config.sources.forEach((s, i) => {
    const display = displayOf(s);
    try {
      if (s.kind === 'fs') {
        if (!existsSync(s.path)) throw new SkillsyncError('ESOURCE_MISSING', `plugin source ${s.path} does not exist`, {});
        trees.push(createFsSource(s.path));
      } else if (s.kind === 'git') {
        trees.push(createGitSource(s.gitdir, s.ref, s.path));
      } else {
        trees.push(repos.openSource(s, `sources[${i}]`));
      }
      origins.push(display);
    } catch (err) {
      const e = err as SkillsyncError;
      errors.push({ source: display, path: '', code: e.code ?? 'ESOURCE', message: e.message });
    }
  });
  const cache = discoveryCache(ctx);
  const remote = repos.resolver();
  const res = discoverAll(trees, (_s, i) => ({ cache, remote, origin: origins[i] }));
  saveDiscoveryCache(ctx, cache);
  // Skills renamed for this workspace (`names:`, `enable --name`) keep their upstream path.
  return ctx.discovery.keep({ plugins: withWorkspaceNames(ctx, res.plugins), errors: [...errors, ...res.errors], warnings: res.warnings ?? [] });
}

// Discovery's per-file cache: kept in ctx.discovery (a daemon's lives as long as it does),
// loaded from and saved to the workspace so one-shot commands share it.
function discoveryCache(ctx: Ctx): DiscoveryCache {
  if (ctx.discovery.files) return ctx.discovery.files.cache;
  const cache = new DiscoveryCache();
  let saved = false;
  try {
    cache.import(JSON.parse(readFileSync(ctx.paths.discoveryCache, 'utf8')));
    saved = true;
  } catch {
    /* none yet, or unreadable: rebuilt by this pass */
  }
  ctx.discovery.files = { cache, saved };
  return cache;
}

function saveDiscoveryCache(ctx: Ctx, cache: DiscoveryCache): void {
  const files = ctx.discovery.files;
  if (ctx.dryRun || !files || !existsSync(ctx.paths.gitdir)) return; // a dry run, or a view of a workspace not created yet, writes nothing
  // Written when something in it changed (not compared as text: that cost a 4 MB stringify per discovery).
  if (!cache.takeDirty() && files.saved) return;
  try {
    writeFileAtomic(ctx.paths.discoveryCache, JSON.stringify(cache.export()));
    files.saved = true;
  } catch {
    /* derived data */
  }
}

export function findPlugin(ctx: Ctx, id: string): PluginManifest | null {
  return discover(ctx).plugins.find((p) => p.id === id) ?? null;
}

/** The error to show when a plugin id is not among the discovered plugins. */
export function unknownPlugin(ctx: Ctx, id: string): SkillsyncError {
  const d = discover(ctx);
  const err = d.errors.find((e) => e.pluginId === id);
  if (err) return new SkillsyncError('EPLUGIN_BROKEN', `plugin ${id} cannot be read: ${err.message}`, { plugin: id, discovery: err });
  const known = d.plugins.map((p) => p.id);
  // A source that could not be read may hold it: say so, rather than blame the config.
  const source = d.errors.find(isSourceError);
  const why = source ? `a source could not be read: ${source.message}` : known.length ? '' : 'no plugins discovered — check sources in the config';
  const list = known.length ? `discovered: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}` : '';
  return new SkillsyncError('EUNKNOWN_PLUGIN', `unknown plugin '${id}'; ${[list, why].filter(Boolean).join('; ')}`, { plugin: id });
}
