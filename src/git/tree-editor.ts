// Edit a tree by path and write only the trees along changed paths. Nodes stay
// decoded between writes, so a run of commits that each touch one skill in a
// 10,000-skill workspace re-encodes one directory per level, not the workspace.
import type { ObjectStore } from './objects.js';
import { compareTreeEntries, type TreeEntry, type TreeMode } from './tree.js';
import { EMPTY_TREE } from './hash.js';
import { assertTreeObject } from './tree-check.js';

interface Node {
  oid: string | null; // null when dirty
  entries: TreeEntry[] | null; // sorted, loaded lazily
  children: Map<string, Node>;
}

export class TreeEditor {
  private root: Node;

  constructor(
    private readonly store: ObjectStore,
    rootOid: string = EMPTY_TREE,
  ) {
    this.root = { oid: rootOid, entries: null, children: new Map() };
  }

  private load(node: Node): TreeEntry[] {
    if (!node.entries) node.entries = node.oid && node.oid !== EMPTY_TREE ? [...this.store.readTree(node.oid)] : [];
    return node.entries;
  }

  private find(entries: TreeEntry[], name: string, isDir: boolean): number {
    // Binary search by git order; a name can exist as file or dir, check both orders.
    const probe: TreeEntry = { mode: isDir ? '40000' : '100644', name, oid: '' };
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareTreeEntries(entries[mid], probe) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexOf(entries: TreeEntry[], name: string): number {
    for (const isDir of [true, false]) {
      const i = this.find(entries, name, isDir);
      if (i < entries.length && entries[i].name === name) return i;
    }
    return -1;
  }

  private child(node: Node, name: string, create: boolean): Node | null {
    let c = node.children.get(name);
    if (c) return c;
    const entries = this.load(node);
    const i = this.indexOf(entries, name);
    if (i >= 0 && entries[i].mode === '40000') c = { oid: entries[i].oid, entries: null, children: new Map() };
    else if (create) c = { oid: EMPTY_TREE, entries: [], children: new Map() };
    else return null;
    node.children.set(name, c);
    return c;
  }

  private walk(path: string, create: boolean): { parents: Node[]; node: Node | null; name: string } {
    const parts = path.split('/').filter(Boolean);
    const name = parts.pop() ?? '';
    const parents: Node[] = [this.root];
    let node: Node | null = this.root;
    for (const p of parts) {
      node = this.child(node, p, create);
      if (!node) return { parents, node: null, name };
      parents.push(node);
    }
    return { parents, node, name };
  }

  private dirty(parents: Node[]): void {
    for (const n of parents) n.oid = null;
  }

  /** The entry at path (file or tree), or null. */
  get(path: string): TreeEntry | null {
    const { node, name } = this.walk(path, false);
    if (!node) return null;
    const sub = node.children.get(name);
    if (sub) {
      const oid = this.writeNode(sub);
      return oid === EMPTY_TREE ? null : { mode: '40000', name, oid };
    }
    const entries = this.load(node);
    const i = this.indexOf(entries, name);
    return i >= 0 ? entries[i] : null;
  }

  /** Put a file, or a whole subtree (mode '40000'), at path, replacing what was there. */
  set(path: string, mode: TreeMode, oid: string): void {
    const { parents, node, name } = this.walk(path, true);
    const n = node as Node;
    n.children.delete(name);
    const entries = this.load(n);
    const i = this.indexOf(entries, name);
    if (i >= 0) entries.splice(i, 1);
    if (!(mode === '40000' && oid === EMPTY_TREE)) {
      const e: TreeEntry = { mode, name, oid };
      entries.splice(this.find(entries, name, mode === '40000'), 0, e);
    }
    this.dirty(parents);
  }

  remove(path: string): void {
    const { parents, node, name } = this.walk(path, false);
    if (!node) return;
    node.children.delete(name);
    const entries = this.load(node);
    const i = this.indexOf(entries, name);
    if (i >= 0) {
      entries.splice(i, 1);
      this.dirty(parents);
    }
  }

  private writeNode(node: Node): string {
    if (node.oid) return node.oid;
    const entries = this.load(node);
    for (const [name, child] of node.children) {
      const clean = child.oid !== null;
      const oid = this.writeNode(child);
      const i = this.indexOf(entries, name);
      if (clean && i >= 0 && entries[i].oid === oid) continue;
      if (i >= 0) entries.splice(i, 1);
      if (oid !== EMPTY_TREE) entries.splice(this.find(entries, name, true), 0, { mode: '40000', name, oid });
    }
    // Children stay decoded: the next commit in this run edits them again.
    node.oid = entries.length === 0 ? EMPTY_TREE : this.store.writeTree(entries, true);
    return node.oid;
  }

  /** Write the changed trees and return the root tree oid. */
  write(): string {
    return this.writeNode(this.root);
  }
}

/**
 * All files under a tree as path → entry (paths relative to the tree). Every tree on
 * the way is checked first (ETREE_ENTRY naming the path): these paths get written.
 */
export function flattenTree(store: ObjectStore, treeOid: string, prefix = '', out = new Map<string, TreeEntry>()): Map<string, TreeEntry> {
  if (treeOid === EMPTY_TREE) return out;
  assertTreeObject(store, treeOid, 'skill', prefix);
  for (const e of store.readTree(treeOid)) {
    const p = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.mode === '40000') flattenTree(store, e.oid, p, out);
    else out.set(p, { ...e, name: p });
  }
  return out;
}

/** Write nested trees for a flat path → entry map; returns the root tree oid. */
export function writeFlatTree(store: ObjectStore, files: Map<string, { mode: TreeMode; oid: string }>): string {
  const ed = new TreeEditor(store);
  for (const [path, e] of files) ed.set(path, e.mode, e.oid);
  return ed.write();
}

/** The entry at a path inside a tree, or null. */
export function lookupPath(store: ObjectStore, treeOid: string, path: string): TreeEntry | null {
  let cur: TreeEntry = { mode: '40000', name: '', oid: treeOid };
  for (const part of path.split('/').filter(Boolean)) {
    if (cur.mode !== '40000') return null;
    const next: TreeEntry | undefined = store.readTree(cur.oid).find((e) => e.name === part);
    if (!next) return null;
    cur = next;
  }
  return cur;
}
