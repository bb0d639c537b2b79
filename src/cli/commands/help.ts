import type { Command } from '../context.js';
import { UsageError } from '../../core/errors.js';
import { COMMANDS } from '../table.js';
import { commandHelp, topHelp } from '../help.js';

export const help: Command = async (cli, a) => {
  const [name] = a.positionals;
  if (name && !COMMANDS[name]) throw new UsageError(`usage: unknown command '${name}'; skillsync help [<command>] (see 'skillsync --help')`);
  const text = name ? commandHelp(name) : topHelp();
  cli.emit({ command: name ?? null, help: text }, () => text);
  return 0;
};
