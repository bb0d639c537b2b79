// The one road onto main for skill versions. Every route that publishes (enable, sync's
// silent accepts and policy fast-forwards, accept, publish, rollback, and the versions
// recorded for changes made with git) calls publishVersions: it checks each tree,
// numbers the versions, writes ONE commit for the whole call (so an enable of 10,000
// skills rewrites skills/ once, not 10,000 times) and one annotated tag per version.
import { SkillsyncError } from '../core/errors.js';
import { formatSafetyTrailer } from '../core/safety/index.js';
import {
  formatMessage,
  formatTagMessage,
  oneLine,
  versionSubject,
  versionTrailers,
  type MergeMode,
  type TrailerKey,
  type VersionTrailers,
} from '../core/trailers.js';
import { checkPublishable } from './checks.js';
import { readAllowances } from './allowances.js';
import type { Binding } from './records.js';
import type { Txn } from './txn.js';
import { formatVersion, versionNumbers } from './versions.js';

/** The trailers a caller names; the version, its safety verdict and Recorded-From are the publisher's. */
type EntryTrailers = Omit<VersionTrailers, 'version' | 'safety' | 'recordedFrom'>;

export interface PublishEntry extends EntryTrailers {
  /** The skill tree to publish; null takes the skill out of skills/ (a removal). */
  tree: string | null;
  /** The binding to write with it; undefined leaves the binding as it is, null drops it. */
  binding?: Binding | null;
  /** Subject text after `<skill> vNNNN: ` (a person's message); default from the mode. */
  note?: string;
  /** Publish under this existing version (restore): no new number, no new tag. */
  existingVersion?: string;
  extra?: [TrailerKey, string | null | undefined][];
}

export interface PublishMessage {
  /** Subject of the commit; default: the version's subject (one entry) or a count. */
  subject?: string;
  body?: string;
  /** What the user can do when a check refuses a tree (end of the error line). */
  refusalHint?: string;
  /** Further parents (a merge commit that keeps a proposal branch's own commits). */
  extraParents?: string[];
  /** Trailers after the version groups. */
  trailers?: [TrailerKey, string | null | undefined][];
}

export interface PublishedVersion {
  skill: string;
  /** null: nothing new to number (already applied, removal). */
  version: string | null;
  mode: MergeMode;
  tree: string | null;
  safety: string;
}

/** Modes that publish a new tree and so get a new version number and a tag. */
function numbered(e: PublishEntry): boolean {
  return e.tree !== null && e.mode !== 'already_applied' && e.existingVersion === undefined;
}

/** The next free version number of a skill, counting the ones this transaction already took. */
function takeVersion(txn: Txn, skill: string): string {
  let n = txn.versionsTaken.get(skill);
  if (n === undefined) n = Math.max(0, ...versionNumbers(txn.ctx, skill).keys());
  txn.versionsTaken.set(skill, n + 1);
  return formatVersion(n + 1);
}

/** The version the next publish of `skill` would get (proposals predict it). */
export function predictVersion(txn: Txn, skill: string): string {
  const n = txn.versionsTaken.get(skill) ?? Math.max(0, ...versionNumbers(txn.ctx, skill).keys());
  return formatVersion(n + 1);
}

/** Check every entry first, so a refused tree changes nothing. */
function checkAll(txn: Txn, entries: PublishEntry[], hint: string): Map<string, string> {
  const safety = new Map<string, string>();
  // Recorded safety allowances (one rule, one skill, one exact tree) on the main being built on.
  const allowances = readAllowances(txn.ctx.store, txn.state.tree);
  for (const e of entries) {
    if (!numbered(e)) continue;
    const r = checkPublishable(txn.ctx, e.skill, e.tree!, allowances);
    if (!r.ok) {
      const errors = r.problems.filter((p) => p.severity === 'error');
      const base = `skills/${e.skill}/`;
      const markers = errors.filter((p) => p.rule === 'conflict-marker').map((p) => (p.path.startsWith(base) ? p.path.slice(base.length) : p.path));
      const what = markers.length ? `conflict markers in ${markers.join(', ')}` : `${errors.slice(0, 3).map((p) => p.message).join('; ')}`;
      throw new SkillsyncError(markers.length ? 'ECONFLICT' : 'ESAFETY_BLOCKED', `skill '${e.skill}' was not published: ${oneLine(what)}; ${hint}`, {
        skill: e.skill,
        files: markers,
        problems: errors,
        findings: r.safety?.findings ?? [],
      });
    }
    safety.set(e.skill, r.safety ? formatSafetyTrailer(r.safety) : 'none');
  }
  return safety;
}

/** Publish entries in one commit on top of txn.head; returns each entry's version. */
export function publishVersions(txn: Txn, entries: PublishEntry[], message: PublishMessage = {}): PublishedVersion[] {
  if (entries.length === 0) return [];
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.skill)) throw new SkillsyncError('EINTERNAL', `skill '${e.skill}' appears twice in one publish; this is a bug`, { skill: e.skill });
    seen.add(e.skill);
  }
  const safety = checkAll(txn, entries, message.refusalHint ?? 'nothing was changed');
  const groups: VersionTrailers[] = [];
  const out: PublishedVersion[] = [];
  for (const e of entries) {
    const version = numbered(e) ? takeVersion(txn, e.skill) : (e.existingVersion ?? null);
    if (e.mode !== 'already_applied') txn.setSkill(e.skill, e.tree);
    if (e.binding !== undefined) txn.setBinding(e.skill, e.binding);
    const s = safety.get(e.skill) ?? (e.tree === null ? 'none' : '');
    groups.push({ ...trailersOf(e, version ?? ''), safety: s || undefined });
    out.push({ skill: e.skill, version, mode: e.mode, tree: e.tree, safety: s || 'none' });
  }
  const subjects = entries.map((e, i) => subjectOf(e, out[i].version));
  const subject = message.subject ?? (entries.length === 1 ? subjects[0] : `publish ${entries.length} skills`);
  const list = entries.length > 1 ? subjects.join('\n') : '';
  const body = [message.body ?? '', list].filter(Boolean).join('\n\n');
  const trailers = [...groups.flatMap((g, i) => [...versionTrailers(g), ...(entries[i].extra ?? [])]), ...(message.trailers ?? [])];
  const commit = txn.commitMessage(formatMessage(subject, body, trailers), message.extraParents ?? []);
  entries.forEach((e, i) => {
    if (numbered(e)) tagVersion(txn, { ...groups[i], subject: subjects[i] }, commit);
  });
  return out;
}

function trailersOf(e: PublishEntry, version: string): VersionTrailers {
  const { tree: _tree, binding: _binding, note: _note, existingVersion: _existing, extra: _extra, ...trailers } = e;
  return { ...trailers, version };
}

function subjectOf(e: PublishEntry, version: string | null): string {
  if (version) return versionSubject({ skill: e.skill, version, mode: e.mode, plugin: e.plugin, pluginVersion: e.pluginVersion, note: e.note });
  const from = e.plugin ? ` ${e.plugin}${e.pluginVersion ? ' ' + e.pluginVersion : ''}` : '';
  return oneLine(e.note ? `${e.skill}: ${e.note}` : e.mode === 'removal' ? `${e.skill}: removed, as plugin${from} did upstream` : `${e.skill}: upstream${from} already applied`);
}

/** The annotated tag skills/<skill>/<version> on `commit` (also for versions recorded after a git merge). */
export function tagVersion(txn: Txn, v: VersionTrailers & { subject: string }, commit: string): void {
  txn.tag(v.skill, v.version, commit, formatTagMessage(v));
}

/** A version for a commit that reached main outside skillsync (recorded, not committed). */
export function recordVersion(txn: Txn, skill: string, commit: string, mode: MergeMode, subject: string): string {
  const version = takeVersion(txn, skill);
  tagVersion(txn, { skill, version, mode, recordedFrom: commit, subject: oneLine(`${skill} ${version}: ${subject}`) }, commit);
  return version;
}
