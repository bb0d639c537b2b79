// Preload (node --import) for exact crash points: SIGKILL this process at the Nth system
// call that tries to make a `<name>.lock` file appear in workspace.git
// (SKILLSYNC_KILL_AT_LOCK=N): right after it (the lock exists), or with
// SKILLSYNC_KILL_BEFORE=1 right before it; SKILLSYNC_KILL_MATCH counts only lock paths
// containing that text. Whatever the lock protocol uses to create the
// lock (open with O_EXCL, link), a kill there is the worst case for what it leaves.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const n = Number(process.env.SKILLSYNC_KILL_AT_LOCK || 0);
const before = process.env.SKILLSYNC_KILL_BEFORE === '1';
const match = process.env.SKILLSYNC_KILL_MATCH || 'workspace.git';
const isRefLock = (p) => typeof p === 'string' && p.endsWith('.lock') && p.includes('workspace.git') && p.includes(match);
let seen = 0;

/** Run the real call, killing the process before or after the Nth one on a ref lock. */
function around(path, call) {
  const nth = isRefLock(path) && ++seen === n;
  if (nth && before) process.kill(process.pid, 'SIGKILL');
  const r = call();
  if (nth) process.kill(process.pid, 'SIGKILL');
  return r;
}

if (n > 0) {
  const { openSync, linkSync } = fs;
  fs.openSync = function (p, flags, ...rest) {
    if (!(typeof flags === 'string' && flags.includes('x'))) return openSync.call(this, p, flags, ...rest);
    return around(p, () => openSync.call(this, p, flags, ...rest));
  };
  fs.linkSync = function (a, b) {
    return around(b, () => linkSync.call(this, a, b));
  };
  syncBuiltinESMExports();
}
