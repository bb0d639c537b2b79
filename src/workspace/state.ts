// What `main` says: published skill trees, plugin records and bindings. Parsed
// records are kept by blob oid (content-addressed, so never stale), and main's whole
// state is persisted in one file (cache/main-state) keyed by the oids of main's
// skills/, plugins/ and bindings/ trees: a command on an unchanged main loads that one
// file instead of reading 10,000 record blobs. The caches live in the context's
// StateCache (ctx.stateCache), never in this module.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readRef } from '../git/refs.js';
import { MAIN } from './layout.js';
import { EMPTY_TREE, isOid } from '../git/hash.js';
import { lookupPath } from '../git/tree-editor.js';
import { writeFileAtomic } from '../git/fsutil.js';
import type { TreeEntry } from '../git/tree.js';
import type { Ctx } from './context.js';
import { buildCaseIndex, buildPluginIndex } from '../core/plan/ownership.js';
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
  /** The bindings of each plugin, in the order of `bindings`, built on first use. */
  readonly byPlugin: ReadonlyMap<string, readonly Binding[]>;
}

/** The trees a state is read from ('' when main has none) and the record blob of every name. */
interface StateSource {
  skillsTree: string;
  pluginsTree: string;
  bindingsTree: string;
  pluginBlobs: Map<string, string>;
  bindingBlobs: Map<string, string>;
}

/** What one workspace context keeps of main: parsed records by blob oid, and main's state by commit. */
export class StateCache {
  /** Parsed records by `<dir>:<name>:<blob oid>`. */
  readonly records = new Map<string, unknown>();
  main: MainState | null = null;
  /** Where `main` was read from (for saving it). */
  mainSource: StateSource | null = null;
  /** The persisted file: undefined until loaded, null when absent or unusable. */
  file: Persisted | null | undefined = undefined;
  /** What the file on disk says now (key + checked flag), so an unchanged state is not rewritten. */
  savedAs = '';
}

// Bump when the file's layout or the tree checks it vouches for change: an older file is then ignored.
const MAGIC = 'skillsync-main-state 1';

interface Persisted {
  skillsTree: string;
  pluginsTree: string;
  bindingsTree: string;
  /** The skills tree passed checkTreeObject at level 'skill' (see live.ts): trees are content-addressed, so it still does. */
  checked: boolean;
  skills: [string, string][];
  plugins: [string, string, PluginRecord][];
  bindings: [string, string, Binding][];
}

const isStr = (v: unknown): v is string => typeof v === 'string';
// The checksum catches damage; shapes are checked cheaply (no regex per oid).
const isOid40 = (v: unknown): v is string => typeof v === 'string' && v.length === 40;
const isTreeKey = (v: unknown): v is string => v === '' || isOid(v);

function validPlugin(name: unknown, r: unknown): r is PluginRecord {
  const p = r as PluginRecord;
  return !!p && typeof p === 'object' && p.id === name && typeof p.enabled === 'boolean' && typeof p.paused === 'boolean' && typeof p.adopted === 'boolean' && isStr(p.version) && isStr(p.source) && isStr(p.path) && Array.isArray(p.adoptedSkills) && p.adoptedSkills.every(isStr);
}

function validBinding(name: unknown, r: unknown): r is Binding {
  const b = r as Binding;
  return !!b && typeof b === 'object' && b.skill === name && isStr(b.plugin) && isStr(b.path) && isOid40(b.acceptedTree) && (b.status === 'synced' || b.status === 'disabled');
}

/** Parse the file; null for anything but a complete one of this version whose checksum and shapes are right. */
export function parseMainStateFile(buf: Buffer): Persisted | null {
  const nl = buf.indexOf(10);
  if (nl < 0) return null;
  const head = buf.toString('latin1', 0, nl).split(' ');
  if (`${head[0]} ${head[1]}` !== MAGIC || head.length !== 3) return null;
  const body = buf.subarray(nl + 1);
  if (createHash('sha1').update(body).digest('hex') !== head[2]) return null;
  let v: Persisted;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (!v || !isTreeKey(v.skillsTree) || !isTreeKey(v.pluginsTree) || !isTreeKey(v.bindingsTree) || typeof v.checked !== 'boolean') return null;
  if (!Array.isArray(v.skills) || !v.skills.every((r) => Array.isArray(r) && isStr(r[0]) && isOid40(r[1]))) return null;
  if (!Array.isArray(v.plugins) || !v.plugins.every((r) => Array.isArray(r) && isOid40(r[1]) && validPlugin(r[0], r[2]))) return null;
  if (!Array.isArray(v.bindings) || !v.bindings.every((r) => Array.isArray(r) && isOid40(r[1]) && validBinding(r[0], r[2]))) return null;
  return v;
}

function loadFile(ctx: Ctx): Persisted | null {
  const sc = ctx.stateCache;
  if (sc.file !== undefined) return sc.file;
  let buf: Buffer | null = null;
  try {
    buf = readFileSync(ctx.paths.recordCache);
  } catch {
    /* none yet */
  }
  sc.file = buf ? parseMainStateFile(buf) : null;
  if (sc.file) sc.savedAs = savedKey(sc.file, sc.file.checked);
  return sc.file;
}

const savedKey = (s: { skillsTree: string; pluginsTree: string; bindingsTree: string }, checked: boolean) => `${s.skillsTree}:${s.pluginsTree}:${s.bindingsTree}:${checked}`;

/**
 * Persist main's state as last read (derived data; losing it only costs time). Skipped
 * when nothing moved since the file was written, in a dry run and before the workspace
 * exists. Called once per command (withLock), not per transaction.
 */
export function saveMainState(ctx: Ctx): void {
  if (ctx.dryRun || !existsSync(ctx.paths.gitdir)) return;
  const sc = ctx.stateCache;
  let m: MainState;
  try {
    m = readMainState(ctx); // main as it is now: a command that moved it saves the new state
  } catch (err) {
    return void ctx.log.debug(`main's state not cached: ${(err as Error).message}`);
  }
  const src = sc.mainSource!;
  const checked = src.skillsTree !== '' && ctx.store.checkedTrees('skill').has(src.skillsTree);
  const key = savedKey(src, checked);
  if (key === sc.savedAs) return;
  const file: Persisted = {
    skillsTree: src.skillsTree,
    pluginsTree: src.pluginsTree,
    bindingsTree: src.bindingsTree,
    checked,
    skills: [...m.skills],
    plugins: [...m.plugins].map(([name, rec]) => [name, src.pluginBlobs.get(name)!, rec]),
    bindings: [...m.bindings].map(([name, rec]) => [name, src.bindingBlobs.get(name)!, rec]),
  };
  const body = Buffer.from(JSON.stringify(file), 'utf8');
  try {
    writeFileAtomic(ctx.paths.recordCache, Buffer.concat([Buffer.from(`${MAGIC} ${createHash('sha1').update(body).digest('hex')}\n`, 'latin1'), body]));
    sc.file = file;
    sc.savedAs = key;
  } catch (err) {
    ctx.log.debug(`could not save main's state cache: ${(err as Error).message}`);
  }
}

function subtree(ctx: Ctx, tree: string, path: string): string {
  const e = lookupPath(ctx.store, tree, path);
  return e && e.mode === '40000' ? e.oid : '';
}

const entriesOf = (ctx: Ctx, tree: string): TreeEntry[] => (tree === '' ? [] : ctx.store.readTree(tree));

function readRecords<T>(ctx: Ctx, tree: string, dir: string, parse: (buf: Buffer, name: string) => T, blobs: Map<string, string>, known?: [string, string, T][]): Map<string, T> {
  const cache = ctx.stateCache.records;
  // The file's records serve a state that shares them: only changed records are read.
  if (known) for (const [name, blob, rec] of known) cache.set(`${dir}:${name}:${blob}`, rec);
  const out = new Map<string, T>();
  for (const e of entriesOf(ctx, tree)) {
    if (!e.name.endsWith('.json') || e.mode === '40000') continue;
    const name = e.name.slice(0, -5);
    const key = `${dir}:${name}:${e.oid}`;
    let rec = cache.get(key) as T | undefined;
    if (rec === undefined) {
      rec = parse(ctx.store.readBlob(e.oid), name);
      cache.set(key, rec);
    }
    out.set(name, rec);
    blobs.set(name, e.oid);
  }
  return out;
}

function stateOf(commit: string | null, tree: string, skills: Map<string, string>, plugins: Map<string, PluginRecord>, bindings: Map<string, Binding>): MainState {
  let folded: ReadonlyMap<string, string> | undefined;
  let owned: ReadonlyMap<string, readonly Binding[]> | undefined;
  return {
    commit,
    tree,
    skills,
    plugins,
    bindings,
    get caseIndex() {
      return (folded ??= buildCaseIndex({ skills, bindings }));
    },
    get byPlugin() {
      return (owned ??= buildPluginIndex(bindings));
    },
  };
}

function read(ctx: Ctx, commit: string | null, useFile: boolean): { state: MainState; source: StateSource } {
  const tree = commit ? ctx.store.readCommit(commit).tree : EMPTY_TREE;
  const source: StateSource = { skillsTree: subtree(ctx, tree, SKILLS_DIR), pluginsTree: subtree(ctx, tree, PLUGINS_DIR), bindingsTree: subtree(ctx, tree, BINDINGS_DIR), pluginBlobs: new Map(), bindingBlobs: new Map() };
  const f = useFile ? loadFile(ctx) : null;
  let skills: Map<string, string>;
  if (f && f.skillsTree === source.skillsTree) {
    skills = new Map(f.skills);
    if (f.checked) ctx.store.checkedTrees('skill').add(f.skillsTree);
  } else {
    skills = new Map();
    for (const e of entriesOf(ctx, source.skillsTree)) if (e.mode === '40000') skills.set(e.name, e.oid);
  }
  let plugins: Map<string, PluginRecord>;
  if (f && f.pluginsTree === source.pluginsTree) {
    plugins = new Map(f.plugins.map(([name, blob, rec]) => (source.pluginBlobs.set(name, blob), [name, rec])));
  } else plugins = readRecords(ctx, source.pluginsTree, PLUGINS_DIR, parsePluginRecord, source.pluginBlobs, f?.plugins);
  let bindings: Map<string, Binding>;
  if (f && f.bindingsTree === source.bindingsTree) {
    bindings = new Map(f.bindings.map(([name, blob, rec]) => (source.bindingBlobs.set(name, blob), [name, rec])));
  } else bindings = readRecords(ctx, source.bindingsTree, BINDINGS_DIR, parseBinding, source.bindingBlobs, f?.bindings);
  return { state: stateOf(commit, tree, skills, plugins, bindings), source };
}

/** The state at any commit (records shared with main's through the per-blob cache). */
export function readStateAt(ctx: Ctx, commit: string | null): MainState {
  return read(ctx, commit, false).state;
}

/** main's state; parsed once per commit (a pass over 200 plugins reads it 200 times), from the persisted file when main's trees are the ones it names. */
export function readMainState(ctx: Ctx): MainState {
  const commit = readRef(ctx.refs, MAIN);
  const sc = ctx.stateCache;
  if (sc.main && sc.main.commit === commit) return sc.main;
  const r = read(ctx, commit, true);
  sc.mainSource = r.source;
  return (sc.main = r.state);
}
