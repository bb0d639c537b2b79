// Commit and tag message trailers: the one place that names every trailer key and
// every Merge-Mode, formats them and parses them back. Values that come from strangers
// (file paths, plugin versions) are C-quoted as git's quotePath does, so no value can
// add a line, end the trailer block or carry terminal escape codes; parsing reads only
// the final paragraph, and only when every line of it is a known trailer.

/** How a published version came to be. */
export const MERGE_MODES = {
  initial_mirror: 'first version, mirrored from the plugin',
  fast_forward: 'upstream change taken as it is (the skill had no local edits)',
  three_way: 'upstream change merged with local edits',
  already_applied: 'upstream now holds what was published: binding moved, no new version',
  addition: 'a skill the plugin added upstream',
  removal: 'a skill the plugin removed upstream',
  local_edit: 'a local edit published as the next version',
  rollback: "an earlier version's tree published again",
  restore: 'the last version brought back when a plugin is enabled again',
  merged_by_git: 'a proposal merged with plain git',
  external: 'a change that reached main outside skillsync (a push)',
} as const;
export type MergeMode = keyof typeof MERGE_MODES;
/** The modes a proposal branch can carry. */
export type ProposalMode = Extract<MergeMode, 'fast_forward' | 'three_way' | 'addition' | 'removal'>;

export function isMergeMode(v: unknown): v is MergeMode {
  return typeof v === 'string' && Object.hasOwn(MERGE_MODES, v);
}

/** Workspace commits that publish no version (flags, adoptions): `Workspace-Change:`. */
export const WORKSPACE_CHANGES = ['enable', 'disable', 'pause', 'resume', 'adopt', 'unadopt', 'remove', 'allow', 'plugin_version'] as const;
export type WorkspaceChange = (typeof WORKSPACE_CHANGES)[number];

export const TRAILER_KEYS = [
  'Proposal',
  'Proposal-Mode',
  'Accepted-Proposal',
  'Skill',
  'Skill-Version',
  'Plugin',
  'Plugin-Version',
  'Upstream-Tree',
  'Base-Tree',
  'Local-Tree',
  'Merge-Mode',
  'Safety',
  'Conflict',
  'Rollback-Of',
  'Recorded-From',
  'Lineage',
  'Source',
  'Workspace-Change',
  'Allow',
  'Allowed-Tree',
  'Allowed-By',
] as const;
export type TrailerKey = (typeof TRAILER_KEYS)[number];
const KNOWN = new Set<string>(TRAILER_KEYS);

/** Ordered trailers; a key may repeat (one `Conflict:` per file, one group per skill). */
export type TrailerList = [TrailerKey, string][];

const C_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 34: '\\"', 92: '\\\\' };

/** git's quote_c_style: unchanged when plain printable ASCII, else "…" with C escapes and octal bytes. */
export function quotePath(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  let plain = bytes.length > 0 && s.trim() === s;
  for (const b of bytes) if (b < 0x20 || b >= 0x7f || b === 34 || b === 92) plain = false;
  if (plain) return s;
  let out = '"';
  for (const b of bytes) {
    if (C_ESCAPES[b]) out += C_ESCAPES[b];
    else if (b < 0x20 || b >= 0x7f) out += '\\' + b.toString(8).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  return out + '"';
}

/** The inverse of quotePath; a value not in quotes is returned as it is. */
export function unquotePath(s: string): string {
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) return s;
  const out: number[] = [];
  const body = s.slice(1, -1);
  const named: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const next = body[++i] ?? '';
    if (/[0-7]/.test(next)) {
      out.push(parseInt(body.slice(i, i + 3), 8) & 0xff);
      i += 2;
    } else out.push(named[next] ?? next.charCodeAt(0));
  }
  return Buffer.from(out).toString('utf8');
}

/** Format trailer lines (empty and undefined values are left out). */
export function formatTrailers(list: [TrailerKey, string | null | undefined][]): string {
  return list
    .filter((kv): kv is [TrailerKey, string] => kv[1] !== undefined && kv[1] !== null && kv[1] !== '')
    .map(([k, v]) => `${k}: ${quotePath(v)}`)
    .join('\n');
}

/** A message: subject, optional body, then the trailer block as the last paragraph. */
export function formatMessage(subject: string, body: string, trailers: [TrailerKey, string | null | undefined][]): string {
  const head = oneLine(subject);
  const block = formatTrailers(trailers);
  const text = body.trim() ? `${head}\n\n${body.trimEnd()}` : head;
  return block ? `${text}\n\n${block}\n` : `${text}\n`;
}

/** A subject or body line built from untrusted parts stays one printable line. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
}

/** The trailers of a message: its final paragraph, when every line of it is a known trailer. */
export function parseTrailers(message: string): TrailerList {
  const paras = message.replace(/\r\n/g, '\n').trimEnd().split(/\n[ \t]*\n/);
  if (paras.length < 2) return [];
  const out: TrailerList = [];
  for (const line of paras[paras.length - 1].split('\n')) {
    const m = /^([A-Za-z][A-Za-z0-9-]*): (.*)$/.exec(line);
    if (!m || !KNOWN.has(m[1])) return [];
    out.push([m[1] as TrailerKey, unquotePath(m[2])]);
  }
  return out;
}

/** The first value of each key. */
export function trailerMap(list: TrailerList): Partial<Record<TrailerKey, string>> {
  const out: Partial<Record<TrailerKey, string>> = {};
  for (const [k, v] of list) if (!(k in out)) out[k] = v;
  return out;
}

export function trailerValues(list: TrailerList, key: TrailerKey): string[] {
  return list.filter(([k]) => k === key).map(([, v]) => v);
}

/** What one published version records about itself (commit and tag trailers). */
export interface VersionTrailers {
  skill: string;
  version: string;
  mode: MergeMode;
  plugin?: string | null;
  pluginVersion?: string | null;
  upstreamTree?: string | null;
  baseTree?: string | null;
  localTree?: string | null;
  safety?: string | null;
  rollbackOf?: string | null;
  recordedFrom?: string | null;
}

export function versionTrailers(v: VersionTrailers): [TrailerKey, string | null | undefined][] {
  return [
    ['Skill', v.skill],
    ['Skill-Version', v.version],
    ['Plugin', v.plugin],
    ['Plugin-Version', v.pluginVersion],
    ['Upstream-Tree', v.upstreamTree],
    ['Base-Tree', v.baseTree],
    ['Local-Tree', v.localTree],
    ['Merge-Mode', v.mode],
    ['Rollback-Of', v.rollbackOf],
    ['Recorded-From', v.recordedFrom],
    ['Safety', v.safety ?? 'none'],
  ];
}

/** The version groups of a message (each starts at a `Skill:` that has a `Skill-Version:`). */
export function parseVersionTrailers(list: TrailerList): VersionTrailers[] {
  const out: VersionTrailers[] = [];
  let cur: VersionTrailers | null = null;
  for (const [k, v] of list) {
    if (k === 'Skill') {
      cur = { skill: v, version: '', mode: 'external' };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    if (k === 'Skill-Version') cur.version = v;
    else if (k === 'Merge-Mode' && isMergeMode(v)) cur.mode = v;
    else if (k === 'Plugin') cur.plugin = v;
    else if (k === 'Plugin-Version') cur.pluginVersion = v;
    else if (k === 'Upstream-Tree') cur.upstreamTree = v;
    else if (k === 'Base-Tree') cur.baseTree = v;
    else if (k === 'Local-Tree') cur.localTree = v;
    else if (k === 'Safety') cur.safety = v;
    else if (k === 'Rollback-Of') cur.rollbackOf = v;
    else if (k === 'Recorded-From') cur.recordedFrom = v;
  }
  return out.filter((g) => g.version !== '');
}

/** The subject of a version's tag (and of a one-skill version commit). */
export function versionSubject(v: { skill: string; version: string; mode: MergeMode; plugin?: string | null; pluginVersion?: string | null; note?: string }): string {
  const from = v.plugin ? ` from ${v.plugin}${v.pluginVersion ? ' ' + v.pluginVersion : ''}` : '';
  const what: Record<MergeMode, string> = {
    initial_mirror: `mirror${from}`,
    fast_forward: `update${from} (fast_forward)`,
    three_way: `update${from} (three_way)`,
    already_applied: `upstream${from} already applied`,
    addition: `new skill${from}`,
    removal: `removed${from}`,
    local_edit: 'local edit',
    rollback: 'rollback',
    restore: `restored, plugin ${v.plugin ?? ''} enabled again`,
    merged_by_git: 'merged with git',
    external: 'changed outside skillsync',
  };
  return oneLine(`${v.skill} ${v.version}: ${v.note ? v.note : what[v.mode]}`);
}

/** The annotated tag message of one version: its subject and its trailers. */
export function formatTagMessage(v: VersionTrailers & { subject: string }): string {
  return formatMessage(v.subject, '', versionTrailers(v));
}

/** A proposal's conflict, the value of one `Conflict:` trailer (quoted as a whole when needed). */
export function formatConflict(path: string, kind: string): string {
  return `${path} (${kind})`;
}

export function parseConflict(value: string): { path: string; kind: string } {
  const m = /^([\s\S]*) \(([a-z/_-]+)\)$/.exec(value);
  return m ? { path: m[1], kind: m[2] } : { path: value, kind: 'content' };
}
