// Discover the plugins of every configured source, once per command or pass.
// A source that cannot be opened is a discovery error; it never hides the others.
import { existsSync } from 'node:fs';
import { createFsSource } from '../plugins/fs-source.js';
import { createGitSource } from '../plugins/git-source.js';
import { discoverAll, exportDiscoveryCache, importDiscoveryCache } from '../plugins/discover.js';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../git/fsutil.js';
import type { DiscoveryResult, SourceTree, PluginManifest } from '../plugins/types.js';
import type { Ctx } from './context.js';
import { SkillsyncError } from '../core/errors.js';
import { withWorkspaceNames } from '../targets/bound-names.js';

export function discover(ctx: Ctx, fresh = false): DiscoveryResult {
  if (ctx.discovered && !fresh) return ctx.discovered;
  const trees: SourceTree[] = [];
  const errors: DiscoveryResult['errors'] = [];
  for (const s of ctx.config.sources) {
    const display = s.kind === 'fs' ? s.path : `${s.gitdir}@${s.ref}${s.path ? ':' + s.path : ''}`;
    try {
      if (s.kind === 'fs') {
        if (!existsSync(s.path)) throw new SkillsyncError('ESOURCE_MISSING', `plugin source ${s.path} does not exist`, {});
        trees.push(createFsSource(s.path));
      } else {
        trees.push(createGitSource(s.gitdir, s.ref, s.path));
      }
    } catch (err) {
      const e = err as SkillsyncError;
      errors.push({ source: display, path: '', code: e.code ?? 'ESOURCE', message: e.message });
    }
  }
  loadDiscoveryCache(ctx);
  const res = discoverAll(trees);
  saveDiscoveryCache(ctx);
  // Skills renamed for this workspace (`names:`, `enable --name`) keep their upstream path.
  ctx.discovered = { plugins: withWorkspaceNames(ctx, res.plugins), errors: [...errors, ...res.errors] };
  return ctx.discovered;
}

// Discovery's per-file cache, kept in the workspace between one-shot commands.
const loaded = new WeakSet<Ctx>();
let savedText = '';

function loadDiscoveryCache(ctx: Ctx): void {
  if (loaded.has(ctx)) return;
  loaded.add(ctx);
  try {
    savedText = readFileSync(ctx.paths.discoveryCache, 'utf8');
    importDiscoveryCache(JSON.parse(savedText));
  } catch {
    /* none yet, or unreadable: rebuilt by this pass */
  }
}

function saveDiscoveryCache(ctx: Ctx): void {
  try {
    const text = JSON.stringify(exportDiscoveryCache());
    if (text === savedText) return;
    writeFileAtomic(ctx.paths.discoveryCache, text);
    savedText = text;
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
  return new SkillsyncError(
    'EUNKNOWN_PLUGIN',
    `unknown plugin '${id}'; ${known.length ? `discovered: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}` : 'no plugins discovered — check sources in the config'}`,
    { plugin: id },
  );
}
