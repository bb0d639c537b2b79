// The pass thread's executor: what crosses to the daemon thread after a reload.
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorkspace, skillMd, type TestWorkspace } from './helpers/workspace.js';
import { JobExecutor } from '../src/daemon/jobs.js';
import type { Logger } from '../src/log.js';

let ws: TestWorkspace;
afterEach(() => ws?.cleanup());

const quiet: Logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

describe('JobExecutor', () => {
  it('a reload sends the discovery again only when it changed or the daemon dropped its own', async () => {
    ws = makeWorkspace();
    ws.skill('alpha', 'a1', { 'SKILL.md': skillMd('a1') });
    await ws.enable('alpha');
    const ex = new JobExecutor(quiet);
    const pass = async () => {
      const r = await ex.run({ type: 'pass', waitMs: 5000 });
      if (!r.ok) throw new Error(r.error.message);
      return r.report!.discovery;
    };
    expect((await ex.run({ type: 'configure', config: ws.config, level: 'info' })).ok).toBe(true);
    expect((await pass())?.plugins.map((p) => p.id)).toEqual(['alpha']);
    expect(await pass()).toBeNull(); // unchanged since the last report
    // SIGHUP with the same sources: a new context discovers the same plugins, nothing is sent.
    expect((await ex.run({ type: 'configure', config: ws.config, level: 'info' })).ok).toBe(true);
    expect(await pass()).toBeNull();
    // A plugin that appeared is sent, reload or not.
    ws.skill('beta', 'b1', { 'SKILL.md': skillMd('b1') });
    expect((await ex.run({ type: 'configure', config: ws.config, level: 'info' })).ok).toBe(true);
    expect((await pass())?.plugins.map((p) => p.id).sort()).toEqual(['alpha', 'beta']);
    // The daemon reset its index (a new workspace): the same discovery is sent again.
    expect((await ex.run({ type: 'configure', config: ws.config, level: 'info', resend: true })).ok).toBe(true);
    expect((await pass())?.plugins.map((p) => p.id).sort()).toEqual(['alpha', 'beta']);
  });
});
