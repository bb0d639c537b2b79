import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { acceptProposals, type AcceptResult } from '../../workspace/accept.js';
import { rejectProposal } from '../../workspace/reject.js';
import { listRejected, unrejectProposal } from '../../workspace/undo.js';
import { dryRunContext } from '../../workspace/dry-run.js';
import { relativeTime } from '../output.js';

export const accept: Command = async (cli, a) => {
  const ids = a.positionals;
  const dry = a.flags['dry-run'] === true;
  const ctx = dry ? dryRunContext(cli.ctx()) : cli.ctx();
  // Several ids are one commit: all are published or, when one is refused, none.
  const results = await withLock(ctx, `accept ${ids.join(' ')}`, () => acceptProposals(ctx, ids));
  const line = (r: AcceptResult) => {
    const as = r.version ? ` as ${r.skill} ${r.version}` : '';
    if (r.status === 'already_accepted') return `${r.id}: already accepted${as} (${r.commit.slice(0, 12)})`;
    const how = r.fastForward ? 'fast-forward' : 'merge commit';
    return dry ? `${r.id}: would be accepted${as} (${how})` : `${r.id}: accepted${as} (${how} ${r.commit.slice(0, 12)})`;
  };
  const json = results.map((r) => ({ ...r, ...(dry ? { dryRun: true } : {}) }));
  cli.emit(ids.length === 1 ? json[0] : json, () => [...results.map(line), ...(dry ? ['dry run: nothing was written'] : [])].join('\n'));
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
