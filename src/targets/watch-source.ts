// The daemon watches copy-mode targets: an edit there (a person saving SKILL.md, an
// agent writing a file) starts a pass, which captures it. One watch per folder of each
// skill. A burst of saves waits for debounceMs of quiet and is one pass. Entries
// skillsync swaps in are re-watched; their own events do not start a pass.
import { lstatSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { SourceEnv, TriggerSink, TriggerSource } from '../daemon/triggers.js';
import { TEMP_PREFIX } from './write-entry.js';

export class TargetWatchSource implements TriggerSource {
  readonly name = 'targets';
  readonly configKeys = ['targets', 'debounceMs'] as const;
  readonly startsAt = 'before';
  private readonly roots: FSWatcher[] = [];
  /** `<target>\0<skill>` → the watches of that skill's folders. */
  private readonly skills = new Map<string, FSWatcher[]>();
  private timer: NodeJS.Timeout | null = null;
  private sink: TriggerSink | null = null;
  private debounceMs = 200;
  private closed = false;

  async start(sink: TriggerSink, env: SourceEnv): Promise<void> {
    this.sink = sink;
    this.closed = false;
    this.debounceMs = env.config.debounceMs;
    for (const t of env.config.targets ?? []) {
      if (t.mode !== 'copy') continue; // symlink targets point at read-only checkouts
      try {
        this.roots.push(watch(t.path, { persistent: true }, (_e, name) => name && this.entryChanged(t.path, name.toString())));
      } catch (err) {
        env.log.warn('target folder not watched (every pass still checks it)', { target: t.path, error: (err as Error).message });
        continue;
      }
      for (const n of safeList(t.path)) this.watchSkill(t.path, n);
    }
  }

  /** A skill entry of the target appeared, went or was swapped: watch what is there now. */
  private entryChanged(target: string, name: string): void {
    if (name.startsWith(TEMP_PREFIX)) return;
    this.watchSkill(target, name);
  }

  private watchSkill(target: string, skill: string): void {
    if (this.closed || skill.startsWith('.')) return;
    const key = `${target}\0${skill}`;
    for (const w of this.skills.get(key) ?? []) w.close();
    const list: FSWatcher[] = [];
    this.skills.set(key, list);
    const add = (dir: string) => {
      try {
        list.push(watch(dir, { persistent: true }, (event, name) => {
          this.edited();
          if (event === 'rename' && name && isDir(join(dir, name.toString()))) add(join(dir, name.toString())); // a new sub-folder
        }));
      } catch {
        return; // gone, or not a folder
      }
      for (const n of safeList(dir, true)) add(join(dir, n));
    };
    add(join(target, skill));
  }

  private edited(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.closed) void this.sink?.fullPass('target-edit');
    }, this.debounceMs);
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.roots) w.close();
    this.roots.length = 0;
    for (const l of this.skills.values()) for (const w of l) w.close();
    this.skills.clear();
  }

  health(): Record<string, unknown> {
    return { watchedTargetFolders: [...this.skills.values()].reduce((n, l) => n + l.length, 0) };
  }
}

function safeList(dir: string, dirsOnly = false): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => !dirsOnly || e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}
