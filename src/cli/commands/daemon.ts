import type { Command } from '../context.js';
import { loadConfig } from '../../config.js';

export const daemon: Command = async (cli) => {
  const { runDaemon } = await import('../../daemon/run.js');
  const reload = () => loadConfig({ file: cli.g.config, workspace: cli.g.workspace });
  return runDaemon({ config: cli.config(), reload, verbose: cli.g.verbose });
};
