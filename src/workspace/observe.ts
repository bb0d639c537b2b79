// Upstream observations: per plugin and skill, a chain of commits whose
// trees are exactly what the source held, one commit each time it changed.
import { readRef } from '../git/refs.js';
import { upstreamRef } from './layout.js';
import { formatMessage } from '../core/trailers.js';
import type { PluginManifest } from '../plugins/types.js';
import type { Ctx } from './context.js';
import type { Txn } from './txn.js';
import type { RefIndex } from './ref-index.js';
import type { StatCaches } from './stat-cache.js';

export interface Observation {
  commit: string | null;
  tree: string | null;
}

export function readObservation(ctx: Ctx, plugin: string, skill: string, known?: { refs: RefIndex; caches: StatCaches }): Observation {
  const commit = known ? (known.refs.upstreamOf(plugin).get(upstreamRef(plugin, skill)) ?? null) : readRef(ctx.refs, upstreamRef(plugin, skill));
  if (!commit) return { commit: null, tree: null };
  const cached = known?.caches.observationTree(plugin, skill, commit);
  if (cached) return { commit, tree: cached };
  const tree = ctx.store.readCommit(commit).tree;
  known?.caches.rememberObservation(plugin, skill, commit, tree);
  return { commit, tree };
}

/** Record `tree` as the newest observation when it differs from the last one. */
export function recordObservation(txn: Txn, plugin: PluginManifest, skill: string, skillPath: string, tree: string, prev: Observation): string | null {
  if (prev.tree === tree) return null;
  const sig = txn.signature();
  const msg = formatMessage(`upstream ${plugin.id}/${skill} @ ${plugin.version}: tree ${tree.slice(0, 12)}`, '', [
    ['Plugin', plugin.id],
    ['Plugin-Version', plugin.version],
    ['Skill', skill],
    ['Source', `${plugin.source.display}${skillPath ? ':' + skillPath : ''}`],
  ]);
  const commit = txn.ctx.store.writeCommit({ tree, parents: prev.commit ? [prev.commit] : [], author: sig, committer: sig, message: msg });
  txn.setRef(upstreamRef(plugin.id, skill), commit, prev.commit);
  return commit;
}
