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
  const an = Buffer.from(a.mode === '40000' ? a.name + '/' : a.name, 'utf8');
  const bn = Buffer.from(b.mode === '40000' ? b.name + '/' : b.name, 'utf8');
  return Buffer.compare(an, bn);
}

export function encodeTree(entries: TreeEntry[]): Buffer {
  const sorted = [...entries].sort(compareTreeEntries);
  const parts: Buffer[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i];
    if (i > 0 && sorted[i - 1].name === e.name) {
      throw new SkillsyncError('ETREE_DUPLICATE', `duplicate tree entry '${e.name}'`, { name: e.name });
    }
    parts.push(Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex'));
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
