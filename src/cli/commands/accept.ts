import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { acceptProposal } from '../../workspace/accept.js';
import { rejectProposal } from '../../workspace/reject.js';
import { listRejected, unrejectProposal } from '../../workspace/undo.js';
import { dryRunContext } from '../../workspace/dry-run.js';
import { relativeTime } from '../output.js';

export const accept: Command = async (cli, a) => {
  const [id] = a.positionals;
  const dry = a.flags['dry-run'] === true;
  const ctx = dry ? dryRunContext(cli.ctx()) : cli.ctx();
  const r = await withLock(ctx, `accept ${id}`, () => acceptProposal(ctx, id));
  const how = `${r.fastForward ? 'fast-forward' : 'merge commit'} ${r.commit.slice(0, 12)}`;
  cli.emit({ ...r, ...(dry ? { dryRun: true } : {}) }, () =>
    dry
      ? `${r.id}: would be accepted${r.version ? ` as ${r.skill} ${r.version}` : ''} (${r.fastForward ? 'fast-forward' : 'merge commit'})\ndry run: nothing was written`
      : `${r.id}: accepted${r.version ? ` as ${r.skill} ${r.version}` : ''} (${how})`,
  );
  return 0;
};

export const reject: Command = async (cli, a) => {
  const [id] = a.positionals;
  const ctx = cli.ctx();
  if (a.flags.undo) {
    const r = await withLock(ctx, `reject --undo ${id}`, () => unrejectProposal(ctx, id));
    cli.emit({ ...r, status: 'unrejected' }, () => `${r.id}: rejection forgotten; the next sync may propose that upstream version again`);
    return 0;
  }
  const r = await withLock(ctx, `reject ${id}`, () => rejectProposal(ctx, id));
  cli.emit({ ...r, status: 'rejected' }, () => `${r.id}: rejected; this upstream version will not be proposed again (undo: skillsync reject --undo ${r.id})`);
  return 0;
};

export const rejected: Command = async (cli) => {
  const list = listRejected(cli.ctx());
  cli.emit(list, () =>
    list.length
      ? cli.table(['REJECTED', 'MODE', 'UPSTREAM TREE', 'WHEN'], list.map((r) => [r.id, r.mergeMode, r.upstreamTree?.slice(0, 12) ?? '-', cli.tty ? relativeTime(r.date) : r.date]))
      : 'nothing rejected',
  );
  return 0;
};
