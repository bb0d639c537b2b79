// A bounded race driver for the snapshot's file-system races: swaps two paths with
// renameat2(RENAME_EXCHANGE) in a tight loop (python3 + ctypes; Node has no binding),
// so a reader sees either one or the other at every system call, never a missing name.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = `
import ctypes, os, random, sys, time
libc = ctypes.CDLL(None, use_errno=True)
fn = libc.renameat2
fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
a, b, seconds, limit = sys.argv[1].encode(), sys.argv[2].encode(), float(sys.argv[3]), int(sys.argv[4])
stop = sys.argv[5] if len(sys.argv) > 5 else None
hold = (float(sys.argv[6]), float(sys.argv[7])) if len(sys.argv) > 7 else (0.0, 0.0)
end = time.time() + seconds
n = 0
while n < limit and time.time() < end and not (stop and (hold[1] > 0 or n % 512 == 0) and os.path.exists(stop)):
    if fn(-100, a, -100, b, 2) != 0:
        e = ctypes.get_errno()
        sys.stderr.write("renameat2: " + os.strerror(e) + "\\n")
        sys.exit(3)
    n += 1
    if hold[1] > 0:
        time.sleep(random.uniform(hold[0], hold[1]) / 1000.0)
# An even number of exchanges puts both paths back where they were.
if n % 2:
    fn(-100, a, -100, b, 2)
print(n)
`;

/** Why swaps cannot be driven here (no python3, no renameat2, a file system without RENAME_EXCHANGE), or null. */
export function raceUnavailable(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'skillsync-race-'));
  try {
    writeFileSync(join(dir, 'a'), 'a');
    writeFileSync(join(dir, 'b'), 'b');
    const r = spawnSync('python3', ['-c', SCRIPT, join(dir, 'a'), join(dir, 'b'), '1', '2'], { encoding: 'utf8' });
    if (r.error) return `python3 is not available (${r.error.message})`;
    if (r.status !== 0) return `renameat2(RENAME_EXCHANGE) does not work here: ${r.stderr.trim()}`;
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Swapper {
  child: ChildProcess;
  /** Resolves with the number of exchanges once the driver stopped (time or count bound, or stop()). */
  done: Promise<number>;
  /** Ask the driver to stop (it restores both paths first) and wait for it. */
  stop(): Promise<number>;
}

/**
 * Exchange `a` and `b` repeatedly for at most `seconds` and `limit` swaps; both end where
 * they started. Without `holdMs` as fast as possible (to hit the gap between two system
 * calls); with it, each state is held a random time in [min, max] ms (to outlast a read).
 */
export function startSwapper(a: string, b: string, seconds: number, opts: { limit?: number; holdMs?: [number, number] } = {}): Swapper {
  const stopFile = join(tmpdir(), `skillsync-swap-stop-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const hold = opts.holdMs ? opts.holdMs.map(String) : [];
  const child = spawn('python3', ['-c', SCRIPT, a, b, String(seconds), String(opts.limit ?? 5_000_000), stopFile, ...hold], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const done = new Promise<number>((res) => child.on('close', () => {
    rmSync(stopFile, { force: true });
    res(Number(out.trim()) || 0);
  }));
  return {
    child,
    done,
    stop: () => {
      writeFileSync(stopFile, '');
      return done;
    },
  };
}
