// The caches a workspace context keeps (main's state with its case index, the
// discovery result) live on the context, not in modules: one context reuses them, a
// new context starts empty, and discovery is read again only when invalidated.
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorkspace, type TestWorkspace } from './helpers/workspace.js';
import { readMainState } from '../src/workspace/state.js';
import { planState } from '../src/workspace/sync-apply.js';
import { caseIndex } from '../src/core/plan/ownership.js';
import { discover } from '../src/workspace/discovery.js';
import { dryRunContext } from '../src/workspace/dry-run.js';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseMainStateFile } from '../src/workspace/state.js';
import { lookupPath } from '../src/git/tree-editor.js';

let ws: TestWorkspace;
afterEach(() => ws?.cleanup());

describe('caches passed in through the context', () => {
  it("main's state and its case index are built once per commit and shared by every plugin's plan", async () => {
    ws = makeWorkspace();
    ws.plugin('alpha', ['Doc', 'a1']);
    ws.plugin('beta', ['b1']);
    await ws.enable('alpha', 'beta');
    const ctx = ws.ctx();
    const state = readMainState(ctx);
    expect(readMainState(ctx)).toBe(state);
    const folded = caseIndex(state);
    expect(folded.get('doc')).toBe('Doc');
    expect(caseIndex(state)).toBe(folded);
    expect(caseIndex(planState(state, 'alpha'))).toBe(folded);
    expect(caseIndex(planState(state, 'beta'))).toBe(folded);
    // Another context (another command) keeps its own; a new commit is a new state.
    expect(readMainState(ws.ctx())).not.toBe(state);
    ws.plugin('gamma', ['g1']);
    await ws.enable('gamma');
    const next = readMainState(ctx);
    expect(next).not.toBe(state);
    expect(caseIndex(next).get('g1')).toBe('g1');
    expect(folded.has('g1')).toBe(false); // the enable added its claims to a copy
  });

  it('discovery is kept until invalidated; a dry run starts without the result', async () => {
    ws = makeWorkspace();
    ws.plugin('alpha', ['a1']);
    const ctx = ws.ctx();
    const first = discover(ctx);
    expect(first.plugins.map((p) => p.id)).toEqual(['alpha']);
    ws.plugin('beta', ['b1']);
    expect(discover(ctx)).toBe(first);
    expect(ctx.discovery.current).toBe(first);
    const dry = dryRunContext(ctx);
    expect(dry.discovery.current).toBeUndefined();
    expect(dry.discovery.files).toBe(ctx.discovery.files);
    ctx.discovery.invalidate();
    const second = discover(ctx);
    expect(second.plugins.map((p) => p.id).sort()).toEqual(['alpha', 'beta']);
    const fresh = discover(ctx, true); // read again, then kept
    expect(fresh).not.toBe(second);
    expect(discover(ctx)).toBe(fresh);
    expect(discover(ws.ctx()).plugins).toHaveLength(2);
  });
});

/** Rewrite the main-state file with `edit` applied to its body, checksum recomputed (as a real save would write it). */
function rewriteStateFile(path: string, edit: (body: Record<string, any>) => void): void {
  const buf = readFileSync(path);
  const nl = buf.indexOf(10);
  const body = JSON.parse(buf.subarray(nl + 1).toString('utf8'));
  edit(body);
  const text = Buffer.from(JSON.stringify(body));
  const head = buf.toString('latin1', 0, nl).split(' ').slice(0, 2).join(' ');
  writeFileSync(path, Buffer.concat([Buffer.from(`${head} ${createHash('sha1').update(text).digest('hex')}\n`), text]));
}

describe("main's state persisted by its trees (cache/main-state)", () => {
  async function enabled() {
    ws = makeWorkspace();
    ws.plugin('alpha', ['a1', 'a2']);
    ws.plugin('beta', ['b1']);
    await ws.enable('alpha', 'beta');
    await ws.sync();
    return ws.ctx().paths.recordCache;
  }

  it('a command saves it; a new context on the same main loads its records from it, without reading the record blobs', async () => {
    const file = await enabled();
    const saved = parseMainStateFile(readFileSync(file));
    expect(saved?.bindings.map((b) => b[0]).sort()).toEqual(['a1', 'a2', 'b1']);
    // A record only the file holds: what a new context reads proves the file was used.
    rewriteStateFile(file, (b) => {
      for (const row of b.bindings) if (row[0] === 'a1') row[2].path = 'from-the-cache';
    });
    const state = readMainState(ws.ctx());
    expect(state.bindings.get('a1')!.path).toBe('from-the-cache');
    expect([...state.skills.keys()].sort()).toEqual(['a1', 'a2', 'b1']);
    expect(state.plugins.get('beta')!.enabled).toBe(true);
  });

  it('a corrupt file is ignored (the state is read from main) and rebuilt by the next command', async () => {
    const file = await enabled();
    const truth = readMainState(ws.ctx());
    const buf = readFileSync(file);
    const at = buf.indexOf('"acceptedTree"');
    buf[at + 20] = buf[at + 20] === 0x61 ? 0x62 : 0x61; // one flipped character of an oid
    writeFileSync(file, buf);
    expect(parseMainStateFile(buf)).toBeNull();
    const state = readMainState(ws.ctx());
    expect([...state.bindings]).toEqual([...truth.bindings]);
    writeFileSync(file, 'not a state file');
    expect(readMainState(ws.ctx()).bindings.get('b1')).toEqual(truth.bindings.get('b1'));
    await ws.sync();
    expect(parseMainStateFile(readFileSync(file))?.bindings).toHaveLength(3);
  });

  it('a changed bindings tree is a miss: the new records are read, unchanged ones come from the file', async () => {
    const file = await enabled();
    rewriteStateFile(file, (b) => {
      for (const row of b.bindings) if (row[0] === 'a1') row[2].path = 'from-the-cache';
    });
    ws.plugin('gamma', ['g1']);
    await ws.enable('gamma'); // moves main's bindings tree
    const ctx = ws.ctx();
    const state = readMainState(ctx);
    expect(state.bindings.get('g1')!.plugin).toBe('gamma');
    // a1's blob did not change: its record is the file's, looked up by blob oid.
    expect(state.bindings.get('a1')!.path).toBe('from-the-cache');
    const saved = parseMainStateFile(readFileSync(file))!;
    expect(saved.bindingsTree).toBe(lookupPath(ctx.store, state.tree, '.skillsync/bindings')!.oid);
    expect(saved.bindings.map((b) => b[0]).sort()).toEqual(['a1', 'a2', 'b1', 'g1']);
  });

  it("the skills tree's check is remembered with it, only for that tree", async () => {
    const file = await enabled();
    const ctx = ws.ctx();
    const skillsTree = lookupPath(ctx.store, readMainState(ctx).tree, 'skills')!.oid;
    expect(ctx.store.checkedTrees('skill').has(skillsTree)).toBe(true);
    expect(parseMainStateFile(readFileSync(file))!.checked).toBe(true);
    rewriteStateFile(file, (b) => {
      b.skillsTree = '0'.repeat(40);
    });
    const other = ws.ctx();
    readMainState(other);
    expect(other.store.checkedTrees('skill').has(skillsTree)).toBe(false);
  });
});
