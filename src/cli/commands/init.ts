import type { Command } from '../context.js';
import { initWorkspaceDirs } from '../../workspace/context.js';
import { workspacePaths } from '../../workspace/layout.js';

export const init: Command = async (cli) => {
  const paths = workspacePaths(cli.config().workspace);
  const created = initWorkspaceDirs(paths);
  cli.emit({ workspace: paths.root, repository: paths.gitdir, created, config: cli.config().file }, () =>
    `${created ? 'created' : 'already initialised'}: ${paths.root}\nrepository: ${paths.gitdir}  (git --git-dir ${paths.gitdir} log)`,
  );
  return 0;
};
