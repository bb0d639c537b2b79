// Read-only views: plugins with their bindings, the workspace status, the version log.
import { existsSync, readFileSync } from 'node:fs';
import type { Ctx } from './context.js';
import { discover } from './discovery.js';
import { readMainState } from './state.js';
import { readObservation } from './observe.js';
import { listProposals } from './proposals.js';
import { latestVersion, listVersions, type VersionInfo } from './versions.js';
import type { DiscoveryError } from '../plugins/types.js';
import { targetsStatus, type TargetsStatus } from '../targets/status.js';

export type PluginStatus = 'discovered' | 'synced' | 'update_pending' | 'disabled' | 'missing' | 'adopted';

export interface PluginSkillView {
  name: string;
  status: 'synced' | 'update_pending' | 'disabled' | 'adopted';
  acceptedTree: string | null;
  observedTree: string | null;
  localTree: string | null;
  version: string | null;
  proposal?: string;
}

export interface PluginView {
  id: string;
  version: string;
  enabled: boolean;
  paused: boolean;
  status: PluginStatus;
  source: string;
  skills: PluginSkillView[];
  warnings?: string[];
}

export function listPlugins(ctx: Ctx): { plugins: PluginView[]; errors: DiscoveryError[] } {
  const d = discover(ctx);
  const state = readMainState(ctx);
  const proposals = new Map(listProposals(ctx).map((p) => [p.id, p]));
  const out: PluginView[] = [];
  const ids = new Set([...state.plugins.keys(), ...d.plugins.map((p) => p.id)]);
  for (const id of [...ids].sort()) {
    const rec = state.plugins.get(id);
    const m = d.plugins.find((p) => p.id === id);
    if (!rec) {
      out.push({
        id,
        version: m!.version,
        enabled: false,
        paused: false,
        status: 'discovered',
        source: m!.source.display,
        skills: m!.skills.map((s) => ({ name: s.name, status: 'disabled', acceptedTree: null, observedTree: null, localTree: null, version: null })),
        warnings: [...m!.warnings, ...m!.skills.flatMap((s) => s.warnings.map((w) => `${s.name}: ${w}`))],
      });
      continue;
    }
    const skills: PluginSkillView[] = [];
    let pending = false;
    for (const b of [...state.bindings.values()].filter((x) => x.plugin === id)) {
      const prop = proposals.get(`${id}/${b.skill}`);
      if (prop) pending = true;
      skills.push({
        name: b.skill,
        status: b.status === 'disabled' ? 'disabled' : prop ? 'update_pending' : 'synced',
        acceptedTree: b.acceptedTree,
        observedTree: readObservation(ctx, id, b.skill).tree,
        localTree: state.skills.get(b.skill) ?? null,
        version: latestVersion(ctx, b.skill)?.version ?? null,
        ...(prop ? { proposal: prop.id } : {}),
      });
    }
    for (const s of rec.adoptedSkills) {
      skills.push({ name: s, status: 'adopted', acceptedTree: null, observedTree: null, localTree: state.skills.get(s) ?? null, version: latestVersion(ctx, s)?.version ?? null });
    }
    for (const p of proposals.values()) {
      if (p.plugin === id && !skills.some((s) => s.name === p.skill)) {
        pending = true;
        skills.push({ name: p.skill, status: 'update_pending', acceptedTree: null, observedTree: p.upstreamTree, localTree: null, version: null, proposal: p.id });
      }
    }
    skills.sort((a, b) => (a.name < b.name ? -1 : 1));
    const status: PluginStatus = rec.adopted ? 'adopted' : !rec.enabled ? 'disabled' : !m ? 'missing' : pending ? 'update_pending' : 'synced';
    out.push({ id, version: m?.version ?? rec.version, enabled: rec.enabled, paused: rec.paused, status, source: m?.source.display ?? rec.source, skills });
  }
  return { plugins: out, errors: d.errors };
}

export interface StatusView {
  workspace: string;
  main: string | null;
  skills: number;
  plugins: Record<string, number>;
  proposals: { open: number; edited: number; stale: number };
  discoveryErrors: DiscoveryError[];
  lock: string | null;
  interruptedCommand: string | null;
  /** The folders agents read: conflicts, held edits, errors; renamed skills' name warnings. */
  targets: TargetsStatus;
}

export function workspaceStatus(ctx: Ctx): StatusView {
  const { plugins, errors } = listPlugins(ctx);
  const state = readMainState(ctx);
  const counts: Record<string, number> = {};
  for (const p of plugins) counts[p.status] = (counts[p.status] ?? 0) + 1;
  const props = listProposals(ctx);
  let lock: string | null = null;
  try {
    if (existsSync(ctx.paths.lock)) {
      const info = JSON.parse(readFileSync(ctx.paths.lock, 'utf8'));
      lock = `pid ${info.pid} (${info.command}) since ${info.at}`;
    }
  } catch {
    lock = 'held (unreadable)';
  }
  let interrupted: string | null = null;
  try {
    interrupted = JSON.parse(readFileSync(ctx.paths.journal, 'utf8')).command ?? 'unknown';
  } catch {
    /* none */
  }
  return {
    workspace: ctx.paths.root,
    main: state.commit,
    skills: state.skills.size,
    plugins: counts,
    proposals: {
      open: props.filter((p) => p.status === 'open').length,
      edited: props.filter((p) => p.status === 'edited').length,
      stale: props.filter((p) => p.status === 'stale').length,
    },
    discoveryErrors: errors,
    lock,
    interruptedCommand: interrupted,
    targets: targetsStatus(ctx),
  };
}

export interface LogEntry {
  skill: string;
  version: string;
  commit: string;
  date: string;
  mergeMode: string;
  subject: string;
}

function toEntry(v: VersionInfo): LogEntry {
  return {
    skill: v.skill,
    version: v.version,
    commit: v.commit,
    date: new Date(v.date * 1000).toISOString(),
    mergeMode: v.trailers['Merge-Mode'] ?? '',
    subject: v.message.split('\n')[0],
  };
}

export function versionLog(ctx: Ctx, skill?: string): LogEntry[] {
  if (skill) return listVersions(ctx, skill).map(toEntry);
  const state = readMainState(ctx);
  const names = new Set([...state.skills.keys(), ...state.bindings.keys()]);
  return [...names]
    .flatMap((s) => listVersions(ctx, s).map(toEntry))
    .sort((a, b) => (a.date === b.date ? (a.skill + a.version < b.skill + b.version ? 1 : -1) : a.date < b.date ? 1 : -1));
}
