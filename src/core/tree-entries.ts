// Tree entries from strangers (git sources, pushes) become file names in checkouts:
// refuse every name and mode that could escape a folder, hide a repository (`.git` in
// any spelling NTFS or HFS+ would map to it, as git's verify_path does) or that git
// fsck --strict rejects. Pure: raw tree bytes in, problems out.

export type EntryRule =
  | 'corrupt' // the tree object cannot be parsed
  | 'name' // empty, '.', '..', '/', NUL, not UTF-8
  | 'dotgit' // .git in any case, git~1, NTFS/HFS+ spellings
  | 'gitmodules' // .gitmodules in any spelling (skill trees)
  | 'mode' // not a canonical mode
  | 'symlink' // mode 120000 (skill trees)
  | 'gitlink' // mode 160000, a submodule (skill trees)
  | 'duplicate'
  | 'order';

export interface EntryProblem {
  rule: EntryRule;
  /** The entry name, printable. */
  name: string;
  /** The entry name as it is. */
  entry: string;
  message: string;
}

export interface RawEntry {
  mode: string;
  name: string;
  nameBytes: Buffer;
  oid: string;
}

/** 'object': what any git tree must satisfy; 'skill': what a mirrored skill may hold. */
export type TreeLevel = 'object' | 'skill';

const OBJECT_MODES = new Set(['100644', '100755', '40000', '120000', '160000']);
const SKILL_MODES = new Set(['100644', '100755', '40000']);

// Code points HFS+ ignores when comparing names (git's next_hfs_char).
const HFS_IGNORED = /[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g;

/** A name printed in a message: control characters and quotes escaped, length bounded. */
export function printable(name: string): string {
  const s = JSON.stringify(name.length > 200 ? name.slice(0, 200) + '…' : name);
  return s.replace(/[\u0080-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** NTFS drops trailing spaces and dots and reads `name:stream` as `name`; segments split on '\'. */
function ntfsSegments(name: string): string[] {
  return name.split('\\').map((s) => s.split(':')[0].replace(/[ .]+$/, '').toLowerCase());
}

function hfsFold(name: string): string {
  return name.replace(HFS_IGNORED, '').toLowerCase();
}

/** True when a checkout of this name could be taken for `.git` on some file system. */
export function isDotGit(name: string): boolean {
  if (hfsFold(name) === '.git') return true;
  return ntfsSegments(name).some((s) => s === '.git' || s === 'git~1');
}

/** True for `.gitmodules` in any spelling (case, HFS+ ignorables, NTFS short names). */
export function isDotGitmodules(name: string): boolean {
  if (hfsFold(name) === '.gitmodules') return true;
  return ntfsSegments(name).some((s) => s === '.gitmodules' || /^gitmod~[1-4]$/.test(s) || /^gi7eba~[1-9]$/.test(s));
}

/** The problem with one entry name alone, or null. */
export function checkEntryName(name: string, level: TreeLevel = 'skill'): EntryProblem | null {
  const p = printable(name);
  if (name === '') return { rule: 'name', name: p, entry: name, message: `entry ${p} has an empty name` };
  if (name === '.' || name === '..') return { rule: 'name', name: p, entry: name, message: `entry ${p} would leave its folder` };
  if (name.includes('/')) return { rule: 'name', name: p, entry: name, message: `entry ${p} contains '/'` };
  if (name.includes('\0')) return { rule: 'name', name: p, entry: name, message: `entry ${p} contains a NUL byte` };
  if (name.includes('\ufffd')) return { rule: 'name', name: p, entry: name, message: `entry ${p} is not valid UTF-8` };
  if (isDotGit(name)) return { rule: 'dotgit', name: p, entry: name, message: `entry ${p} would be read as a .git folder` };
  if (level === 'skill' && isDotGitmodules(name)) return { rule: 'gitmodules', name: p, entry: name, message: `entry ${p} is a .gitmodules file, which skills may not hold` };
  return null;
}

/** Parse a tree object strictly; throws nothing, a parse failure is a problem. */
export function parseTreeEntries(body: Buffer): { entries: RawEntry[]; problem: EntryProblem | null } {
  const entries: RawEntry[] = [];
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    const nul = sp < 0 ? -1 : body.indexOf(0, sp + 1);
    if (sp < 0 || nul < 0 || nul + 21 > body.length) {
      return { entries, problem: { rule: 'corrupt', name: '', entry: '', message: 'the tree object is truncated or malformed' } };
    }
    const nameBytes = body.subarray(sp + 1, nul);
    entries.push({ mode: body.toString('latin1', i, sp), name: nameBytes.toString('utf8'), nameBytes, oid: body.toString('hex', nul + 1, nul + 21) });
    i = nul + 21;
  }
  return { entries, problem: null };
}

/** git's order: name bytes, a tree's name compared as if it ended in '/'. */
function sortKey(e: RawEntry): Buffer {
  return e.mode === '40000' ? Buffer.concat([e.nameBytes, Buffer.from('/')]) : e.nameBytes;
}

/** Every problem of one tree object's own entries (not its subtrees). */
export function checkTreeEntries(body: Buffer, level: TreeLevel): EntryProblem[] {
  const { entries, problem } = parseTreeEntries(body);
  const out: EntryProblem[] = problem ? [problem] : [];
  const names = new Set<string>();
  let prev: Buffer | null = null;
  for (const e of entries) {
    const p = printable(e.name);
    const bad = checkEntryName(e.name, level);
    if (bad) out.push(bad);
    if (!OBJECT_MODES.has(e.mode)) out.push({ rule: 'mode', name: p, entry: e.name, message: `entry ${p} has the non-canonical mode ${printable(e.mode)}` });
    else if (level === 'skill' && e.mode === '120000') out.push({ rule: 'symlink', name: p, entry: e.name, message: `entry ${p} is a symlink (symlinks are not mirrored)` });
    else if (level === 'skill' && e.mode === '160000') out.push({ rule: 'gitlink', name: p, entry: e.name, message: `entry ${p} is a submodule (submodules are not mirrored)` });
    else if (level === 'skill' && !SKILL_MODES.has(e.mode)) out.push({ rule: 'mode', name: p, entry: e.name, message: `entry ${p} has mode ${e.mode}` });
    const key = e.nameBytes.toString('latin1');
    if (names.has(key)) out.push({ rule: 'duplicate', name: p, entry: e.name, message: `entry ${p} appears twice` });
    names.add(key);
    const k = sortKey(e);
    if (prev && Buffer.compare(prev, k) > 0) out.push({ rule: 'order', name: p, entry: e.name, message: `entry ${p} is out of git's order` });
    prev = k;
  }
  return out;
}
