import type { Command } from '../context.js';
import { listPlugins, type PluginView } from '../../workspace/inspect.js';
import type { DiscoveryError } from '../../plugins/types.js';
import { fetchNeverFetched } from '../../remote/refresh.js';
import { attachRemoteState, remoteStatuses, unreachableLine, type RemoteStatus } from '../../remote/status.js';
import type { SafetyFinding } from '../../core/safety/index.js';
import { findingLine, publishedSafety } from '../../workspace/safety-view.js';

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
  // By id, first one wins (as a search from the start would): 100,000 entries stay linear.
  const byId = new Map<string, PluginEntry>();
  for (const p of out) if (p.id !== null && !byId.has(p.id)) byId.set(p.id, p);
  for (const e of errors) {
    const err = { code: e.code, message: e.message, source: e.source, path: e.path, plugin: e.pluginId ?? null };
    const hit = e.pluginId ? byId.get(e.pluginId) : undefined;
    if (hit && !hit.error) hit.error = err;
    else out.push({ id: null, version: null, enabled: false, paused: false, status: 'error', source: e.source, skills: [], error: err });
  }
  return out;
}

export const plugins: Command = async (cli) => {
  const ctx = cli.view();
  if (cli.hasWorkspace()) await fetchNeverFetched(ctx.config, ctx.paths.cache); // a first look at a remote source fetches it
  const { plugins: found, errors } = listPlugins(ctx);
  // Every published skill's findings: all of them in --json, the highest in the table.
  const safety = publishedSafety(ctx);
  const list = found.map((p) => ({ ...p, skills: p.skills.map((s) => ({ ...s, safety: safety.get(s.name) ?? [] })) }));
  const entries: Array<PluginEntry & { remote?: Partial<RemoteStatus> }> = pluginEntries(list, errors);
  for (const e of errors) cli.warn(`${e.source}${e.path ? '/' + e.path : ''}: ${e.message} [${e.code}]`);
  for (const r of remoteStatuses(ctx.config, ctx.paths.cache)) if (r.status === 'unreachable') cli.warn(unreachableLine(r));
  attachRemoteState(ctx, entries);
  cli.emit(entries, () => {
    if (!entries.length) return `no plugins discovered in ${cli.config().sources.length} source(s) of ${cli.config().file ?? '(no config)'}`;
    const rows: string[][] = [];
    for (const p of entries) {
      const remote = p.remote && p.remote.status !== 'ok' && !p.error ? `; remote ${p.remote.status}: ${p.remote.reason}` : '';
      rows.push([p.id ?? p.error?.plugin ?? '(source)', p.version ?? '', p.status, (p.error ? `${p.error.message} [${p.error.code}]` : `${p.skills.length} skill(s)`) + remote, p.source]);
      for (const s of p.skills) {
        const top = (s as { safety?: SafetyFinding[] }).safety ?? [];
        const note = [s.proposal ? `proposal ${s.proposal}` : '', top.length ? `safety: ${findingLine(top[0])}${top.length > 1 ? ` (+${top.length - 1})` : ''}` : ''].filter(Boolean).join('  ');
        rows.push([`  ${s.name}`, s.version ?? '', s.status, note, '']);
      }
    }
    const warnings = list.flatMap((p) => (p.warnings ?? []).map((w) => `warning: ${p.id}: ${w}`));
    return [cli.table(['PLUGIN / SKILL', 'VERSION', 'STATE', 'NOTE', 'SOURCE'], rows), ...warnings].join('\n');
  });
  return 0; // a listing; `status` and `sync` exit 3 when something needs you
};
