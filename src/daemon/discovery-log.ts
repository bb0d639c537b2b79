// What the daemon says about discovery: plugins that appeared or vanished, and each
// distinct discovery error once while it lasts. Keeps the path → plugin index too.
import type { Logger } from '../log.js';
import type { DiscoveryError } from '../plugins/types.js';
import type { Metrics } from './metrics.js';
import { PluginIndex, type IndexedPlugin, type PluginDiff } from './plugin-index.js';

const NONE: PluginDiff = { added: [], removed: [], changed: [] };

export class DiscoveryLog {
  index = new PluginIndex();
  private indexed = false;
  private logged = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** A new workspace: start over. */
  reset(): void {
    this.index = new PluginIndex();
    this.indexed = false;
  }

  update(d: { plugins: IndexedPlugin[]; errors: DiscoveryError[] } | null, enabled: Set<string>): PluginDiff {
    if (!d) return NONE;
    // A plugin that cannot be read now keeps the paths it owned: its next change is its input.
    const found = new Set(d.plugins.map((p) => p.id));
    const broken = new Set(d.errors.map((e) => e.pluginId).filter((id): id is string => id !== undefined && !found.has(id)));
    const kept = this.index.plugins.filter((p) => broken.has(p.id));
    const next = new PluginIndex({ plugins: [...d.plugins, ...kept] });
    const diff = next.diffFrom(this.index);
    const first = !this.indexed;
    this.index = next;
    this.indexed = true;
    this.metrics.discovered.set(next.size);
    if (first) {
      this.log.info('plugins discovered', { count: next.size, plugins: [...next.ids()].sort().slice(0, 50) });
    } else {
      for (const id of diff.added) {
        const m = d.plugins.find((p) => p.id === id);
        this.log.info('plugin discovered', {
          plugin: id,
          source: m?.source.display,
          path: m?.path,
          skills: m?.skills.map((s) => s.name),
          enabled: enabled.has(id),
          ...(enabled.has(id) ? {} : { hint: `run 'skillsync enable ${id}' to mirror it` }),
        });
      }
      for (const id of diff.removed) this.log.warn('plugin disappeared from its source', { plugin: id, enabled: enabled.has(id) });
    }
    const seen = new Set<string>();
    for (const e of d.errors) {
      const key = `${e.source}|${e.path}|${e.code}|${e.message}`;
      seen.add(key);
      if (!this.logged.has(key)) this.log.warn('plugin cannot be read', { source: e.source, path: e.path, plugin: e.pluginId, code: e.code, error: e.message });
    }
    this.logged = seen;
    return diff;
  }
}
