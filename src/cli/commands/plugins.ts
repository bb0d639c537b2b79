import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { listPlugins } from '../../workspace/inspect.js';
import { findingLine, publishedSafety } from '../../workspace/safety-view.js';

export const plugins: Command = async (cli, argv) => {
  need(parseArgs(argv, {}), 0, 'plugins');
  const ctx = cli.ctx(true);
  const { plugins: found, errors } = listPlugins(ctx);
  // Every published skill's findings (--json: all of them; text: the highest).
  const safety = publishedSafety(ctx);
  const list = found.map((p) => ({ ...p, skills: p.skills.map((s) => ({ ...s, safety: safety.get(s.name) ?? [] })) }));
  for (const e of errors) cli.warn(`${e.source}${e.path ? '/' + e.path : ''}: ${e.message} [${e.code}]`);
  cli.emit(list, () => {
    if (!list.length) return 'no plugins discovered; add plugin folders to `sources` in the config';
    const lines: string[] = [];
    for (const p of list) {
      lines.push(`${p.id} ${p.version}  ${p.status}${p.paused ? ' (paused)' : ''}  ${p.source}`);
      for (const s of p.skills) lines.push(`  ${s.name}  ${s.status}${s.version ? '  ' + s.version : ''}${s.proposal ? '  proposal ' + s.proposal : ''}${s.safety.length ? `  safety: ${findingLine(s.safety[0])}${s.safety.length > 1 ? ` (+${s.safety.length - 1})` : ''}` : ''}`);
      for (const w of p.warnings ?? []) lines.push(`  warning: ${w}`);
    }
    return lines.join('\n');
  });
  return 0;
};
