// The workspace layout: every ref namespace skillsync writes in workspace.git and every
// path inside the workspace folder, named in this one place.
import { join } from 'node:path';

/** The ref namespaces, in one list (packing, the hook and listings use it). */
export const REF_NAMESPACES = {
  main: 'refs/heads/main',
  /** refs/heads/proposals/<plugin>/<skill>: one proposal branch per update */
  proposals: 'refs/heads/proposals/',
  /** refs/upstream/<plugin>/<skill>: the chain of upstream observations */
  upstream: 'refs/upstream/',
  /** refs/rejected/<plugin>/<skill>: the proposal commit last rejected */
  rejected: 'refs/rejected/',
  /** refs/tags/skills/<skill>/vNNNN: one annotated tag per published version */
  versions: 'refs/tags/skills/',
} as const;

export const MAIN = REF_NAMESPACES.main;

export function proposalRef(plugin: string, skill: string): string {
  return `${REF_NAMESPACES.proposals}${plugin}/${skill}`;
}

/** The branch name people use with git (`proposals/<plugin>/<skill>`). */
export function proposalBranch(plugin: string, skill: string): string {
  return proposalRef(plugin, skill).slice('refs/heads/'.length);
}

/** plugin and skill of a proposal ref, or null for anything else under the namespace. */
export function parseProposalRef(ref: string): { plugin: string; skill: string } | null {
  if (!ref.startsWith(REF_NAMESPACES.proposals)) return null;
  const parts = ref.slice(REF_NAMESPACES.proposals.length).split('/');
  return parts.length === 2 && parts[0] && parts[1] ? { plugin: parts[0], skill: parts[1] } : null;
}

export function upstreamRef(plugin: string, skill: string): string {
  return `${REF_NAMESPACES.upstream}${plugin}/${skill}`;
}

export function upstreamPrefix(plugin: string): string {
  return `${REF_NAMESPACES.upstream}${plugin}/`;
}

export function rejectedRef(plugin: string, skill: string): string {
  return `${REF_NAMESPACES.rejected}${plugin}/${skill}`;
}

/** The tag name (without refs/tags/) of a skill version. */
export function versionTagName(skill: string, version: string): string {
  return `skills/${skill}/${version}`;
}

export function versionTagRef(skill: string, version: string): string {
  return `${REF_NAMESPACES.versions}${skill}/${version}`;
}

export function versionTagPrefix(skill: string): string {
  return `${REF_NAMESPACES.versions}${skill}/`;
}

/** Namespaces whose many small refs are moved into packed-refs. */
export const PACKED_NAMESPACES = ['refs/tags/', REF_NAMESPACES.upstream];

export interface WorkspacePaths {
  root: string;
  /** workspace.git, the bare repository */
  gitdir: string;
  /** live/skills/<skill> -> checkouts/<tree> */
  live: string;
  liveSkills: string;
  /** read-only checkouts named by tree oid */
  checkouts: string;
  /** derived data: stat caches, parsed state; safe to delete */
  cache: string;
  lock: string;
  /** ref updates still to apply after main moved (crash recovery) */
  journal: string;
  tmp: string;
  /** cache files, each derived data */
  recordCache: string;
  discoveryCache: string;
  reconciledMarker: string;
  liveMarker: string;
  statCaches: string;
  targetsCache: string;
  /** temp files of the object writer inside the repository */
  objectTmp: string;
}

export function workspacePaths(root: string): WorkspacePaths {
  const cache = join(root, 'cache');
  const gitdir = join(root, 'workspace.git');
  return {
    root,
    gitdir,
    live: join(root, 'live'),
    liveSkills: join(root, 'live', 'skills'),
    checkouts: join(root, 'checkouts'),
    cache,
    lock: join(root, 'lock'),
    journal: join(root, 'journal.json'),
    tmp: join(root, 'tmp'),
    recordCache: join(cache, 'main-state'),
    discoveryCache: join(cache, 'discovery.json'),
    reconciledMarker: join(cache, 'reconciled.json'),
    liveMarker: join(cache, 'live.json'),
    statCaches: join(cache, 'stat'),
    targetsCache: join(cache, 'targets'),
    objectTmp: join(gitdir, 'skillsync-tmp'),
  };
}
