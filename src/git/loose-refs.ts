// Loose refs (refs/files-backend.c): one file per ref under the repository, holding
// an oid or `ref: <name>`. Names are checked before they become paths.
import { readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SkillsyncError } from '../core/errors.js';
import { isOid } from './hash.js';

export function refPath(gitdir: string, name: string): string {
  if (!/^(HEAD|refs\/[^\0]+)$/.test(name) || name.split('/').some((p) => p === '' || p === '.' || p === '..' || p.endsWith('.lock'))) {
    throw new SkillsyncError('EREF_NAME', `invalid ref name ${JSON.stringify(name)}`, { name });
  }
  return join(gitdir, name);
}

/** The content of a loose ref, or null when there is none (or a folder sits there). */
export function readLoose(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENAMETOOLONG') return null;
    throw err;
  }
}

/** 'file', 'dir' or null for the loose path of a ref name. */
export function looseKind(gitdir: string, name: string): 'file' | 'dir' | null {
  try {
    // Most names asked about do not exist: no exception built for each (a ref conflict check asks ~4 per ref).
    const st = statSync(join(gitdir, name), { throwIfNoEntry: false });
    return st ? (st.isDirectory() ? 'dir' : 'file') : null;
  } catch {
    return null; // ENOTDIR: a ref file where a folder is asked for
  }
}

/** Loose refs under a prefix ('refs/heads/proposals/' or an exact name's folder). */
export function listLoose(gitdir: string, prefix: string, out = new Map<string, string>()): Map<string, string> {
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = readdirSync(join(gitdir, rel));
    } catch {
      return;
    }
    for (const n of names) {
      if (n.endsWith('.lock') || n.startsWith('.')) continue;
      const r = `${rel}/${n}`;
      let st;
      try {
        st = statSync(join(gitdir, r));
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(r);
      else if (r.startsWith(prefix)) {
        const v = readLoose(join(gitdir, r));
        if (v && isOid(v)) out.set(r, v);
      }
    }
  };
  walk(prefix.endsWith('/') ? prefix.slice(0, -1) : dirname(prefix));
  return out;
}

/** Remove folders left empty by a deleted ref, up to (not including) refs/heads and refs/tags. */
export function pruneEmptyDirs(gitdir: string, dir: string): void {
  const stop = [join(gitdir, 'refs'), join(gitdir, 'refs', 'heads'), join(gitdir, 'refs', 'tags')];
  while (dir.startsWith(join(gitdir, 'refs')) && !stop.includes(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
    dir = dirname(dir);
  }
}
