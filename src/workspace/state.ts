// What `main` says: published skill trees, plugin records and bindings. Parsed
// records are cached by blob oid (content-addressed, so the cache never goes stale),
// which keeps a pass over 10,000 bindings from inflating 10,000 blobs every time. The
// caches live in the context's StateCache (ctx.stateCache), never in this module.
import { readFileSync } from 'node:fs';
import { readRef } from '../git/refs.js';
import { MAIN } from './layout.js';
import { EMPTY_TREE } from '../git/hash.js';
import { lookupPath } from '../git/tree-editor.js';
import { writeFileAtomic } from '../git/fsutil.js';
import type { Ctx } from './context.js';
import { buildCaseIndex } from '../core/plan/ownership.js';
import { BINDINGS_DIR, PLUGINS_DIR, SKILLS_DIR, parseBinding, parsePluginRecord, type Binding, type PluginRecord } from './records.js';


export interface MainState {
  commit: string | null;
  tree: string;
  /** skill name → tree oid of skills/<skill> */
  skills: Map<string, string>;
  plugins: Map<string, PluginRecord>;
  bindings: Map<string, Binding>;
  /** Skill and binding names by case-folded key (the ownership rule's index), built on first use. */
  readonly caseIndex: ReadonlyMap<string, string>;
}

type RecordCache = Map<string, unknown>;

/** What one workspace context keeps of main: parsed records by blob oid, and main's state by commit. */
export class StateCache {
  records: { map: RecordCache; dirty: boolean } | null = null;
  main: MainState | null = null;
}

function recordCache(ctx: Ctx) {
  const sc = ctx.stateCache;
  if (!sc.records) {
    let map: RecordCache = new Map();
    try {
      map = new Map(Object.entries(JSON.parse(readFileSync(ctx.paths.recordCache, 'utf8'))));
    } catch {
      /* no cache yet */
    }
    sc.records = { map, dirty: false };
  }
  return sc.records;
}

/** Persist the parsed-record cache (derived data; losing it only costs time). */
export function saveRecordCache(ctx: Ctx): void {
  const c = ctx.stateCache.records;
  if (!c || !c.dirty) return;
  try {
    writeFileAtomic(ctx.paths.recordCache, JSON.stringify(Object.fromEntries(c.map)));
    c.dirty = false;
  } catch (err) {
    ctx.log.debug(`could not save the record cache: ${(err as Error).message}`);
  }
}

function dirEntries(ctx: Ctx, tree: string, path: string) {
  const e = lookupPath(ctx.store, tree, path);
  return e && e.mode === '40000' ? ctx.store.readTree(e.oid) : [];
}

function readRecords<T>(ctx: Ctx, tree: string, dir: string, parse: (buf: Buffer, name: string) => T): Map<string, T> {
  const cache = recordCache(ctx);
  const out = new Map<string, T>();
  for (const e of dirEntries(ctx, tree, dir)) {
    if (!e.name.endsWith('.json') || e.mode === '40000') continue;
    const name = e.name.slice(0, -5);
    const key = `${dir}:${name}:${e.oid}`;
    let rec = cache.map.get(key) as T | undefined;
    if (rec === undefined) {
      rec = parse(ctx.store.readBlob(e.oid), name);
      cache.map.set(key, rec);
      cache.dirty = true;
    }
    out.set(name, rec);
  }
  return out;
}

export function readStateAt(ctx: Ctx, commit: string | null): MainState {
  const tree = commit ? ctx.store.readCommit(commit).tree : EMPTY_TREE;
  const skills = new Map<string, string>();
  for (const e of dirEntries(ctx, tree, SKILLS_DIR)) if (e.mode === '40000') skills.set(e.name, e.oid);
  const plugins = readRecords(ctx, tree, PLUGINS_DIR, parsePluginRecord);
  const bindings = readRecords(ctx, tree, BINDINGS_DIR, parseBinding);
  let folded: ReadonlyMap<string, string> | undefined;
  return {
    commit,
    tree,
    skills,
    plugins,
    bindings,
    get caseIndex() {
      return (folded ??= buildCaseIndex({ skills, bindings }));
    },
  };
}

/** main's state; parsed once per commit (a pass over 200 plugins reads it 200 times). */
export function readMainState(ctx: Ctx): MainState {
  const commit = readRef(ctx.refs, MAIN);
  const m = ctx.stateCache.main;
  if (m && m.commit === commit) return m;
  return (ctx.stateCache.main = readStateAt(ctx, commit));
}
