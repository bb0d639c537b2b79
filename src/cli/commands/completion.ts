import type { Command } from '../context.js';
import { UsageError } from '../../core/errors.js';
import { bashCompletion, zshCompletion } from '../completion.js';

export const completion: Command = async (cli, a) => {
  const [shell] = a.positionals;
  const script = shell === 'bash' ? bashCompletion() : shell === 'zsh' ? zshCompletion() : null;
  if (script === null) throw new UsageError(`usage: skillsync completion bash|zsh (unknown shell '${shell}')`);
  cli.emit({ shell, script }, () => script);
  return 0;
};
