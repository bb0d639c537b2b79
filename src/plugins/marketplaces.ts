// Marketplace roots: each local entry is a plugin folder of this source; a remote
// entry is a plugin in another repository, read from what was fetched (the resolver
// never touches the network). Entries whose folders do not exist next to a real
// skills/ folder are stale: the skills are still found, with one warning.
import { displayName } from '../core/names.js';
import { Abort, errorOf, lastSegment, readJsonCached, walk, type Ctx } from './discover-context.js';
import { MAX_MARKETPLACE_BYTES, joinRel, readJson } from './manifest.js';
import { MARKETPLACE_FILES, parseMarketplace, type MarketplaceEntry, type ParsedMarketplace } from './marketplace.js';
import { discoverPlugin } from './plugin.js';
import type { SourceEntry, SourceTree } from './types.js';

/** The marketplace file at `base` and what it says; null when there is none. */
function readMarketplace(ctx: Ctx, base: string, listing: SourceEntry[]): { file: string; parsed?: ParsedMarketplace; error?: { path: string; code: string; message: string } } | null {
  const types = new Map(listing.map((e) => [e.name, e.type] as const));
  for (const rel of MARKETPLACE_FILES) {
    if (!types.has(rel.split('/')[0]!)) continue;
    const file = joinRel(base, rel);
    const { type, at } = walk(ctx.source, base, file);
    if (type === null) continue;
    if (type === 'symlink') return { file, error: { path: at, code: 'ESYMLINK', message: `marketplace ${file}: ${at} is a symlink; skillsync never follows links` } };
    if (type !== 'file') return { file, error: { path: file, code: 'EMANIFEST', message: `marketplace ${file} is not a regular file` } };
    const json = ctx.cache ? readJsonCached(ctx, file, MAX_MARKETPLACE_BYTES) : readJson(ctx.source, file, MAX_MARKETPLACE_BYTES);
    if (json === null) return { file, error: { path: file, code: 'EMANIFEST', message: `marketplace ${file} cannot be read` } };
    if (!json.ok) return { file, error: { path: file, code: json.code, message: json.message } };
    try {
      return { file, parsed: parseMarketplace(json.value, base, file) };
    } catch (err) {
      return { file, error: { path: file, ...errorOf(err) } };
    }
  }
  return null;
}

/** The remote entries of the marketplaces of a source (its root, else each top folder), for fetching. */
export function remoteEntries(source: SourceTree): MarketplaceEntry[] {
  const ctx = { source, display: source.display, origin: source.display, rootName: '', errors: [], warnings: [], plugins: [], claimed: new Map() } as Ctx;
  const root = source.list('');
  if (root === null) return [];
  const at = (base: string, listing: SourceEntry[]) => (readMarketplace(ctx, base, listing)?.parsed?.entries ?? []).filter((e) => e.remote !== undefined);
  const top = readMarketplace(ctx, '', root);
  if (top !== null) return at('', root);
  const out: MarketplaceEntry[] = [];
  for (const e of root) {
    if (e.type !== 'dir' || e.name.startsWith('.')) continue;
    const sub = source.list(e.name);
    if (sub !== null) out.push(...at(e.name, sub));
  }
  return out;
}

/** A remote entry: the plugin is discovered inside the repository the resolver opens. */
function discoverRemote(ctx: Ctx, entry: MarketplaceEntry, file: string): void {
  const label = `plugin ${displayName(entry.name)} (${entry.where})`;
  if (ctx.remote === undefined) {
    ctx.errors.push({ source: ctx.display, path: entry.where, pluginId: entry.name, code: 'EREMOTE_SOURCE', message: `${label}: its source is another repository, which is fetched only for configured sources` });
    return;
  }
  const r = ctx.remote.resolve(entry.remote!, ctx.source, entry.name);
  if ('code' in r) {
    ctx.errors.push({ source: ctx.display, path: entry.where, pluginId: entry.name, code: r.code, message: `${label}: ${r.message}` });
    return;
  }
  const sub: Ctx = { ...ctx, source: r.source, display: r.source.display, cache: ctx.cacheFor?.(r.source), rootName: lastSegment(r.path) || entry.name };
  const before = sub.errors.length;
  discoverPlugin(sub, { path: r.path, folderName: sub.rootName, entry, marketplaceFile: file, folder: r.folder });
  // Messages name the marketplace entry as well as the repository.
  for (let i = before; i < sub.errors.length; i++) sub.errors[i] = { ...sub.errors[i]!, message: `${sub.errors[i]!.message} (${entry.where})` };
}

/** If `base` holds a marketplace file, discover its plugins and return true. */
export function discoverMarketplace(ctx: Ctx, base: string, listing: SourceEntry[], rootName: string): boolean {
  const m = readMarketplace(ctx, base, listing);
  if (m === null) return false;
  if (m.error) {
    ctx.errors.push({ source: ctx.display, ...m.error });
    return true;
  }
  const { parsed, file } = m;
  for (const p of parsed!.problems) ctx.errors.push({ source: ctx.display, path: p.where, pluginId: p.name, code: p.code, message: p.message });
  const stale: Array<{ entry: MarketplaceEntry; code: string; path: string; message: string }> = [];
  for (const entry of parsed!.entries) {
    if (entry.remote !== undefined && !(entry.remote.url === '.' && ctx.source.kind === 'fs')) {
      discoverRemote(ctx, entry, file);
      continue;
    }
    if (entry.remote !== undefined) entry.path = joinRel(base, entry.remote.path); // "./" of a local marketplace
    const label = `plugin ${displayName(entry.name)} (${entry.where})`;
    try {
      const { type: t, at: where } = walk(ctx.source, base, entry.path);
      if (t !== 'dir') {
        const [code, why] =
          t === 'symlink' ? ['ESYMLINK', `source goes through the symlink ${where}; skillsync never follows links`]
          : t === null ? ['ENOT_FOUND', `source folder ${entry.path || '.'} does not exist`]
          : ['EMANIFEST', `source ${where} is not a folder`];
        if (code === 'ENOT_FOUND') stale.push({ entry, code, path: where, message: `${label}: ${why}` });
        else ctx.errors.push({ source: ctx.display, path: where, pluginId: entry.name, code, message: `${label}: ${why}` });
        continue;
      }
    } catch (err) {
      const e = errorOf(err);
      ctx.errors.push({ source: ctx.display, path: entry.path, pluginId: entry.name, code: e.code, message: `${label}: ${e.message}` });
      continue;
    }
    discoverPlugin(ctx, { path: entry.path, folderName: entry.path === '' ? ctx.rootName : lastSegment(entry.path), entry, marketplaceFile: file });
  }
  if (stale.length === 0) return true;
  // Stale entries next to real skills: the folder is read as a plugin of its own.
  const hasSkills = listing.some((e) => e.name === 'skills' && e.type === 'dir');
  const count = ctx.plugins.length;
  if (hasSkills && !parsed!.entries.some((e) => e.path === base && e.remote === undefined)) {
    try {
      discoverPlugin(ctx, { path: base, folderName: rootName });
    } catch (err) {
      if (!(err instanceof Abort)) throw err;
    }
  }
  if (ctx.plugins.length > count) {
    const names = stale.map((s) => displayName(s.entry.name)).join(', ');
    ctx.warnings.push({ source: ctx.display, path: file, code: 'ESTALE_ENTRIES', message: `${file} lists ${stale.length} plugin(s) whose folders do not exist (${names.slice(0, 300)}); the skills/ folder next to it is read as plugin ${displayName(ctx.plugins[count]!.id)}` });
  } else {
    for (const s of stale) ctx.errors.push({ source: ctx.display, path: s.path, pluginId: s.entry.name, code: s.code, message: s.message });
  }
  return true;
}
