// fetch [<source>...]: contact the remote repositories now and say what changed.
import type { Command } from '../context.js';
import { discover } from '../../workspace/discovery.js';
import { refreshRemotes } from '../../remote/refresh.js';
import { changedPlugins, skillTrees } from '../../remote/changes.js';
import { unreachableLine } from '../../remote/status.js';

export const fetch: Command = async (cli, p) => {
  const ctx = cli.ctx(true);
  const before = skillTrees(discover(ctx));
  const reports = await refreshRemotes(ctx.config, ctx.paths.cache, { only: p.positionals });
  const plugins = changedPlugins(before, skillTrees(discover(ctx, true)));
  const unreachable = reports.filter((r) => r.error !== undefined);
  cli.emit({ remotes: reports, plugins }, () => {
    if (!reports.length) return 'no remote sources';
    const lines = [`${reports.length} remote(s): ${reports.length - unreachable.length} reachable, ${unreachable.length} unreachable; ${plugins.length} plugin(s) changed`];
    for (const r of reports) if (r.changed.length && !r.error) lines.push(`${r.url}: ${r.changed.length} new (${r.changed.slice(0, 5).map((c) => (/^[0-9a-f]{40}$/.test(c) ? c.slice(0, 12) : c)).join(', ')})`);
    for (const c of plugins) lines.push(`  ${c.plugin}: ${c.skills.map((s) => `${s.name} ${s.change}`).join(', ') || 'appeared or vanished'}`);
    return lines.join('\n');
  });
  for (const r of unreachable) process.stderr.write(`skillsync: ${unreachableLine(r)}\n`);
  return unreachable.length ? 1 : 0;
};
