import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { syncAll, type PluginSyncResult } from '../../workspace/sync.js';
import { discover, unknownPlugin } from '../../workspace/discovery.js';
import { readMainState } from '../../workspace/state.js';
import { listProposals } from '../../workspace/proposals.js';
import { dryRunContext } from '../../workspace/dry-run.js';
import { sourceErrors } from '../source-errors.js';
import { refreshRemotes } from '../../remote/refresh.js';
import { unreachableLine } from '../../remote/status.js';
import { gateMain } from '../../workspace/main-gate.js';

function pluginJson(p: PluginSyncResult) {
  const { error, errorCode, ...rest } = p;
  return { ...rest, ...(error ? { error: { code: errorCode ?? 'EINTERNAL', message: error } } : {}) };
}

export const sync: Command = async (cli, a) => {
  const dry = a.flags['dry-run'] === true;
  const ctx = dry ? dryRunContext(cli.ctx()) : cli.ctx();
  const remotes = a.flags.offline === true || dry ? [] : await refreshRemotes(ctx.config, ctx.paths.cache);
  ctx.discovery.invalidate(); // the sources as they are after the fetch
  // `sync nope` and `enable nope` say the same thing about a plugin nobody knows.
  const state = readMainState(ctx);
  for (const id of a.positionals) if (!state.plugins.has(id) && !discover(ctx).plugins.some((p) => p.id === id)) throw unknownPlugin(ctx, id);
  const r = await withLock(ctx, `sync ${a.positionals.join(' ')}`.trim(), () => syncAll(ctx, a.positionals));
  const src = sourceErrors(discover(ctx).errors);
  const conflicted = listProposals(ctx).filter((p) => p.conflicts.length > 0);
  const json = { plugins: r.plugins.map(pluginJson), errors: discover(ctx).errors, durationMs: r.durationMs, ...(dry ? { dryRun: true } : {}) };
  cli.emit(json, () => {
    const lines: string[] = [];
    for (const e of src.all) lines.push(`error: source ${e.source}: ${e.message} [${e.code}]`);
    if (!r.plugins.length) lines.push(src.all.length ? 'no enabled plugins could be synced' : "no enabled plugins; 'skillsync plugins' lists what can be enabled");
    else {
      const counts: Record<string, number> = {};
      for (const pl of r.plugins) counts[pl.status] = (counts[pl.status] ?? 0) + 1;
      lines.push(`${r.plugins.length} plugin(s): ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')} (${r.durationMs} ms)`);
    }
    for (const pl of r.plugins) {
      const busy = pl.skills.some((s) => !(s.classification === 'unchanged' && s.action === 'none'));
      if (pl.status === 'synced' && !busy) continue;
      lines.push(`${pl.id}: ${pl.status}${pl.error ? ' — ' + pl.error : ''}`);
      for (const s of pl.skills) {
        if (s.classification === 'unchanged' && s.action === 'none') continue;
        lines.push(`  ${s.name}  ${s.classification}  ${dry ? 'would: ' : ''}${s.action}${s.proposal ? '  ' + s.proposal : ''}${s.conflicts ? `  (${s.conflicts} conflict${s.conflicts > 1 ? 's' : ''})` : ''}${s.version ? '  ' + s.version : ''}${s.error ? '  ' + s.error : ''}`);
      }
    }
    if (conflicted.length && !dry) lines.push(`${conflicted.length} proposal(s) have conflicts to resolve: skillsync show ${conflicted[0].id}`);
    if (dry) lines.push('dry run: nothing was written');
    return lines.join('\n');
  });
  const unreachable = remotes.filter((x) => x.error !== undefined);
  for (const x of unreachable) process.stderr.write(`skillsync: ${unreachableLine(x)}\n`);
  if (r.plugins.some((x) => x.status === 'error') || src.failed.length || unreachable.length) return 1;
  return conflicted.length || src.needsYou.length || (!dry && gateMain(ctx, false).blocked) ? 3 : 0;
};
