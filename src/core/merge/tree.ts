// Pure three-way merge of one skill folder, given flat path → file maps of the
// merge base, the local side (current/ours) and the upstream side (other/theirs).
// Follows `git merge-tree --write-tree` wherever git has an answer, except:
// SKILL.md front matter merges per key, a file/directory clash keeps the local
// entry instead of renaming the file to `path~side`, and renames are not detected.
import { mergeText, type TextMergeResult } from './text.js';
import { mergeSkillMd } from './frontmatter.js';

export type FileMode = '100644' | '100755';
export interface TreeFile {
  mode: FileMode;
  oid: string;
}
/** POSIX paths relative to the skill folder, files only. */
export type FlatTree = Map<string, TreeFile>;
/** `oid` when taken unchanged from an input, `content` when newly produced. */
export interface MergedFile {
  mode: FileMode;
  oid?: string;
  content?: Buffer;
}
export type TreeConflictKind = 'content' | 'binary' | 'modify/delete' | 'delete/modify' | 'add/add' | 'mode' | 'file/directory';
export interface TreeConflict {
  path: string;
  kind: TreeConflictKind;
  message: string;
}
export interface TreeMergeResult {
  files: Map<string, MergedFile>;
  conflicts: TreeConflict[];
}
export interface TreeMergeOptions {
  /** Conflict marker labels [current, base, other]; default ['local', 'base', 'upstream']. */
  labels?: [string, string, string];
}

export const DEFAULT_LABELS: [string, string, string] = ['local', 'base', 'upstream'];
const EMPTY = Buffer.alloc(0);

/** The skill's own SKILL.md gets the per-key front matter merge. */
const isSkillMd = (path: string) => path === 'SKILL.md';

const same = (a: TreeFile, b: TreeFile) => a.oid === b.oid && a.mode === b.mode;

export function mergeTrees(
  base: FlatTree,
  current: FlatTree,
  other: FlatTree,
  readBlob: (oid: string) => Buffer,
  opts: TreeMergeOptions = {},
): TreeMergeResult {
  const labels = opts.labels ?? DEFAULT_LABELS;
  const [L, , U] = labels;
  const files = new Map<string, MergedFile>();
  const conflicts: TreeConflict[] = [];
  const paths = [...new Set([...base.keys(), ...current.keys(), ...other.keys()])].sort(byPath);

  for (const path of paths) {
    const b = base.get(path);
    const c = current.get(path);
    const o = other.get(path);
    if (c && o) {
      const r = mergeBoth(path, b, c, o, readBlob, labels);
      files.set(path, r.file);
      if (r.conflict) conflicts.push(r.conflict);
    } else if (c) {
      if (!b) files.set(path, { mode: c.mode, oid: c.oid }); // only local has it
      else if (!same(c, b)) {
        // git keeps the modified side in the tree and reports modify/delete
        files.set(path, { mode: c.mode, oid: c.oid });
        conflicts.push({ path, kind: 'modify/delete', message: `${path} was changed in ${L} and deleted in ${U}; kept the ${L} version` });
      } // unchanged locally, deleted upstream → deleted
    } else if (o) {
      if (!b) files.set(path, { mode: o.mode, oid: o.oid }); // added upstream
      else if (!same(o, b)) {
        files.set(path, { mode: o.mode, oid: o.oid });
        conflicts.push({ path, kind: 'delete/modify', message: `${path} was deleted in ${L} and changed in ${U}; kept the ${U} version` });
      } // deleted locally, unchanged upstream → deleted
    } // deleted on both sides → deleted
  }

  resolveFileDirectory(files, conflicts, current, L, U);
  conflicts.sort((x, y) => byPath(x.path, y.path));
  return { files, conflicts };
}

/** Both sides have the path: merge the executable bit and the content independently. */
function mergeBoth(
  path: string,
  b: TreeFile | undefined,
  c: TreeFile,
  o: TreeFile,
  readBlob: (oid: string) => Buffer,
  labels: [string, string, string],
): { file: MergedFile; conflict?: TreeConflict } {
  const [L, , U] = labels;
  let mode: FileMode;
  let modeClash = false;
  if (c.mode === o.mode || (b && b.mode === o.mode)) mode = c.mode;
  else if (b && b.mode === c.mode) mode = o.mode;
  else {
    mode = c.mode; // added on both sides with different modes: git keeps ours and calls it a conflict
    modeClash = true;
  }
  const modeNote = modeClash ? ` (and its mode differs: ${L} ${c.mode}, ${U} ${o.mode}; kept ${c.mode})` : '';
  const modeConflict = modeClash
    ? { path, kind: 'mode' as const, message: `${path} was added in ${L} and ${U} with different modes (${c.mode} vs ${o.mode}); kept ${c.mode}` }
    : undefined;

  if (c.oid === o.oid || (b && b.oid === o.oid)) return { file: { mode, oid: c.oid }, conflict: modeConflict };
  if (b && b.oid === c.oid) return { file: { mode, oid: o.oid }, conflict: modeConflict };

  const cur = readBlob(c.oid);
  const oth = readBlob(o.oid);
  const bas = b ? readBlob(b.oid) : EMPTY; // add/add merges against an empty base, as git does
  const r: TextMergeResult = (isSkillMd(path) ? mergeSkillMd : mergeText)(cur, bas, oth, { labels });
  if (r.binary && r.conflicts > 0) {
    return {
      file: { mode, oid: c.oid },
      conflict: { path, kind: 'binary', message: `${path} is binary and was ${b ? 'changed' : 'added'} differently in ${L} and ${U}; kept the ${L} version${modeNote}` },
    };
  }
  if (r.conflicts > 0) {
    return {
      file: { mode, content: r.content },
      conflict: b
        ? { path, kind: 'content', message: `${path} has ${r.conflicts} conflicting change(s) between ${L} and ${U}; conflict markers left in the file${modeNote}` }
        : { path, kind: 'add/add', message: `${path} was added in ${L} and ${U} with different content; conflict markers left in the file${modeNote}` },
    };
  }
  const file: MergedFile = r.content.equals(cur) ? { mode, oid: c.oid } : r.content.equals(oth) ? { mode, oid: o.oid } : { mode, content: r.content };
  return { file, conflict: modeConflict };
}

/**
 * A path that is a file and also a folder of other merged files cannot be written.
 * Keep the local side's entry (its file, or its folder) and report a conflict.
 */
function resolveFileDirectory(files: Map<string, MergedFile>, conflicts: TreeConflict[], current: FlatTree, L: string, U: string): void {
  const dirs = new Set<string>();
  for (const p of files.keys()) {
    for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i));
  }
  const clashes = [...files.keys()].filter((p) => dirs.has(p)).sort(byPath);
  for (const p of clashes) {
    if (!files.has(p)) continue; // already dropped under a shorter clash
    const keepFile = current.has(p);
    const dropped = keepFile ? [...files.keys()].filter((q) => q.startsWith(p + '/')).sort(byPath) : [p];
    for (const q of dropped) files.delete(q);
    // a dropped path is no longer in the result: fold its own conflict into this one
    const gone = new Set(dropped);
    const folded = conflicts.filter((c) => gone.has(c.path)).map((c) => `${c.path}: ${c.kind}`);
    if (folded.length) conflicts.splice(0, conflicts.length, ...conflicts.filter((c) => !gone.has(c.path)));
    const also = folded.length ? ` (dropped conflicts: ${folded.join('; ')})` : '';
    conflicts.push({
      path: p,
      kind: 'file/directory',
      message: keepFile
        ? `${p} is a file in ${L} and a folder in ${U}; kept the ${L} file, dropped ${dropped.join(', ')}${also}`
        : `${p} is a folder in ${L} and a file in ${U}; kept the ${L} folder, dropped the file${also}`,
    });
  }
}

/** Byte-wise path order (what git uses for index entries). */
function byPath(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
