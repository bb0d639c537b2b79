import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { loadConfig } from '../../config.js';

export const daemon: Command = async (cli, argv) => {
  need(parseArgs(argv, {}), 0, 'daemon');
  const { runDaemon } = await import('../../daemon/run.js');
  const file = cli.g.config ?? process.env.SKILLSYNC_CONFIG;
  const reload = () => loadConfig({ file, explicit: file !== undefined, workspace: cli.g.workspace });
  return runDaemon({ config: cli.config(), reload, verbose: cli.g.verbose });
};
