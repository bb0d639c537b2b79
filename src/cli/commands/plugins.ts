import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { listPlugins } from '../../workspace/inspect.js';

export const plugins: Command = async (cli, argv) => {
  need(parseArgs(argv, {}), 0, 'plugins');
  const { plugins: list, errors } = listPlugins(cli.ctx(true));
  for (const e of errors) cli.warn(`${e.source}${e.path ? '/' + e.path : ''}: ${e.message} [${e.code}]`);
  cli.emit(list, () => {
    if (!list.length) return 'no plugins discovered; add plugin folders to `sources` in the config';
    const lines: string[] = [];
    for (const p of list) {
      lines.push(`${p.id} ${p.version}  ${p.status}${p.paused ? ' (paused)' : ''}  ${p.source}`);
      for (const s of p.skills) lines.push(`  ${s.name}  ${s.status}${s.version ? '  ' + s.version : ''}${s.proposal ? '  proposal ' + s.proposal : ''}`);
      for (const w of p.warnings ?? []) lines.push(`  warning: ${w}`);
    }
    return lines.join('\n');
  });
  return 0;
};
