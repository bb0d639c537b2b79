// The ref advertisement of a smart-HTTP server (GET info/refs?service=git-upload-pack,
// protocol v0/v1): what `git ls-remote` reads. Read here rather than by isomorphic-git
// so that a poll with no change loads no git library and sends one request.
import type { HttpClient } from 'isomorphic-git';
import { SkillsyncError } from '../core/errors.js';

export interface AdvertisedRef {
  ref: string;
  oid: string;
  /** HEAD's branch, from the symref capability. */
  target?: string;
  /** The commit an annotated tag points to (the `^{}` line). */
  peeled?: string;
}

const OID = /^[0-9a-f]{40}$/;

function bad(why: string): SkillsyncError {
  return new SkillsyncError('ESOURCE_UNREACHABLE', `the server's ref list is malformed (${why})`, {}, 'retry');
}

/** Parse an advertisement body. Pure; throws ESOURCE_UNREACHABLE on anything malformed. */
export function parseAdvertisement(body: Buffer): AdvertisedRef[] {
  const lines: string[] = [];
  let pos = 0;
  let flushes = 0;
  while (pos < body.length) {
    const len = parseInt(body.subarray(pos, pos + 4).toString('latin1'), 16);
    if (!Number.isInteger(len) || !/^[0-9a-f]{4}$/.test(body.subarray(pos, pos + 4).toString('latin1'))) throw bad('bad pkt-line length');
    if (len === 0) {
      flushes++;
      pos += 4;
      continue;
    }
    if (len < 4 || pos + len > body.length) throw bad('truncated pkt-line');
    lines.push(body.subarray(pos + 4, pos + len).toString('utf8').replace(/\n$/, ''));
    pos += len;
  }
  if (lines[0] !== '# service=git-upload-pack' || flushes < 2) throw bad('not a git-upload-pack advertisement');
  const out = new Map<string, AdvertisedRef>();
  let head: string | undefined;
  for (const [i, line] of lines.slice(1).entries()) {
    const nul = line.indexOf('\0');
    const refPart = nul === -1 ? line : line.slice(0, nul);
    if (i === 0 && nul !== -1) {
      for (const cap of line.slice(nul + 1).split(' ')) if (cap.startsWith('symref=HEAD:')) head = cap.slice('symref=HEAD:'.length);
    }
    const sp = refPart.indexOf(' ');
    const oid = refPart.slice(0, sp);
    const ref = refPart.slice(sp + 1);
    if (sp !== 40 || !OID.test(oid) || ref === '') throw bad('bad ref line');
    if (ref === 'capabilities^{}') continue; // an empty repository
    if (ref.endsWith('^{}')) {
      const tag = out.get(ref.slice(0, -3));
      if (tag) tag.peeled = oid;
      continue;
    }
    out.set(ref, { ref, oid });
  }
  const h = out.get('HEAD');
  if (h && head) h.target = head;
  return [...out.values()];
}

/** One GET of the advertisement through the transport's client (its deadline, byte budget, token). */
export async function listRefs(http: HttpClient, url: string): Promise<AdvertisedRef[]> {
  const res = await http.request({ url: `${url.replace(/\/+$/, '')}/info/refs?service=git-upload-pack`, method: 'GET', headers: { 'user-agent': 'git/skillsync', accept: 'application/x-git-upload-pack-advertisement' } });
  const chunks: Buffer[] = [];
  for await (const c of res.body ?? []) chunks.push(Buffer.from(c));
  if (res.statusCode !== 200) throw new SkillsyncError('ESOURCE_UNREACHABLE', `the server answered HTTP ${res.statusCode}`, {}, 'retry');
  if (!/^application\/x-git-upload-pack-advertisement/.test(res.headers?.['content-type'] ?? '')) {
    throw new SkillsyncError('ESOURCE_UNREACHABLE', 'the server does not speak the smart HTTP protocol (no upload-pack advertisement)', {}, 'retry');
  }
  return parseAdvertisement(Buffer.concat(chunks));
}
