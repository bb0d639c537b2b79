// What the pre-receive hook decides: each update of refs/heads/main is refused unless
// every new commit in it (not yet reachable from any branch) passes the checks against
// the last commit known good. Objects of a push are still in git's quarantine, so the
// store reads GIT_OBJECT_DIRECTORY and the alternates git names.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_SAFETY_POLICY, type SafetyPolicy } from '../core/safety/index.js';
import { printable } from '../core/tree-entries.js';
import { ObjectStore } from '../git/objects.js';
import { listRefs } from '../git/refs.js';
import { newCommits } from '../git/revwalk.js';
import { HOOK_POLICY } from './hook.js';
import { checkCommit, readGate } from './main-gate.js';
import { MAIN } from './layout.js';

const ZERO = /^0{40}$/;

export interface HookVerdict {
  ok: boolean;
  /** One line per refused commit problem, for the pusher's terminal. */
  lines: string[];
}

function policyOf(gitdir: string): SafetyPolicy {
  try {
    return JSON.parse(readFileSync(join(gitdir, 'hooks', HOOK_POLICY), 'utf8')) as SafetyPolicy;
  } catch {
    return DEFAULT_SAFETY_POLICY;
  }
}

export function preReceive(gitdir: string, input: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): HookVerdict {
  const updates = input
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter((p) => p.length === 3 && p[2] === MAIN);
  if (updates.length === 0) return { ok: true, lines: [] };
  const store = new ObjectStore(gitdir, {
    objectsDir: env.GIT_OBJECT_DIRECTORY ? resolve(cwd, env.GIT_OBJECT_DIRECTORY) : undefined,
    alternates: (env.GIT_ALTERNATE_OBJECT_DIRECTORIES ?? '').split(':').filter(Boolean).map((d) => resolve(cwd, d)),
  });
  const ctx = { store, config: { safety: policyOf(gitdir) } };
  const lines: string[] = [];
  for (const [old, next] of updates) {
    if (ZERO.test(next)) {
      lines.push('skillsync: refusing to delete main: it is what the live view and every target serve');
      continue;
    }
    const good = readGate(join(gitdir, '..', 'cache'))?.lastGood ?? (ZERO.test(old) ? null : old);
    const heads = [...listRefs(gitdir, 'refs/heads/').values()];
    const commits = newCommits(store, [next], ZERO.test(old) ? heads : [old, ...heads]).reverse();
    for (const c of commits) {
      const b = checkCommit(ctx, c, good);
      if (!b) continue;
      const subject = store.readCommit(c).message.split('\n')[0];
      for (const p of b.problems.slice(0, 5)) {
        const skill = /^skills\/([^/]+)/.exec(p.path)?.[1];
        lines.push(`skillsync: refusing main: commit ${c.slice(0, 12)} ${printable(subject.slice(0, 60))}${skill ? `, skill ${skill}` : ''}: ${p.rule}: ${p.message}`);
      }
      lines.push(`skillsync: fix the commit (resolve markers, remove the finding) and push again; proposal branches may hold markers, main may not`);
      break;
    }
  }
  return { ok: lines.length === 0, lines };
}
