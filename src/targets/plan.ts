// What to do in one target folder, decided from three pictures: the skills the live
// view serves (desired), what skillsync recorded it put there (manifest) and what is
// on disk now. Pure, so every rule (never clobber, capture before overwrite, crash
// completion) is a row in a table test.
import type { TargetMode } from './config.js';

/** What skillsync recorded for one entry of a target. */
export interface RecordedEntry {
  mode: TargetMode;
  /** copy: the tree the folder held when skillsync last wrote or captured it. symlink: null. */
  tree: string | null;
  /** symlink: where the link points. */
  link?: string;
  /** A write was started towards this tree/link (crash completion). */
  pending?: string;
  /** An edit that could not be published: the folder's tree then, and why. */
  held?: { tree: string; reason: string };
}

export type DiskEntry =
  | { kind: 'missing' }
  | { kind: 'symlink'; link: string }
  | { kind: 'dir'; tree: string }
  /** A folder that cannot be read as a skill (a symlink or device inside it, unreadable). */
  | { kind: 'unreadable'; reason: string }
  | { kind: 'other' };

export type Action =
  | { op: 'link'; skill: string; link: string }
  | { op: 'copy'; skill: string; tree: string; replaces: 'nothing' | 'dir' | 'symlink' }
  | { op: 'remove'; skill: string; kind: 'dir' | 'symlink' }
  | { op: 'record'; skill: string; entry: RecordedEntry }
  | { op: 'forget'; skill: string; warning: string }
  | { op: 'capture'; skill: string; base: string; tree: string }
  | { op: 'hold'; skill: string; reason: string }
  | { op: 'conflict'; skill: string; reason: string };

export interface PlanInput {
  mode: TargetMode;
  /** skill → tree served by the live view (already limited to this target's skills). */
  desired: Map<string, string>;
  /** skill → where its symlink points in symlink mode. */
  linkFor: (skill: string) => string;
  recorded: Map<string, RecordedEntry>;
  disk: Map<string, DiskEntry>;
}

function describe(d: DiskEntry): string {
  switch (d.kind) {
    case 'symlink':
      return `a symlink to ${d.link}`;
    case 'dir':
    case 'unreadable':
      return 'a folder';
    default:
      return 'a file';
  }
}

const leftWithEdit = (skill: string) => `'${skill}' left the workspace while its folder held an edit; the folder is left as it is and no longer managed`;

function planOne(i: PlanInput, skill: string, want: string | undefined, rec: RecordedEntry | undefined, disk: DiskEntry): Action[] {
  const link = want !== undefined ? i.linkFor(skill) : undefined;
  // Not ours: never touched, only reported (a link to exactly our live entry is ours in effect).
  if (!rec) {
    if (disk.kind === 'missing') {
      if (want === undefined) return [];
      return i.mode === 'symlink' ? [{ op: 'link', skill, link: link! }] : [{ op: 'copy', skill, tree: want, replaces: 'nothing' }];
    }
    if (want !== undefined && i.mode === 'symlink' && disk.kind === 'symlink' && disk.link === link) {
      return [{ op: 'record', skill, entry: { mode: 'symlink', tree: null, link } }];
    }
    if (want === undefined) return [];
    return [{ op: 'conflict', skill, reason: `${describe(disk)} that skillsync did not create is in the way; it is left as it is (move it away to let skillsync manage '${skill}' here)` }];
  }

  // Ours, as a symlink.
  if (rec.mode === 'symlink') {
    const ours = disk.kind === 'symlink' && (disk.link === rec.link || disk.link === rec.pending);
    if (disk.kind !== 'missing' && !ours) {
      return [{ op: 'forget', skill, warning: `'${skill}' was replaced by ${describe(disk)} that skillsync did not create; it is left as it is and no longer managed` }];
    }
    if (want === undefined) return disk.kind === 'missing' ? [{ op: 'forget', skill, warning: '' }] : [{ op: 'remove', skill, kind: 'symlink' }];
    if (i.mode === 'copy') return [{ op: 'copy', skill, tree: want, replaces: disk.kind === 'missing' ? 'nothing' : 'symlink' }];
    if (disk.kind === 'symlink' && disk.link === link) {
      return rec.link === link && rec.pending === undefined ? [] : [{ op: 'record', skill, entry: { mode: 'symlink', tree: null, link } }];
    }
    return [{ op: 'link', skill, link: link! }];
  }

  // Ours, as a copy.
  if (disk.kind === 'missing') {
    // Someone deleted the folder: put it back, or let it go when the skill left.
    if (want === undefined) return [{ op: 'forget', skill, warning: '' }];
    return i.mode === 'symlink' ? [{ op: 'link', skill, link: link! }] : [{ op: 'copy', skill, tree: want, replaces: 'nothing' }];
  }
  if (disk.kind === 'unreadable') {
    if (want === undefined) return [{ op: 'forget', skill, warning: leftWithEdit(skill) }];
    return [{ op: 'hold', skill, reason: `the folder cannot be published as it is: ${disk.reason}` }];
  }
  if (disk.kind !== 'dir') {
    return [{ op: 'forget', skill, warning: `'${skill}' was replaced by ${describe(disk)} that skillsync did not create; it is left as it is and no longer managed` }];
  }
  const base = rec.tree;
  const known = disk.tree === base || (rec.pending !== undefined && disk.tree === rec.pending);
  if (!known) {
    // An edit made in the target. Never overwritten: captured (published), or held with the reason.
    if (want !== undefined && disk.tree === want) return [{ op: 'record', skill, entry: { mode: 'copy', tree: want } }];
    if (rec.held && rec.held.tree === disk.tree) return [{ op: 'hold', skill, reason: rec.held.reason }];
    if (want === undefined) {
      return [{ op: 'forget', skill, warning: leftWithEdit(skill) }];
    }
    if (base === null) return [{ op: 'hold', skill, reason: 'the folder changed before skillsync finished writing it; move it away to get a fresh copy' }];
    return [{ op: 'capture', skill, base, tree: disk.tree }];
  }
  if (want === undefined) return [{ op: 'remove', skill, kind: 'dir' }];
  if (i.mode === 'symlink') return [{ op: 'link', skill, link: link! }];
  if (disk.tree === want) {
    return rec.tree === want && rec.pending === undefined && !rec.held ? [] : [{ op: 'record', skill, entry: { mode: 'copy', tree: want } }];
  }
  return [{ op: 'copy', skill, tree: want, replaces: 'dir' }];
}

/** Actions for one target, in skill-name order. */
export function planTarget(i: PlanInput): Action[] {
  const names = [...new Set([...i.desired.keys(), ...i.recorded.keys()])].sort();
  const out: Action[] = [];
  for (const skill of names) out.push(...planOne(i, skill, i.desired.get(skill), i.recorded.get(skill), i.disk.get(skill) ?? { kind: 'missing' }));
  return out;
}
