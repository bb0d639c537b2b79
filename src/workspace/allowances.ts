// Allowances recorded in main: `.skillsync/allowances/<skill>.json`, one person's
// decision to allow one rule for one skill at one exact tree (see core/safety/allow.ts).
import { parseAllowanceRecord, type Allowance } from '../core/safety/index.js';
import { EMPTY_TREE } from '../git/hash.js';
import type { ObjectStore } from '../git/objects.js';
import { lookupPath } from '../git/tree-editor.js';

export const ALLOWANCES_DIR = '.skillsync/allowances';

/** Every allowance recorded in a root tree of main (unreadable records are skipped: they allow nothing). */
export function readAllowances(store: ObjectStore, root: string): Allowance[] {
  if (root === EMPTY_TREE) return [];
  const dir = lookupPath(store, root, ALLOWANCES_DIR);
  if (!dir || dir.mode !== '40000') return [];
  const out: Allowance[] = [];
  for (const e of store.readTree(dir.oid)) {
    if (e.mode === '40000' || !e.name.endsWith('.json')) continue;
    try {
      out.push(...parseAllowanceRecord(store.readBlob(e.oid), e.name.slice(0, -5)));
    } catch {
      /* a broken record allows nothing */
    }
  }
  return out;
}

