// The daemon's remote poll runs on the daemon's own thread (the one answering /healthz):
// with nothing remote to fetch it must not discover the local sources (two full
// discoveries per poll at 10,000 skills). Real workspace and files.
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorkspace, skillMd, type TestWorkspace } from './helpers/workspace.js';
import { pollRemotes } from '../src/remote/poller.js';

let ws: TestWorkspace;
afterEach(() => ws?.cleanup());

describe('remote poll with only local sources', () => {
  it('fetches nothing, reports nothing changed and leaves no discovery behind', async () => {
    ws = makeWorkspace();
    ws.skill('alpha', 'a1', { 'SKILL.md': skillMd('a1') });
    await ws.enable('alpha');
    const ctx = ws.ctx();
    for (let i = 0; i < 2; i++) {
      const r = await pollRemotes(ctx);
      expect(r).toEqual({ changed: [], unreachable: [] });
      expect(ctx.discovery.current).toBeUndefined();
      expect(ctx.discovery.files).toBeUndefined(); // the per-file cache was never even loaded
    }
  });
});
