// What makes the daemon run a pass. Trigger sources (the watcher, the schedule, and any
// later ones: polling remote sources, watching target folders) report into a sink; the
// queue collects plugin ids until the daemon's mutex is free, so a burst of events is
// one pass. A source is started and stopped by the daemon and restarted on SIGHUP when
// a config key it reads changed.
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Metrics } from './metrics.js';

export type Trigger = 'startup' | 'schedule' | 'reload' | 'watch' | 'retry' | (string & {});

export interface TriggerSink {
  /** A path changed: a debounced pass of the plugin(s) that own it, or rediscovery when none does. */
  pathChanged(path: string): void;
  /** These plugins' input changed (debounced pass; a stalled plugin is tried again). */
  pluginsChanged(ids: string[], trigger: Trigger): void;
  /** A full pass over every enabled plugin; resolves when it has run. */
  fullPass(trigger: Trigger): Promise<void>;
}

export interface SourceEnv {
  config: Config;
  log: Logger;
  metrics: Metrics;
  /** The workspace root: never watched (our own writes must not trigger passes). */
  workspace: string;
}

export interface TriggerSource {
  readonly name: string;
  /** Config keys it reads: a reload that changes one restarts it. */
  readonly configKeys: readonly (keyof Config)[];
  /** 'before': started before the first full pass (so nothing during it is missed); 'after': once it is done. */
  readonly startsAt: 'before' | 'after';
  start(sink: TriggerSink, env: SourceEnv): Promise<void>;
  stop(): Promise<void>;
  /** True when it stopped working on its own and a reload should restart it. */
  broken?(): boolean;
  /** Shown in /healthz and the daemon state file. */
  health?(): Record<string, unknown>;
}

/** Plugin ids (and "rediscover") collected between passes, with the first trigger that asked. */
export class TriggerQueue {
  private readonly ids = new Set<string>();
  private discover = false;
  private reason: Trigger | null = null;

  add(ids: Iterable<string>, reason: Trigger): void {
    for (const id of ids) this.ids.add(id);
    if (!this.reason) this.reason = reason;
  }

  addDiscover(reason: Trigger): void {
    this.discover = true;
    if (!this.reason) this.reason = reason;
  }

  get empty(): boolean {
    return !this.ids.size && !this.discover;
  }

  /** Take everything queued so far. */
  take(): { ids: string[]; discover: boolean; reason: Trigger } {
    const out = { ids: [...this.ids].sort(), discover: this.discover, reason: this.reason ?? 'watch' };
    this.clear();
    return out;
  }

  clear(): void {
    this.ids.clear();
    this.discover = false;
    this.reason = null;
  }
}
