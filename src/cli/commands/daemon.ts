import type { Command } from '../context.js';

export const daemon: Command = async (cli) => {
  const { runDaemon } = await import('../../daemon/run.js');
  return runDaemon(cli);
};
