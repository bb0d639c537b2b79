// Remote repositories as plugin sources, read from their cache repositories only: a
// configured remote source at the ref last fetched, and the resolver that opens the
// repository and commit a remote marketplace entry names. Nothing here uses the network.
import { ObjectStore } from '../git/objects.js';
import { displayName } from '../core/names.js';
import { SkillsyncError } from '../core/errors.js';
import { createGitSource, type GitSourceTree } from '../plugins/git-source.js';
import type { RemoteRef, RemoteResolver, SourceTree } from '../plugins/types.js';
import { cacheDirFor, genDir, readCacheState, type CacheState } from './cache.js';
import type { RemoteConfig } from './config.js';
import { effectiveUrl, redactUrl } from './url.js';

/** The commit a ref names in what was fetched ('HEAD' or undefined: the default branch). */
export function fetchedCommit(state: CacheState, ref: string | undefined): string | null {
  if (ref === undefined || ref === 'HEAD') return (state.head && state.refs[state.head]) || state.refs.HEAD || null;
  for (const r of ref.startsWith('refs/') ? [ref] : [`refs/heads/${ref}`, `refs/tags/${ref}`]) if (state.refs[r]) return state.refs[r]!;
  return null;
}

/** Why nothing usable was fetched from a remote, as the end of a sentence. */
export function notFetched(state: CacheState): string {
  if (state.error !== null) return `is unreachable: ${state.error}${state.fetchedAt ? '' : '; nothing was fetched yet'}; skillsync retries on the next fetch`;
  return "has not been fetched yet; run 'skillsync fetch'";
}

export class RemoteRepos {
  private readonly stores = new Map<string, ObjectStore>();
  private readonly trees = new Map<string, GitSourceTree>();

  constructor(
    readonly cacheDir: string,
    readonly config: RemoteConfig,
  ) {}

  state(url: string): { dir: string; state: CacheState } {
    const dir = cacheDirFor(this.cacheDir, url);
    return { dir, state: readCacheState(dir, redactUrl(url)) };
  }

  /** The tree of `url` at a commit or ref, as last fetched; throws ESOURCE_UNREACHABLE / EREMOTE_SHA. */
  open(url: string, written: string, need: { ref?: string; sha?: string }, subPath: string, who: string): GitSourceTree {
    const { dir, state } = this.state(url);
    const gen = genDir(dir, state);
    const shown = redactUrl(written);
    if (gen === null) throw new SkillsyncError('ESOURCE_UNREACHABLE', `${who}: remote ${shown} ${notFetched(state)}`, { url: shown }, 'retry');
    let store = this.stores.get(gen);
    if (store === undefined) this.stores.set(gen, (store = new ObjectStore(gen, { checkTrees: 'object', source: `${shown} (fetched into ${gen})` }))); // a stranger's trees
    let commit: string | null;
    if (need.sha !== undefined) {
      commit = store.has(need.sha) ? need.sha : null;
      if (commit === null) {
        const why = state.missing[need.sha] ?? (state.error !== null ? `${shown} is unreachable: ${state.error}` : `it has not been fetched yet; run 'skillsync fetch'`);
        throw new SkillsyncError('EREMOTE_SHA', `${who}: commit ${need.sha} of ${shown} cannot be read: ${why.replace(/^commit \S+ cannot be obtained from /, 'not obtainable from ')}`, { url: shown, sha: need.sha }, 'retry');
      }
    } else {
      commit = fetchedCommit(state, need.ref);
      if (commit === null) {
        const why = state.missing[`ref:${need.ref ?? 'HEAD'}`] ?? `${shown} ${notFetched(state)}`;
        throw new SkillsyncError('ESOURCE_UNREACHABLE', `${who}: ${need.ref ? `ref ${displayName(need.ref)} of ` : ''}${why}`, { url: shown }, 'retry');
      }
    }
    const at = need.sha !== undefined ? need.sha.slice(0, 12) : (need.ref ?? 'HEAD');
    const key = `${gen}\0${commit}\0${subPath}`;
    let tree = this.trees.get(key);
    if (tree === undefined) {
      const name = (subPath || new URL(written.includes('://') ? written : url).pathname).replace(/\/+$/, '').replace(/\.git$/, '').split('/').pop() || 'repository';
      tree = createGitSource(gen, commit, subPath, { display: `${shown}@${at}${subPath ? ':' + subPath : ''}`, remote: url, store, name });
      this.trees.set(key, tree);
    }
    return tree;
  }

  /** A configured remote source, at the ref last fetched. */
  openSource(spec: { url: string; ref?: string; path: string }, key: string): GitSourceTree {
    const url = effectiveUrl(spec.url, this.config.urlRewrites, key, true);
    return this.open(url, spec.url, { ref: spec.ref }, spec.path, `source ${redactUrl(spec.url)}`);
  }

  /** Where a marketplace entry's URL really goes; strangers' URLs are held to https. */
  entryUrl(ref: RemoteRef, from: SourceTree, pluginId: string): string | null {
    if (ref.url === '.') return (from as Partial<GitSourceTree>).remote ?? null;
    return effectiveUrl(ref.url, this.config.urlRewrites, `plugin ${displayName(pluginId)}`, false);
  }

  resolver(): RemoteResolver {
    return {
      resolve: (ref, from, pluginId) => {
        try {
          const url = this.entryUrl(ref, from, pluginId);
          const need = ref.sha !== undefined ? { sha: ref.sha, ref: ref.ref } : { ref: ref.ref };
          const folder = `${ref.url === '.' ? '.' : redactUrl(ref.url)}#${ref.path}`;
          if (url === null) {
            // "./" of a local git marketplace: another commit of that same repository.
            const g = from as GitSourceTree;
            const src = createGitSource(g.root, need.sha ?? need.ref ?? g.commit, '', { display: `${g.root}@${(need.sha ?? need.ref ?? g.commit).slice(0, 12)}`, store: g.store });
            return { source: src, path: ref.path, folder };
          }
          return { source: this.open(url, ref.url === '.' ? url : ref.url, need, '', `plugin ${displayName(pluginId)}`), path: ref.path, folder };
        } catch (err) {
          const e = err as SkillsyncError;
          return { code: e.code ?? 'ESOURCE_UNREACHABLE', message: e.message.replace(/^plugin "[^"]*": /, '') };
        }
      },
    };
  }
}
