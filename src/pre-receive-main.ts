// The pre-receive hook program of a workspace repository (git runs it with the
// repository as its working directory and the pushed updates on stdin).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { preReceive } from './workspace/pre-receive.js';

try {
  const gitdir = resolve(process.env.GIT_DIR ?? '.');
  const verdict = preReceive(gitdir, readFileSync(0, 'utf8'), process.env);
  for (const l of verdict.lines) process.stderr.write(l + '\n');
  process.exitCode = verdict.ok ? 0 : 1;
} catch (err) {
  // A hook that cannot decide must not let an unchecked commit in.
  process.stderr.write(`skillsync: refusing main: the check could not run (${(err as Error).message}); nothing was changed\n`);
  process.exitCode = 1;
}
