// The pre-receive hook program of a workspace repository (git runs it with the
// repository as its working directory and the pushed updates on stdin). The checks are
// loaded only when main is updated: a push of a proposal branch costs a node start.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

async function main(): Promise<number> {
  const input = readFileSync(0, 'utf8');
  if (!/ refs\/heads\/main$/m.test(input)) return 0;
  const { preReceive } = await import('./workspace/pre-receive.js');
  const verdict = preReceive(resolve(process.env.GIT_DIR ?? '.'), input, process.env);
  for (const l of verdict.lines) process.stderr.write(l + '\n');
  return verdict.ok ? 0 : 1;
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    // A hook that cannot decide must not let an unchecked commit in.
    process.stderr.write(`skillsync: refusing main: the check could not run (${(err as Error).message}); nothing was changed\n`);
    process.exitCode = 1;
  },
);
