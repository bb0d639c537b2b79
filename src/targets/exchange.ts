// Swapping a folder for another one. rename(2) cannot replace a non-empty directory,
// and "rename the old away, rename the new in" leaves a moment with no folder at all.
// Linux's renameat2(RENAME_EXCHANGE) swaps two paths atomically; Node has no binding,
// so it is called through perl's syscall() (perl-base is part of every Debian/Ubuntu
// system): one spawn, ~3 ms. Without it, the two-rename fallback is used.
import { spawnSync } from 'node:child_process';
import { renameSync } from 'node:fs';

// renameat2 syscall numbers per architecture (x86_64, arm64/riscv64 generic table, ...).
const SYS_RENAMEAT2: Partial<Record<string, number>> = { x64: 316, arm64: 276, riscv64: 276, ia32: 353, arm: 382, ppc64: 357, s390x: 347 };
const RENAME_EXCHANGE = 2;
const AT_FDCWD = -100;
const SCRIPT = `syscall(${'$ARGV[2]'}, ${AT_FDCWD}, $ARGV[0], ${AT_FDCWD}, $ARGV[1], ${RENAME_EXCHANGE}) == 0 or do { print STDERR ($!+0); exit 1 }`;

export interface Exchanger {
  /** True when swaps are atomic on this system (checked on first use). */
  atomic: boolean | null;
}

export function newExchanger(): Exchanger {
  return { atomic: null };
}

/** Atomically swap `a` and `b` (both exist). Returns false when this system cannot. */
export function exchange(ex: Exchanger, a: string, b: string): boolean {
  const nr = SYS_RENAMEAT2[process.arch];
  if (ex.atomic === false || process.platform !== 'linux' || nr === undefined) {
    ex.atomic = false;
    return false;
  }
  const r = spawnSync('perl', ['-e', SCRIPT, a, b, String(nr)], { encoding: 'utf8', timeout: 10_000 });
  if (r.status === 0) {
    ex.atomic = true;
    return true;
  }
  const errno = Number(r.stderr);
  // ENOSYS / EINVAL (kernel or file system without RENAME_EXCHANGE) or no perl: fall back.
  if (r.error || errno === 38 || errno === 22 || !Number.isFinite(errno) || errno === 0) {
    ex.atomic = false;
    return false;
  }
  const err = new Error(`renameat2 ${a} ${b}: errno ${errno}`) as NodeJS.ErrnoException;
  err.code = errno === 13 ? 'EACCES' : errno === 1 ? 'EPERM' : errno === 28 ? 'ENOSPC' : errno === 2 ? 'ENOENT' : 'EIO';
  throw err;
}

/**
 * Put `fresh` where `dest` is, keeping the old one at `aside` (to be removed by the caller).
 * Atomic when the exchange works; otherwise two renames, and a reader may find nothing
 * at `dest` for that moment (the next pass restores `dest` from `aside` if killed between).
 */
export function swapIn(ex: Exchanger, fresh: string, dest: string, aside: string): void {
  if (exchange(ex, fresh, dest)) {
    renameSync(fresh, aside); // fresh now holds the old folder
    return;
  }
  renameSync(dest, aside);
  renameSync(fresh, dest);
}
