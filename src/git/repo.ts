// Create a bare repository the git CLI accepts (what `git init --bare -b main` writes).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function initBareRepo(gitdir: string): boolean {
  if (existsSync(join(gitdir, 'HEAD'))) return false;
  for (const d of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info', 'skillsync-tmp']) {
    mkdirSync(join(gitdir, d), { recursive: true });
  }
  writeFileSync(
    join(gitdir, 'config'),
    '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n[receive]\n\t# proposals are merged and pushed back like any branch\n\tdenyDeletes = false\n',
  );
  writeFileSync(join(gitdir, 'description'), 'skillsync workspace: published agent skills\n');
  // HEAD last: its presence is what marks the repository as initialised.
  writeFileSync(join(gitdir, 'HEAD'), 'ref: refs/heads/main\n');
  return true;
}
