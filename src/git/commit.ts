// Commit and annotated tag objects: encode and decode (message trailers: src/core/trailers.ts).

export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  timestamp: number;
  /** Minutes east of UTC. */
  tzOffset: number;
}

export interface Commit {
  tree: string;
  parents: string[];
  author: Signature;
  committer: Signature;
  message: string;
}

function formatTz(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, '0')}${String(m % 60).padStart(2, '0')}`;
}

export function formatSignature(s: Signature): string {
  const clean = (v: string) => v.replace(/[<>\n\0]/g, '');
  return `${clean(s.name)} <${clean(s.email)}> ${Math.floor(s.timestamp)} ${formatTz(s.tzOffset)}`;
}

export function parseSignature(line: string): Signature {
  const m = /^(.*) <(.*)> (\d+) ([+-])(\d\d)(\d\d)$/.exec(line);
  if (!m) return { name: line, email: '', timestamp: 0, tzOffset: 0 };
  const tz = (Number(m[5]) * 60 + Number(m[6])) * (m[4] === '-' ? -1 : 1);
  return { name: m[1], email: m[2], timestamp: Number(m[3]), tzOffset: tz };
}

export function encodeCommit(c: Commit): Buffer {
  let s = `tree ${c.tree}\n`;
  for (const p of c.parents) s += `parent ${p}\n`;
  s += `author ${formatSignature(c.author)}\ncommitter ${formatSignature(c.committer)}\n\n${c.message}`;
  return Buffer.from(s, 'utf8');
}

export function decodeCommit(body: Buffer): Commit {
  const text = body.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? '' : text.slice(split + 2);
  const c: Commit = { tree: '', parents: [], author: parseSignature(''), committer: parseSignature(''), message };
  for (const line of head.split('\n')) {
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const val = line.slice(sp + 1);
    if (key === 'tree') c.tree = val;
    else if (key === 'parent') c.parents.push(val);
    else if (key === 'author') c.author = parseSignature(val);
    else if (key === 'committer') c.committer = parseSignature(val);
  }
  return c;
}

export interface Tag {
  object: string;
  type: 'commit' | 'tree' | 'blob' | 'tag';
  tag: string;
  tagger: Signature;
  message: string;
}

export function encodeTag(t: Tag): Buffer {
  return Buffer.from(
    `object ${t.object}\ntype ${t.type}\ntag ${t.tag}\ntagger ${formatSignature(t.tagger)}\n\n${t.message}`,
    'utf8',
  );
}

export function decodeTag(body: Buffer): Tag {
  const text = body.toString('utf8');
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const t: Tag = { object: '', type: 'commit', tag: '', tagger: parseSignature(''), message: split < 0 ? '' : text.slice(split + 2) };
  for (const line of head.split('\n')) {
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const val = line.slice(sp + 1);
    if (key === 'object') t.object = val;
    else if (key === 'type') t.type = val as Tag['type'];
    else if (key === 'tag') t.tag = val;
    else if (key === 'tagger') t.tagger = parseSignature(val);
  }
  return t;
}
