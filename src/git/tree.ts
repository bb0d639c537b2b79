// Tree objects: encoding in git's canonical order and decoding.
import { SkillsyncError } from '../core/errors.js';

export type TreeMode = '100644' | '100755' | '40000' | '120000' | '160000';

export interface TreeEntry {
  mode: TreeMode;
  name: string;
  oid: string;
}

/** Git sorts tree entries by name bytes, with directory names compared as if they ended in '/'. */
export function compareTreeEntries(a: TreeEntry, b: TreeEntry): number {
  const an = a.mode === '40000' ? a.name + '/' : a.name;
  const bn = b.mode === '40000' ? b.name + '/' : b.name;
  // UTF-16 order equals UTF-8 byte order except around surrogates: fall back there.
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    const x = an.charCodeAt(i);
    const y = bn.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 || y >= 0xd800) return Buffer.compare(Buffer.from(an, 'utf8'), Buffer.from(bn, 'utf8'));
    return x - y;
  }
  return an.length - bn.length;
}

/** Encoded bytes per entry object, kept by the caller (an ObjectStore): a run of commits re-encodes the same big trees. */
export type EntryBytes = WeakMap<TreeEntry, { oid: string; mode: string; name: string; buf: Buffer }>;

/** Encode a tree; `sorted` skips the sort when the caller keeps entries in git order. */
export function encodeTree(entries: TreeEntry[], sorted = false, encoded?: EntryBytes): Buffer {
  if (!sorted) entries = [...entries].sort(compareTreeEntries);
  const parts: Buffer[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (i > 0 && entries[i - 1].name === e.name) {
      throw new SkillsyncError('ETREE_DUPLICATE', `duplicate tree entry '${e.name}'`, { name: e.name });
    }
    let raw = encoded?.get(e);
    if (!raw || raw.oid !== e.oid || raw.mode !== e.mode || raw.name !== e.name) {
      raw = { oid: e.oid, mode: e.mode, name: e.name, buf: Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex')]) };
      encoded?.set(e, raw);
    }
    parts.push(raw.buf);
  }
  return Buffer.concat(parts);
}

export function decodeTree(body: Buffer): TreeEntry[] {
  const out: TreeEntry[] = [];
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    const nul = body.indexOf(0, sp);
    if (sp < 0 || nul < 0 || nul + 21 > body.length) {
      throw new SkillsyncError('ECORRUPT', 'corrupt tree object', {});
    }
    const mode = body.toString('latin1', i, sp) as TreeMode;
    const name = body.toString('utf8', sp + 1, nul);
    const oid = body.toString('hex', nul + 1, nul + 21);
    out.push({ mode: mode === ('040000' as TreeMode) ? '40000' : mode, name, oid });
    i = nul + 21;
  }
  return out;
}
