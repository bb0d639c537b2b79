// The state of discovering one source, shared by the plugin, skill and marketplace
// readers: where errors and plugins go, ids already taken, the per-source cache.
import { isSkillsyncError } from '../core/errors.js';
import { displayName } from '../core/names.js';
import type { FileKeyed } from './fs-source.js';
import { MAX_CACHED, type SourceCache } from './discovery-cache.js';
import { joinRel, readJson, type JsonRead } from './manifest.js';
import type { DiscoveryError, PluginManifest, RemoteResolver, SkillDecl, SourceEntry, SourceTree } from './types.js';

export interface Ctx {
  source: SourceTree;
  display: string;
  /** The configured source this is part of (differs from display for a remote entry's repository). */
  origin: string;
  rootName: string;
  errors: DiscoveryError[];
  warnings: DiscoveryError[];
  plugins: PluginManifest[];
  /** Plugin ids taken in this source (folded key -> id), also by plugins that failed later. */
  claimed: Map<string, string>;
  /** Present when the source can tell unchanged files (fileKey). */
  cache?: SourceCache;
  remote?: RemoteResolver;
  /** Opens the cache of another source (a remote entry's repository). */
  cacheFor?: (source: SourceTree) => SourceCache | undefined;
}

/** Thrown to stop working on one plugin after its errors were recorded. */
export class Abort extends Error {}

export function errorOf(err: unknown): { code: string; message: string } {
  if (isSkillsyncError(err)) return { code: err.code, message: err.message };
  return { code: 'EINTERNAL', message: err instanceof Error ? err.message : String(err) };
}

export function lastSegment(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i === -1 ? rel : rel.slice(i + 1);
}

/** Skills and errors of one plugin being discovered. */
export class PluginBuild {
  readonly errors: DiscoveryError[] = [];
  readonly warnings: string[] = [];
  readonly skills = new Map<string, SkillDecl>();
  id: string | undefined;

  constructor(readonly ctx: Ctx) {}

  fail(path: string, code: string, message: string): void {
    this.errors.push({ source: this.ctx.display, path, pluginId: this.id, code, message });
  }

  abort(path: string, code: string, message: string): never {
    this.fail(path, code, message);
    throw new Abort();
  }

  get label(): string {
    return this.id === undefined ? '' : `plugin ${displayName(this.id)}: `;
  }
}

/** Type of `rel` checked component by component below `from` (itself known to be a real folder). */
export function walk(source: SourceTree, from: string, rel: string): { type: SourceEntry['type'] | null; at: string } {
  if (rel === from) return { type: source.stat(rel), at: rel };
  const rest = from === '' ? rel : rel.slice(from.length + 1);
  let at = from;
  const parts = rest.split('/');
  for (let i = 0; i < parts.length; i++) {
    at = joinRel(at, parts[i]!);
    const type = source.stat(at);
    if (type === null || type === 'symlink' || i === parts.length - 1) return { type, at };
    if (type !== 'dir') return { type, at };
  }
  return { type: 'dir', at };
}

/** readJson, skipping the read and parse when the file is unchanged since the last pass. */
export function readJsonCached(ctx: Ctx, rel: string, maxBytes: number): JsonRead {
  const cache = ctx.cache?.json;
  if (cache === undefined) return readJson(ctx.source, rel, maxBytes);
  const key = (ctx.source as SourceTree & FileKeyed).fileKey(rel);
  if (key === null) return null;
  const hit = cache.get(rel);
  if (hit !== undefined && hit.key === key) return hit.json;
  const json = readJson(ctx.source, rel, maxBytes);
  if (json !== null) {
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(rel, { key, json });
  }
  return json;
}
