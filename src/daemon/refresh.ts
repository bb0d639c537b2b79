// A watch pass re-reads only the plugin folders its events touched: the rest of the
// last discovery stays (re-walking 10,000 skill folders was most of a watch pass at
// 50,000 files). Anything that may change which plugins exist — a plugin that is broken
// or gone, a new id in the folder, a marketplace — falls back to a full discovery.
import { discoverFolder } from '../plugins/discover.js';
import { withWorkspaceNames } from '../targets/bound-names.js';
import type { Ctx } from '../workspace/context.js';

/** Refresh the discovery ctx.discovery keeps for these plugins; false when only a full discovery can tell. */
export function refreshDiscovery(ctx: Ctx, ids: string[]): boolean {
  const prev = ctx.discovery.current;
  if (!prev) return false;
  let { plugins, errors } = prev;
  for (const id of ids) {
    const old = plugins.find((p) => p.id === id);
    if (!old || old.format === 'marketplace') return false;
    const folder = old.path;
    const fresh = discoverFolder(old.source, folder);
    if (fresh.plugins.length !== 1 || fresh.plugins[0].id !== id || fresh.plugins[0].path !== folder) return false;
    const inFolder = (path: string) => folder === '' || path === folder || path.startsWith(folder + '/');
    const [named] = withWorkspaceNames(ctx, fresh.plugins);
    plugins = plugins.map((p) => (p.id === id ? named : p));
    errors = [...errors.filter((e) => !(e.source === old.source.display && inFolder(e.path))), ...fresh.errors];
  }
  ctx.discovery.keep({ plugins, errors });
  return true;
}
