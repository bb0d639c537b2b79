// The commits reachable from some tips and not from others (`git rev-list A --not B`),
// walked newest first by committer time with both sides painted, as git's merge-base
// walk does: it stops when only excluded commits are left, so an old history is not read.
import type { ObjectStore } from './objects.js';

const NEW = 1;
const OLD = 2;

export function newCommits(store: ObjectStore, tips: string[], excludes: string[], limit = 10_000): string[] {
  const flags = new Map<string, number>();
  const time = new Map<string, number>();
  const queue: string[] = [];
  const push = (oid: string, flag: number) => {
    const had = flags.get(oid) ?? 0;
    if ((had | flag) === had) return;
    flags.set(oid, had | flag);
    if (!time.has(oid)) {
      try {
        time.set(oid, store.readCommit(oid).committer.timestamp);
      } catch {
        time.set(oid, 0); // missing (shallow, or not a commit): nothing below it
      }
    }
    queue.push(oid);
  };
  for (const t of excludes) push(t, OLD);
  for (const t of tips) push(t, NEW);
  const out: string[] = [];
  const seen = new Set<string>();
  while (queue.length) {
    if (!queue.some((c) => !((flags.get(c) ?? 0) & OLD))) break; // only excluded commits left
    let best = 0;
    for (let i = 1; i < queue.length; i++) if (time.get(queue[i])! > time.get(queue[best])!) best = i;
    const c = queue.splice(best, 1)[0];
    const f = flags.get(c)!;
    let parents: string[] = [];
    try {
      parents = store.readCommit(c).parents;
    } catch {
      parents = [];
    }
    for (const p of parents) push(p, f & OLD ? OLD : NEW);
    if (!(f & OLD) && !seen.has(c)) {
      seen.add(c);
      out.push(c);
      if (out.length >= limit) break;
    }
  }
  // A commit painted OLD after it was emitted is reachable from an exclude.
  return out.filter((c) => !((flags.get(c) ?? 0) & OLD));
}
