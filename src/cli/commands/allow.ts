import type { Command } from '../context.js';
import { UsageError } from '../../core/errors.js';
import { withLock } from '../../workspace/mutate.js';
import { allowFinding } from '../../workspace/safety-view.js';
import { StatCaches } from '../../workspace/stat-cache.js';

// allow <plugin>/<skill> --finding <rule> [-m <why>] [--tree <oid>]: a recorded human
// decision that one rule does not block this skill at this exact tree.
export const allow: Command = async (cli, a) => {
  const [ref] = a.positionals;
  const rule = a.flags.finding;
  if (typeof rule !== 'string') throw new UsageError('allow needs --finding <rule-id>, e.g. skillsync allow dev-tools/reset --finding destructive-command');
  const why = typeof a.flags.message === 'string' ? a.flags.message : '';
  const tree = typeof a.flags.tree === 'string' ? a.flags.tree : undefined;
  const ctx = cli.ctx();
  const r = await withLock(ctx, `allow ${ref}`, () => {
    const caches = new StatCaches(ctx);
    try {
      return allowFinding(ctx, ref, rule, why, caches, tree);
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
