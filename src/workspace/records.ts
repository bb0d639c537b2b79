// The JSON records kept on `main` under .skillsync/: plugin flags and skill bindings.
// Stable serialisation (sorted keys, 2 spaces, final newline) so diffs stay small.
import { SkillsyncError } from '../core/errors.js';
import { isOid } from '../git/hash.js';

export interface PluginRecord {
  id: string;
  enabled: boolean;
  paused: boolean;
  /** Every skill was adopted: the plugin is kept for its history only. */
  adopted: boolean;
  /** Version of the plugin when its skills were last mirrored or accepted. */
  version: string;
  /** Where it was discovered (display form) and its folder inside that source. */
  source: string;
  path: string;
  /** Skills taken over locally; they are never proposed again as additions. */
  adoptedSkills: string[];
}

export type BindingStatus = 'synced' | 'disabled';

export interface Binding {
  skill: string;
  plugin: string;
  /** Skill folder inside the plugin source. */
  path: string;
  /** The upstream tree the published skill was last merged with. */
  acceptedTree: string;
  status: BindingStatus;
}

export function serializeRecord(rec: object): Buffer {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]))
        : v;
  return Buffer.from(JSON.stringify(sort(rec), null, 2) + '\n', 'utf8');
}

function parseJson(buf: Buffer, what: string): Record<string, unknown> {
  try {
    const v = JSON.parse(buf.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* below */
  }
  throw new SkillsyncError('ERECORD', `${what} on main is not valid JSON; fix it with git (it is a plain file in the workspace repository)`, { what });
}

export function parsePluginRecord(buf: Buffer, id: string): PluginRecord {
  const v = parseJson(buf, `.skillsync/plugins/${id}.json`);
  return {
    id,
    enabled: v.enabled === true,
    paused: v.paused === true,
    adopted: v.adopted === true,
    version: typeof v.version === 'string' ? v.version : '0.0.0',
    source: typeof v.source === 'string' ? v.source : '',
    path: typeof v.path === 'string' ? v.path : '',
    adoptedSkills: Array.isArray(v.adoptedSkills) ? v.adoptedSkills.filter((s): s is string => typeof s === 'string') : [],
  };
}

export function parseBinding(buf: Buffer, skill: string): Binding {
  const v = parseJson(buf, `.skillsync/bindings/${skill}.json`);
  if (typeof v.plugin !== 'string' || !isOid(v.acceptedTree)) {
    throw new SkillsyncError('ERECORD', `.skillsync/bindings/${skill}.json on main lacks plugin or acceptedTree`, { skill });
  }
  return {
    skill,
    plugin: v.plugin,
    path: typeof v.path === 'string' ? v.path : '',
    acceptedTree: v.acceptedTree,
    status: v.status === 'disabled' ? 'disabled' : 'synced',
  };
}

export const PLUGINS_DIR = '.skillsync/plugins';
export const BINDINGS_DIR = '.skillsync/bindings';
export const SKILLS_DIR = 'skills';
