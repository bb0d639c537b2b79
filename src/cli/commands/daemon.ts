import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';

export const daemon: Command = async (cli, argv) => {
  need(parseArgs(argv, {}), 0, 'daemon');
  const { runDaemon } = await import('../../daemon/run.js');
  return runDaemon(cli);
};
