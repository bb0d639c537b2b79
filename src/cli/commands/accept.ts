import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { acceptProposal } from '../../workspace/accept.js';
import { rejectProposal } from '../../workspace/reject.js';

export const accept: Command = async (cli, argv) => {
  const [id] = need(parseArgs(argv, {}), 1, 'accept <plugin>/<skill>');
  const ctx = cli.ctx();
  const r = await withLock(ctx, `accept ${id}`, () => acceptProposal(ctx, id));
  cli.emit(r, () => `${r.id}: accepted${r.version ? ` as ${r.skill} ${r.version}` : ''} (${r.fastForward ? 'fast-forward' : 'merge commit'} ${r.commit.slice(0, 12)})`);
  return 0;
};

export const reject: Command = async (cli, argv) => {
  const [id] = need(parseArgs(argv, {}), 1, 'reject <plugin>/<skill>');
  const ctx = cli.ctx();
  const r = await withLock(ctx, `reject ${id}`, () => rejectProposal(ctx, id));
  cli.emit(r, () => `${r.id}: rejected; this upstream version will not be proposed again`);
  return 0;
};
