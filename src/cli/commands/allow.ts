import { parseArgs, need } from '../args.js';
import type { Command } from '../context.js';
import { UsageError } from '../../core/errors.js';
import { withLock } from '../../workspace/mutate.js';
import { allowFinding } from '../../workspace/safety-view.js';
import { StatCaches } from '../../workspace/stat-cache.js';

// allow <plugin>/<skill> --finding <rule> [-m <why>] [--tree <oid>]: a recorded human
// decision that one rule does not block this skill at this exact tree.
export const allow: Command = async (cli, argv) => {
  const p = parseArgs(argv, { finding: { value: true }, message: { value: true, alias: 'm' }, tree: { value: true } });
  const [ref] = need(p, 1, 'allow <plugin>/<skill> --finding <rule-id> [-m <why>] [--tree <oid>]');
  const rule = p.flags.finding;
  if (typeof rule !== 'string') throw new UsageError('usage: skillsync allow <plugin>/<skill> --finding <rule-id> [-m <why>]');
  const ctx = cli.ctx();
  const r = await withLock(ctx, `allow ${ref}`, () => {
    const caches = new StatCaches(ctx);
    try {
      return allowFinding(ctx, ref, rule, typeof p.flags.message === 'string' ? p.flags.message : '', caches, typeof p.flags.tree === 'string' ? p.flags.tree : undefined);
    } finally {
      caches.save();
    }
  });
  cli.emit(r, () =>
    r.changed
      ? `${r.plugin}/${r.skill}: ${r.finding} allowed at tree ${r.tree.slice(0, 12)} by ${r.by} (${r.findings} finding(s)); it stops applying when the skill changes`
      : `${r.plugin}/${r.skill}: ${r.finding} was already allowed at tree ${r.tree.slice(0, 12)}`,
  );
  return 0;
};
