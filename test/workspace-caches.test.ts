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
