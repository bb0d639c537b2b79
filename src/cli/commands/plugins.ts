import type { Command } from '../context.js';
import { listPlugins, type PluginView } from '../../workspace/inspect.js';
import type { DiscoveryError } from '../../plugins/types.js';

export interface PluginEntry extends Omit<PluginView, 'id' | 'version'> {
  id: string | null;
  version: string | null;
  error?: { code: string; message: string; source: string; path: string; plugin: string | null };
}

/**
 * One list: the plugins, and for each source or plugin that cannot be read an entry
 * with status `error`, `id: null` (it is not a usable plugin) and the `error`.
 */
export function pluginEntries(list: PluginView[], errors: DiscoveryError[]): PluginEntry[] {
  const out: PluginEntry[] = list.map((p) => ({ ...p }));
  for (const e of errors) {
    const err = { code: e.code, message: e.message, source: e.source, path: e.path, plugin: e.pluginId ?? null };
    const hit = e.pluginId ? out.find((p) => p.id === e.pluginId && !p.error) : undefined;
    if (hit) hit.error = err;
    else out.push({ id: null, version: null, enabled: false, paused: false, status: 'error', source: e.source, skills: [], error: err });
  }
  return out;
}

export const plugins: Command = async (cli) => {
  const { plugins: list, errors } = listPlugins(cli.view());
  const entries = pluginEntries(list, errors);
  for (const e of errors) cli.warn(`${e.source}${e.path ? '/' + e.path : ''}: ${e.message} [${e.code}]`);
  cli.emit(entries, () => {
    if (!entries.length) return `no plugins discovered in ${cli.config().sources.length} source(s) of ${cli.config().file ?? '(no config)'}`;
    const rows: string[][] = [];
    for (const p of entries) {
      rows.push([p.id ?? p.error?.plugin ?? '(source)', p.version ?? '', p.status, p.error ? `${p.error.message} [${p.error.code}]` : `${p.skills.length} skill(s)`, p.source]);
      for (const s of p.skills) rows.push([`  ${s.name}`, s.version ?? '', s.status, s.proposal ? `proposal ${s.proposal}` : '', '']);
    }
    const warnings = list.flatMap((p) => (p.warnings ?? []).map((w) => `warning: ${p.id}: ${w}`));
    return [cli.table(['PLUGIN / SKILL', 'VERSION', 'STATE', 'NOTE', 'SOURCE'], rows), ...warnings].join('\n');
  });
  return 0; // a listing; `status` and `sync` exit 3 when something needs you
};
