import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { listPlugins } from '../../workspace/inspect.js';
import { fetchNeverFetched } from '../../remote/refresh.js';
import { attachRemoteState, remoteStatuses, unreachableLine, type RemoteStatus } from '../../remote/status.js';

export const plugins: Command = async (cli, argv) => {
  need(parseArgs(argv, {}), 0, 'plugins');
  const ctx = cli.ctx(true);
  await fetchNeverFetched(ctx.config, ctx.paths.cache);
  const { plugins: views, errors } = listPlugins(ctx);
  const list: Array<(typeof views)[number] & { remote?: Partial<RemoteStatus> }> = views;
  for (const e of errors) cli.warn(`${e.source}${e.path ? '/' + e.path : ''}: ${e.message} [${e.code}]`);
  for (const r of remoteStatuses(ctx.config, ctx.paths.cache)) if (r.status === 'unreachable') cli.warn(unreachableLine(r));
  attachRemoteState(ctx, list);
  cli.emit(list, () => {
    if (!list.length) return 'no plugins discovered; add plugin folders to `sources` in the config';
    const lines: string[] = [];
    for (const p of list) {
      lines.push(`${p.id} ${p.version}  ${p.status}${p.paused ? ' (paused)' : ''}  ${p.source}`);
      for (const s of p.skills) lines.push(`  ${s.name}  ${s.status}${s.version ? '  ' + s.version : ''}${s.proposal ? '  proposal ' + s.proposal : ''}`);
      for (const w of p.warnings ?? []) lines.push(`  warning: ${w}`);
      if (p.remote && p.remote.status !== 'ok') lines.push(`  ${p.remote.status}: ${p.remote.reason}${p.remote.lastGoodFetch ? `; last good fetch ${p.remote.lastGoodFetch}` : ''}`);
    }
    return lines.join('\n');
  });
  return 0;
};
