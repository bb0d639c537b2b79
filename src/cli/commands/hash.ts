import type { Command } from '../context.js';
import { existsSync, lstatSync } from 'node:fs';
import { SkillsyncError } from '../../core/errors.js';
import { hashDirectory } from '../../git/dir-tree.js';

export const hash: Command = async (cli, a) => {
  const [dir] = a.positionals;
  if (!existsSync(dir) || !lstatSync(dir).isDirectory()) throw new SkillsyncError('ENOT_DIR', `${dir} is not a directory`, { path: dir });
  const r = hashDirectory(dir);
  cli.emit({ tree: r.oid, files: r.files }, () => r.oid);
  return 0;
};
