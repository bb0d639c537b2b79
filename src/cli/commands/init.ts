import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { initWorkspaceDirs } from '../../workspace/context.js';
import { workspacePaths } from '../../workspace/layout.js';

export const init: Command = async (cli, argv) => {
  need(parseArgs(argv, {}), 0, 'init');
  const paths = workspacePaths(cli.config().workspace);
  const created = initWorkspaceDirs(paths);
  cli.emit({ workspace: paths.root, repository: paths.gitdir, created }, () =>
    `${created ? 'created' : 'already initialised'}: ${paths.root}\nrepository: ${paths.gitdir}  (git --git-dir ${paths.gitdir} log)`,
  );
  return 0;
};
