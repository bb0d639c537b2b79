import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { setPaused } from '../../workspace/pause.js';
import { syncAll } from '../../workspace/sync.js';

export const pause: Command = async (cli, argv) => {
  const [id] = need(parseArgs(argv, {}), 1, 'pause <plugin>');
  const ctx = cli.ctx();
  const r = await withLock(ctx, `pause ${id}`, () => setPaused(ctx, id, true));
  cli.emit(r, () => `${id}: ${r.changed ? 'paused' : 'already paused'}`);
  return 0;
};

export const resume: Command = async (cli, argv) => {
  const [id] = need(parseArgs(argv, {}), 1, 'resume <plugin>');
  const ctx = cli.ctx();
  const r = await withLock(ctx, `resume ${id}`, () => {
    const res = setPaused(ctx, id, false);
    return { ...res, sync: syncAll(ctx, [id]).plugins[0] };
  });
  cli.emit(r, () => `${id}: ${r.changed ? 'resumed' : 'was not paused'}; sync: ${r.sync.status}`);
  return 0;
};
