// Fetch what a remote repository must provide into its cache repository. One ref
// advertisement (what `git ls-remote` reads, see advert.ts) decides whether anything
// changed; only then does isomorphic-git fetch, shallow, sending the tips it has so
// that the server sends only new objects. A pinned commit already present costs no request at all.
import * as fs from 'node:fs';
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { listRefs } from './advert.js';
import { ObjectStore } from '../git/objects.js';
import { SkillsyncError } from '../core/errors.js';
import { cacheDirFor, commitGeneration, discardGeneration, genDir, newGeneration, readCacheState, writeCacheState, type CacheState } from './cache.js';
import { Transport, type TransportOptions, type TransportStats } from './http.js';
import { redactUrl } from './url.js';

export interface RemoteNeed {
  /** Branch or tag as written ('main', 'v1.2'); undefined: the remote's default branch. */
  ref?: string;
  /** A pinned commit: wins over ref. */
  sha?: string;
}

export interface FetchOptions {
  cacheDir: string;
  timeoutMs: number;
  maxBytes: number;
  authFor: TransportOptions['authFor'];
  env?: TransportOptions['env'];
  stats?: TransportStats;
  now: () => number;
}

export interface FetchOutcome {
  url: string;
  dir: string;
  state: CacheState;
  /** Refs and pinned commits that arrived or moved. */
  changed: string[];
  /** Why the remote is unreachable; undefined when the fetch worked. */
  error?: string;
}

/** Deepening steps when a server will not send an unadvertised commit directly. */
const DEEPEN = [64, 1024, 0x3fffffff];

function fullRefOf(ref: string | undefined, refs: Map<string, string>, head: string | null): string | null {
  if (ref === undefined || ref === 'HEAD') return head !== null && refs.has(head) ? head : refs.has('HEAD') ? 'HEAD' : null;
  for (const r of ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`]) if (refs.has(r)) return r;
  return null;
}

/** A pack's trailer is the SHA-1 of everything before it: a cut or altered download fails here. */
function verifyPack(path: string): boolean {
  const size = statSync(path).size;
  if (size < 32) return false;
  const fd = openSync(path, 'r');
  try {
    const h = createHash('sha1');
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    while (pos < size - 20) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - 20 - pos), pos);
      if (n <= 0) return false;
      h.update(buf.subarray(0, n));
      pos += n;
    }
    const trailer = Buffer.alloc(20);
    readSync(fd, trailer, 0, 20, size - 20);
    return h.digest().equals(trailer);
  } finally {
    closeSync(fd);
  }
}

function isCommitIn(store: ObjectStore, oid: string): boolean {
  try {
    if (!store.has(oid)) return false;
    const c = store.readCommit(oid);
    store.readTree(c.tree);
    return true;
  } catch {
    return false;
  }
}

/** Peel an advertised tag to its commit when the server said (`^{}`). */
function advertised(list: Array<{ ref: string; oid: string; target?: string; peeled?: string }>): { refs: Map<string, string>; head: string | null } {
  const refs = new Map<string, string>();
  let head: string | null = null;
  for (const r of list) {
    refs.set(r.ref, r.peeled ?? r.oid);
    if (r.ref === 'HEAD' && r.target) head = r.target;
  }
  return { refs, head };
}

export async function fetchRemote(url: string, needs: RemoteNeed[], opts: FetchOptions): Promise<FetchOutcome> {
  const dir = cacheDirFor(opts.cacheDir, url);
  fs.mkdirSync(dir, { recursive: true });
  let state = readCacheState(dir, redactUrl(url));
  const current = genDir(dir, state);
  const have = current === null ? null : new ObjectStore(current);
  const shas = [...new Set(needs.filter((n) => n.sha !== undefined && !(have !== null && isCommitIn(have, n.sha!))).map((n) => n.sha!))];
  const wantRefs = [...new Set(needs.filter((n) => n.sha === undefined).map((n) => n.ref ?? 'HEAD'))];
  if (shas.length === 0 && wantRefs.length === 0) return { url, dir, state, changed: [] };

  const transport = new Transport({ timeoutMs: opts.timeoutMs, maxBytes: opts.maxBytes, authFor: opts.authFor, env: opts.env, stats: opts.stats });
  const http = transport.client;
  let gen: string | null = null;
  const failed = new Promise<never>((_, reject) => transport.controller.signal.addEventListener('abort', () => reject(new SkillsyncError('ESOURCE_UNREACHABLE', transport.failure?.reason ?? 'aborted', {}, 'retry'))));
  failed.catch(() => {});
  // Set once the race below is decided against work(): a work() still running (its answer
  // was in hand when the connection dropped) must not write its state over the failure's.
  let over = false;
  const stillOurs = () => {
    if (over) throw new SkillsyncError('ESOURCE_UNREACHABLE', transport.failure?.reason ?? 'the fetch was abandoned', {}, 'retry');
  };
  const work = async (): Promise<FetchOutcome> => {
    const ad = advertised(await listRefs(http, url));
    const changed: string[] = [];
    const wanted = new Map<string, string>(); // full ref -> advertised oid
    const missing: Record<string, string> = {};
    for (const r of wantRefs) {
      const full = fullRefOf(r, ad.refs, ad.head);
      if (full === null) missing[`ref:${r}`] = `${redactUrl(url)} has no branch or tag ${r}`;
      else wanted.set(full, ad.refs.get(full)!);
    }
    const toFetch = [...wanted].filter(([full, oid]) => state.refs[full] !== oid || have === null || !isCommitIn(have, oid));
    const nextRefs = { ...state.refs };
    for (const [full, oid] of wanted) nextRefs[full] = oid;
    if (ad.head) nextRefs.HEAD = ad.refs.get(ad.head) ?? nextRefs.HEAD!;
    if (toFetch.length === 0 && shas.length === 0) {
      stillOurs();
      state = { ...state, refs: nextRefs, head: ad.head ?? state.head, missing: { ...state.missing, ...missing }, fetchedAt: opts.now(), attemptAt: opts.now(), error: null };
      writeCacheState(dir, state);
      return { url, dir, state, changed };
    }
    // Only now the git library: a poll with no change never loads it.
    const { default: git } = await import('isomorphic-git');
    stillOurs();
    gen = newGeneration(dir, { ...state, head: ad.head ?? state.head });
    const cache = {};
    const oldPacks = new Set(readdirSync(join(gen, 'objects', 'pack')));
    // The server's own words when it gives up mid-pack (git prints "fatal: ..." on the progress band).
    let serverSaid: string | null = null;
    const onMessage = (m: string) => {
      const hit = /(fatal|error): .*/.exec(m);
      if (hit && serverSaid === null) serverSaid = hit[0].replace(/[^\x20-\x7e]/g, '?').slice(0, 160).trim();
    };
    const base = { fs, http, gitdir: gen, url, cache, singleBranch: true, tags: false, onMessage };
    const fetchShallow = async (ref: string, depth: number): Promise<void> => {
      try {
        await git.fetch({ ...base, ref, depth });
      } catch (err) {
        if ((err as { code?: string }).code !== 'RemoteCapabilityError') throw err;
        await git.fetch({ ...base, ref });
      }
    };
    for (const [full, oid] of toFetch) {
      await fetchShallow(full, 1);
      if (!isCommitIn(new ObjectStore(gen), oid)) throw new SkillsyncError('ESOURCE_UNREACHABLE', `the fetch of ${full} did not bring commit ${oid}`, {}, 'retry');
      changed.push(full);
    }
    for (const sha of shas) {
      const refFor = needs.find((n) => n.sha === sha)?.ref;
      if (!isCommitIn(new ObjectStore(gen), sha)) {
        // Servers with uploadpack.allowReachableSHA1InWant (GitHub) send it directly.
        try {
          await fetchShallow(sha, 1);
        } catch (err) {
          if (transport.failure) throw err;
        }
      }
      const from = fullRefOf(refFor, ad.refs, ad.head) ?? fullRefOf(undefined, ad.refs, ad.head);
      for (const depth of DEEPEN) {
        if (isCommitIn(new ObjectStore(gen), sha) || from === null) break;
        await fetchShallow(from, depth);
      }
      if (isCommitIn(new ObjectStore(gen), sha)) {
        changed.push(sha);
        delete state.missing[sha];
      } else {
        missing[sha] = `commit ${sha} cannot be obtained from ${redactUrl(url)} (not on ${from ?? 'any branch'})`;
      }
    }
    if (transport.failure) throw new SkillsyncError('ESOURCE_UNREACHABLE', transport.failure.reason, {}, 'retry');
    for (const f of readdirSync(join(gen, 'objects', 'pack'))) {
      if (f.endsWith('.pack') && !oldPacks.has(f) && !verifyPack(join(gen, 'objects', 'pack', f))) {
        const why = serverSaid === null ? 'the pack arrived damaged (checksum mismatch)' : `the server stopped sending the pack (it said "${serverSaid}")`;
        throw new SkillsyncError('ESOURCE_UNREACHABLE', why, {}, 'retry');
      }
    }
    const next: CacheState = { ...state, refs: nextRefs, head: ad.head ?? state.head, missing: { ...state.missing, ...missing }, fetchedAt: opts.now(), attemptAt: opts.now(), error: null };
    stillOurs();
    state = commitGeneration(dir, next, gen);
    gen = null;
    return { url, dir, state, changed };
  };
  const running = work();
  running.catch(() => {});
  try {
    return await Promise.race([running, failed]);
  } catch (err) {
    over = true;
    const reason = transport.failure?.reason ?? reasonOf(err);
    // isomorphic-git goes on with what it had received and would write that pack into the
    // generation after it was removed (its writes make missing folders): let it end first.
    transport.close();
    await settled(running, ABANDONED_WORK_WAIT_MS);
    if (gen !== null) discardGeneration(gen);
    state = { ...readCacheState(dir, redactUrl(url)), attemptAt: opts.now(), error: reason };
    writeCacheState(dir, state);
    return { url, dir, state, changed: [], error: reason };
  } finally {
    over = true;
    transport.close();
  }
}

/** How long a failed fetch waits for the abandoned work to notice before its generation is removed. */
const ABANDONED_WORK_WAIT_MS = 30_000;

function settled(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([p.then(() => undefined, () => undefined), late]).finally(() => clearTimeout(timer));
}

/** isomorphic-git's errors in words; never their data (which may hold request headers). */
function reasonOf(err: unknown): string {
  const e = err as { code?: string; message?: string; data?: { statusCode?: number } };
  if (e?.code === 'HttpError' && e.data?.statusCode) return `the server answered HTTP ${e.data.statusCode}`;
  if (e?.code === 'ParseError' || e?.code === 'InternalError') return 'the answer was cut off or malformed';
  if (e instanceof SkillsyncError) return e.message;
  const msg = String(e?.message ?? err).split('\n')[0]!.replace(/authorization[^\s]*\s+\S+/gi, '');
  return `fetch failed: ${msg.slice(0, 200)}`;
}
