// Read-only views: plugins with their bindings, the workspace status, the version log.
import { existsSync, readFileSync } from 'node:fs';
import type { Ctx } from './context.js';
import { blockedMessage, gateMain } from './main-gate.js';
import { discover } from './discovery.js';
import { readMainState } from './state.js';
import { readObservation } from './observe.js';
import { listProposals } from './proposals.js';
import { latestVersion, listVersions, type VersionInfo } from './versions.js';
import type { DiscoveryError } from '../plugins/types.js';
import { isSourceError, pluginState, skillState, type PluginState, type SkillState } from '../core/states.js';
import { targetsStatus, type TargetsStatus } from '../targets/status.js';
import { bindingsOf } from './queries.js';

export type PluginStatus = PluginState;

export interface PluginSkillView {
  name: string;
  status: SkillState;
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

type ProposalInfoOf = ReturnType<typeof listProposals>[number];

/** `known`: the pass's ref index and stat caches, whose observation memo spares reading each upstream commit. */
export function listPlugins(ctx: Ctx, known?: Parameters<typeof readObservation>[3]): { plugins: PluginView[]; errors: DiscoveryError[] } {
  const d = discover(ctx);
  const state = readMainState(ctx);
  const proposals = new Map(listProposals(ctx).map((p) => [p.id, p]));
  const out: PluginView[] = [];
  const broken = new Set(d.errors.map((e) => e.pluginId).filter((x): x is string => !!x));
  const ids = new Set([...state.plugins.keys(), ...d.plugins.map((p) => p.id)]);
  // Maps, not a search per plugin: a marketplace may list 100,000 plugins.
  const byId = new Map(d.plugins.map((p) => [p.id, p]));
  const byPlugin = new Map<string, ProposalInfoOf[]>();
  for (const p of proposals.values()) byPlugin.set(p.plugin, [...(byPlugin.get(p.plugin) ?? []), p]);
  for (const id of [...ids].sort()) {
    const rec = state.plugins.get(id) ?? null;
    const m = byId.get(id);
    const mine = byPlugin.get(id) ?? [];
    const status = pluginState({ record: rec, discovered: !!m, broken: broken.has(id), pending: mine.length });
    const declared = new Set(m?.skills.map((s) => s.name) ?? []);
    const skillOf = (name: string, extra: Partial<PluginSkillView> = {}): PluginSkillView => {
      const b = state.bindings.get(name);
      const bound = b && b.plugin === id ? b : null;
      const prop = proposals.get(`${id}/${name}`);
      const published = state.skills.get(name) ?? null;
      return {
        name,
        status: skillState({ plugin: status, binding: bound, adopted: !!rec?.adoptedSkills.includes(name), published: bound || rec?.adoptedSkills.includes(name) ? published : null, upstream: declared.has(name), proposal: !!prop }),
        acceptedTree: bound?.acceptedTree ?? null,
        observedTree: rec ? readObservation(ctx, id, name, known).tree : null,
        localTree: bound || rec?.adoptedSkills.includes(name) ? published : null,
        version: bound || rec?.adoptedSkills.includes(name) ? (latestVersion(ctx, name)?.version ?? null) : null,
        ...(prop ? { proposal: prop.id } : {}),
        ...extra,
      };
    };
    if (!rec) {
      out.push({
        id,
        version: m!.version,
        enabled: false,
        paused: false,
        status,
        source: m!.source.display,
        skills: m!.skills.map((s) => skillOf(s.name)),
        warnings: [...m!.warnings, ...m!.skills.flatMap((s) => s.warnings.map((w) => `${s.name}: ${w}`))],
      });
      continue;
    }
    const names = new Set([...bindingsOf(state, id).map((b) => b.skill), ...rec.adoptedSkills, ...mine.map((p) => p.skill)]);
    const skills = [...names].map((n) => skillOf(n, proposals.get(`${id}/${n}`) && !state.bindings.has(n) ? { observedTree: proposals.get(`${id}/${n}`)!.upstreamTree } : {}));
    skills.sort((a, b) => (a.name < b.name ? -1 : 1));
    out.push({ id, version: m?.version ?? rec.version, enabled: rec.enabled, paused: rec.enabled && rec.paused, status, source: m?.source.display ?? rec.source, skills });
  }
  return { plugins: out, errors: d.errors };
}

export interface StatusView {
  workspace: string;
  /** The config file used (null: none, --workspace only). */
  config: string | null;
  main: string | null;
  skills: number;
  /** Published and known skills by state. */
  skillStates: Record<string, number>;
  plugins: Record<string, number>;
  proposals: { open: number; edited: number; stale: number; conflicted: number };
  /** Sources and plugins that cannot be read: a source folder that is gone is one. */
  discoveryErrors: DiscoveryError[];
  lock: string | null;
  interruptedCommand: string | null;
  /** Something needs a person: conflicted proposals, unreadable sources (exit 3). */
  attention: string[];
  /** The folders agents read: conflicts, held edits, errors; renamed skills' name warnings. */
  targets: TargetsStatus;
  /** main holds a commit that fails the checks: what, where, and what is served meanwhile. */
  mainBlocked: { commit: string; at: string; skill: string | null; rule: string; path: string; serving: string | null; message: string } | null;
}

export function workspaceStatus(ctx: Ctx): StatusView {
  const { plugins, errors } = listPlugins(ctx);
  const state = readMainState(ctx);
  const counts: Record<string, number> = {};
  const skillStates: Record<string, number> = {};
  for (const p of plugins) {
    counts[p.status] = (counts[p.status] ?? 0) + 1;
    if (p.status !== 'discovered') for (const s of p.skills) skillStates[s.status] = (skillStates[s.status] ?? 0) + 1;
  }
  const owned = new Set([...state.bindings.keys(), ...plugins.flatMap((p) => p.skills.map((s) => s.name))]);
  const local = [...state.skills.keys()].filter((s) => !owned.has(s)).length;
  if (local) skillStates.local = local;
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
  const conflicted = props.filter((p) => p.conflicts.length > 0).length;
  const attention: string[] = [];
  if (conflicted) attention.push(`${conflicted} proposal(s) with conflicts to resolve`);
  // Sources that cannot be opened, and plugins in use that cannot be read (a broken plugin
  // nobody enabled is listed by `plugins`, but needs no one).
  const used = new Set(state.plugins.keys());
  const serious = errors.filter((e) => isSourceError(e) || (e.pluginId && used.has(e.pluginId)));
  if (serious.length) attention.push(`${serious.length} source or plugin error(s)`);
  if (counts.missing) attention.push(`${counts.missing} enabled plugin(s) missing from every source`);
  const mainBlocked = mainBlockedView(ctx);
  if (mainBlocked) attention.push('main is blocked at a commit that fails the checks');
  return {
    workspace: ctx.paths.root,
    config: ctx.config.file,
    main: state.commit,
    skills: state.skills.size,
    skillStates,
    plugins: counts,
    proposals: {
      open: props.filter((p) => p.status === 'open').length,
      edited: props.filter((p) => p.status === 'edited').length,
      stale: props.filter((p) => p.status === 'stale').length,
      conflicted,
    },
    discoveryErrors: errors,
    lock,
    interruptedCommand: interrupted,
    attention,
    targets: targetsStatus(ctx),
    mainBlocked,
  };
}

function mainBlockedView(ctx: Ctx): StatusView['mainBlocked'] {
  const g = gateMain(ctx, false);
  if (!g.blocked) return null;
  const first = g.blocked.problems[0];
  return { commit: g.blocked.commit, at: g.blocked.at, skill: g.blocked.skill, rule: first?.rule ?? '', path: first?.path ?? '', serving: g.served, message: blockedMessage(g.blocked, g.served) };
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
