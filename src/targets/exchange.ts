// Swapping a folder for another one. rename(2) cannot replace a non-empty directory,
// and "rename the old away, rename the new in" leaves a moment with no folder at all.
// Linux's renameat2(RENAME_EXCHANGE) swaps two paths atomically; Node has no binding,
// so it is called through perl's syscall() (perl-base is part of every Debian/Ubuntu
// system), one process for all the swaps of a pass. Without it, two renames are used.
import { spawnSync } from 'node:child_process';
import { renameSync } from 'node:fs';

// renameat2 syscall numbers per architecture (x86_64, arm64/riscv64 generic table, ...).
const SYS_RENAMEAT2: Partial<Record<string, number>> = { x64: 316, arm64: 276, riscv64: 276, ia32: 353, arm: 382, ppc64: 357, s390x: 347 };
const RENAME_EXCHANGE = 2;
const AT_FDCWD = -100;
// Swaps every pair of arguments after the syscall number; on failure prints "<pair> <errno>".
const SCRIPT = `my $n = shift @ARGV; for (my $i = 0; $i < @ARGV; $i += 2) { syscall($n, ${AT_FDCWD}, $ARGV[$i], ${AT_FDCWD}, $ARGV[$i + 1], ${RENAME_EXCHANGE}) == 0 or do { print STDERR ($i / 2) . " " . ($! + 0); exit 1 } }`;

export interface Exchanger {
  /** True when swaps are atomic on this system (known after first use). */
  atomic: boolean | null;
}

export function newExchanger(): Exchanger {
  return { atomic: null };
}

function errnoError(errno: number, a: string, b: string): NodeJS.ErrnoException {
  const err = new Error(`renameat2 ${a} ${b}: errno ${errno}`) as NodeJS.ErrnoException;
  err.code = errno === 13 ? 'EACCES' : errno === 1 ? 'EPERM' : errno === 28 ? 'ENOSPC' : errno === 2 ? 'ENOENT' : 'EIO';
  return err;
}

/**
 * Atomically swap each pair [a, b] (both exist), in order, with one process for all.
 * Returns how many pairs were swapped: all of them, or 0 when this system cannot
 * (then nothing was swapped and the caller falls back). Throws on a real error.
 */
export function exchangeAll(ex: Exchanger, pairs: [string, string][]): number {
  if (!pairs.length) return 0;
  const nr = SYS_RENAMEAT2[process.arch];
  if (ex.atomic === false || process.platform !== 'linux' || nr === undefined) {
    ex.atomic = false;
    return 0;
  }
  const r = spawnSync('perl', ['-e', SCRIPT, String(nr), ...pairs.flat()], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) {
    ex.atomic = true;
    return pairs.length;
  }
  const m = /^(\d+) (\d+)$/.exec(r.stderr.trim());
  // No perl (or it died before its first swap): nothing was swapped; fall back.
  if (r.error || !m) {
    ex.atomic = false;
    return 0;
  }
  const at = Number(m[1]);
  const errno = Number(m[2]);
  // ENOSYS / EINVAL on the first pair: the kernel or file system has no RENAME_EXCHANGE.
  if (at === 0 && (errno === 38 || errno === 22)) {
    ex.atomic = false;
    return 0;
  }
  throw Object.assign(errnoError(errno, pairs[at][0], pairs[at][1]), { swapped: at });
}

/**
 * Put `fresh` where `dest` is, keeping the old one at `aside` (to be removed by the caller).
 * Atomic when the exchange works; otherwise two renames, and a reader may find nothing
 * at `dest` for that moment (the next pass restores `dest` from `aside` if killed between).
 */
export function swapIn(ex: Exchanger, fresh: string, dest: string, aside: string): void {
  if (exchangeAll(ex, [[fresh, dest]]) === 1) {
    renameSync(fresh, aside); // fresh now holds the old folder
    return;
  }
  renameSync(dest, aside);
  renameSync(fresh, dest);
}
