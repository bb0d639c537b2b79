import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { setPaused } from '../../workspace/pause.js';
import { syncAll } from '../../workspace/sync.js';

export const pause: Command = async (cli, a) => {
  const [id] = a.positionals;
  const ctx = cli.ctx();
  const r = await withLock(ctx, `pause ${id}`, () => setPaused(ctx, id, true));
  cli.emit({ ...r, state: 'paused' }, () => `${id}: ${r.changed ? 'paused' : 'already paused'}`);
  return 0;
};

export const resume: Command = async (cli, a) => {
  const [id] = a.positionals;
  const ctx = cli.ctx();
  const r = await withLock(ctx, `resume ${id}`, () => {
    const res = setPaused(ctx, id, false);
    return { ...res, sync: syncAll(ctx, [id]).plugins[0] };
  });
  cli.emit({ ...r, state: r.sync.status }, () => `${id}: ${r.changed ? 'resumed' : 'was not paused'}; now ${r.sync.status}`);
  return r.sync.status === 'error' ? 1 : 0;
};
