// Help text, rendered from the command table.
import { COMMANDS, GLOBAL_FLAGS, type FlagDef } from './table.js';
import { synopsis } from './parse.js';

function flagLines(flags: Record<string, FlagDef>): string[] {
  const rows = Object.entries(flags).map(([k, f]) => [`${f.short ? `-${f.short}, ` : '    '}--${k}${f.type === 'string' ? ' ' + (f.value ?? '<value>') : ''}`, f.desc]);
  const w = Math.max(0, ...rows.map((r) => r[0].length));
  return rows.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`);
}

export function topHelp(): string {
  const names = Object.keys(COMMANDS);
  const w = Math.max(...names.map((k) => k.length));
  return [
    `usage: ${synopsis(null)}`,
    '',
    'Git-native sync of agent skills: plugins are mirrored into a workspace git repository,',
    'upstream updates become proposal branches with a real three-way merge.',
    '',
    'commands:',
    ...names.map((k) => `  ${k.padEnd(w)}  ${COMMANDS[k].summary}`),
    '',
    'options:',
    ...flagLines({ ...GLOBAL_FLAGS, version: { type: 'boolean', short: 'V', desc: 'print the version' } }),
    '',
    "exit codes: 0 ok, 1 error, 2 usage, 3 done but something needs you (conflicts, unreachable sources, blocked main)",
    "'skillsync help <command>' (or 'skillsync <command> --help') for a command's flags and an example.",
  ].join('\n');
}

export function commandHelp(name: string): string {
  const c = COMMANDS[name];
  const lines = [`usage: ${synopsis(name)}`, '', `${c.summary[0].toUpperCase()}${c.summary.slice(1)}.`];
  if (c.details) lines.push('', c.details);
  if (c.flags && Object.keys(c.flags).length) lines.push('', 'options:', ...flagLines(c.flags));
  if (!c.light) lines.push('', 'global options:', ...flagLines(GLOBAL_FLAGS));
  lines.push('', 'example:', `  ${c.example}`);
  return lines.join('\n');
}
