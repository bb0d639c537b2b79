// Watching plugin sources with chokidar, one inotify watch per DIRECTORY, none per file.
// chokidar by default also watches every file on its own (an inotify watch plus stat
// bookkeeping each: ~340 MB RSS for 30,000 files). Here every non-directory is ignored;
// a change to a file still arrives as a raw event of the directory that holds it
// (inotify reports IN_MODIFY/IN_CREATE/IN_DELETE/IN_MOVED_* of children to the parent's
// watch), and chokidar keeps re-listing directories so new sub-folders get watched.
// Git sources: only the git dir itself (HEAD, packed-refs) and refs/ are watched.
import { watch, type FSWatcher } from 'chokidar';
import type { Stats } from 'node:fs';
import { basename, resolve, sep } from 'node:path';
import { under } from './plugin-index.js';

export interface WatchRoot {
  kind: 'fs' | 'git';
  /** Directory for fs sources, the git dir for git sources (absolute). */
  path: string;
}

export interface WatcherOptions {
  roots: WatchRoot[];
  /** Never watched (the workspace: our own writes must not trigger passes). */
  exclude?: string[];
  /** A path changed (file or directory, absolute). */
  onChange(path: string): void;
  /** The kernel refused more watches (ENOSPC) or descriptors (EMFILE): the watcher has stopped. */
  onLimit(err: NodeJS.ErrnoException): void;
  /** Any other watcher error (logged; watching goes on). */
  onError(err: Error): void;
}

const LIMIT_CODES = new Set(['ENOSPC', 'EMFILE']);

export function isWatchLimitError(err: unknown): err is NodeJS.ErrnoException {
  return !!err && LIMIT_CODES.has(String((err as NodeJS.ErrnoException).code));
}

/** True for what the watcher must not watch (see the header comment). */
export function makeIgnore(roots: WatchRoot[], exclude: string[] = []): (path: string, stats?: Stats) => boolean {
  const gitdirs = roots.filter((r) => r.kind === 'git').map((r) => resolve(r.path));
  const excl = exclude.map((e) => resolve(e));
  return (p, stats) => {
    const abs = resolve(p);
    if (stats && !stats.isDirectory()) return true; // files and symlinks: the parent's watch reports them
    for (const e of excl) if (under(e, abs) !== null) return true;
    for (const g of gitdirs) {
      const rel = under(g, abs);
      if (rel === null) continue;
      return !(rel === '' || rel === 'refs' || rel.startsWith('refs' + sep));
    }
    return basename(abs) === '.git'; // a plugin checked out with git: its .git is not content
  };
}

export class SourceWatcher {
  private fsw: FSWatcher | null = null;
  private limited = false;

  constructor(private readonly opts: WatcherOptions) {}

  get active(): boolean {
    return this.fsw !== null && !this.limited;
  }

  /** Start watching; resolves once the initial scan is done (or watching had to stop). */
  async start(): Promise<void> {
    const roots = this.opts.roots.map((r) => resolve(r.path));
    if (!roots.length) return;
    const exclude = (this.opts.exclude ?? []).map((e) => resolve(e));
    const fsw = watch(roots, {
      ignoreInitial: true,
      followSymlinks: false,
      persistent: true,
      ignorePermissionErrors: true,
      ignored: makeIgnore(this.opts.roots, exclude),
    });
    this.fsw = fsw;
    const report = (p: string) => {
      const abs = resolve(p);
      for (const e of exclude) if (under(e, abs) !== null) return;
      this.opts.onChange(abs);
    };
    fsw.on('raw', (_event: string, evPath: string | null, details: unknown) => {
      const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (!watched) return;
      report(evPath ? resolve(watched, evPath) : watched);
    });
    fsw.on('addDir', report);
    fsw.on('unlinkDir', report);
    fsw.on('error', (err: unknown) => {
      if (isWatchLimitError(err)) {
        if (this.limited) return;
        this.limited = true;
        this.opts.onLimit(err);
        void this.close();
        return;
      }
      this.opts.onError(err instanceof Error ? err : new Error(String(err)));
    });
    await new Promise<void>((done) => {
      // 'ready' may never come when watching stopped half-way (inotify limit): poll for that.
      const poll = setInterval(() => {
        if (this.limited || this.fsw !== fsw) finish();
      }, 100);
      const finish = () => {
        clearInterval(poll);
        done();
      };
      fsw.once('ready', finish);
    });
  }

  /** Directories watched (one inotify watch each). */
  watchedDirs(): number {
    if (!this.fsw) return 0;
    return Object.keys(this.fsw.getWatched()).length;
  }

  async close(): Promise<void> {
    const fsw = this.fsw;
    this.fsw = null;
    if (fsw) await fsw.close();
  }
}
