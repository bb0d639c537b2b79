import { parseArgs } from '../args.js';
import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { syncAll } from '../../workspace/sync.js';
import { refreshRemotes } from '../../remote/refresh.js';
import { unreachableLine } from '../../remote/status.js';

export const sync: Command = async (cli, argv) => {
  const p = parseArgs(argv, { offline: {} });
  const ctx = cli.ctx();
  const remotes = p.flags.offline ? [] : await refreshRemotes(ctx.config, ctx.paths.cache);
  const r = await withLock(ctx, `sync ${p.positionals.join(' ')}`.trim(), () => syncAll(ctx, p.positionals));
  cli.emit({ plugins: r.plugins.map((x) => ({ ...x })), durationMs: r.durationMs }, () => {
    if (!r.plugins.length) return 'no enabled plugins';
    const lines: string[] = [];
    const counts: Record<string, number> = {};
    for (const pl of r.plugins) counts[pl.status] = (counts[pl.status] ?? 0) + 1;
    lines.push(`${r.plugins.length} plugin(s): ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')} (${r.durationMs} ms)`);
    for (const pl of r.plugins) {
      const busy = pl.skills.some((s) => !(s.classification === 'unchanged' && s.action === 'none'));
      if (pl.status === 'synced' && !busy) continue;
      lines.push(`${pl.id}: ${pl.status}${pl.error ? ' — ' + pl.error : ''}`);
      for (const s of pl.skills) {
        if (s.classification === 'unchanged' && s.action === 'none') continue;
        lines.push(`  ${s.name}  ${s.classification}  ${s.action}${s.proposal ? '  ' + s.proposal : ''}${s.conflicts ? `  (${s.conflicts} conflict${s.conflicts > 1 ? 's' : ''})` : ''}${s.version ? '  ' + s.version : ''}${s.error ? '  ' + s.error : ''}`);
      }
    }
    return lines.join('\n');
  });
  const unreachable = remotes.filter((x) => x.error !== undefined);
  for (const x of unreachable) process.stderr.write(`skillsync: ${unreachableLine(x)}\n`);
  return r.plugins.some((x) => x.status === 'error') || unreachable.length ? 1 : 0;
};
