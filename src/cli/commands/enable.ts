import { parseArgs } from '../args.js';
import type { Command } from '../context.js';
import { UsageError } from '../../core/errors.js';
import { withLock } from '../../workspace/mutate.js';
import { enablePlugins, type EnableFailure, type EnableResult } from '../../workspace/enable.js';
import { StatCaches } from '../../workspace/stat-cache.js';
import { parseNameFlags } from '../../targets/name-flags.js';

export const enable: Command = async (cli, argv) => {
  const p = parseArgs(argv, { name: { value: true, repeat: true } });
  if (!p.positionals.length) throw new UsageError('usage: skillsync enable <plugin>... [--name <skill>=<workspace-name>]...');
  const ctx = cli.ctx(true);
  ctx.nameOverrides = parseNameFlags((p.flags.name as string[] | undefined) ?? [], p.positionals);
  ctx.discovered = undefined;
  const results: (EnableResult | EnableFailure)[] = [];
  await withLock(ctx, `enable ${p.positionals.join(' ')}`, () => {
    const caches = new StatCaches(ctx);
    try {
      // One commit for every plugin named; a plugin that fails is reported, the others land.
      results.push(...enablePlugins(ctx, p.positionals, caches));
    } finally {
      caches.save();
    }
  });
  cli.emit(results, () =>
    results
      .map((r) => {
        if (r.status === 'error') return `${r.plugin}: failed: ${r.error}`;
        if (r.status === 'already_enabled') return `${r.plugin}: already enabled and in sync`;
        const lines = [`${r.plugin} ${r.version}: enabled`];
        for (const s of r.skills) lines.push(`  ${s.name}  ${s.action}${s.version ? ' ' + s.version : ''}${s.safety && s.safety !== 'none' ? '  safety: ' + s.safety : ''}`);
        for (const w of r.warnings) lines.push(`  warning: ${w}`);
        return lines.join('\n');
      })
      .join('\n'),
  );
  const failed = results.filter((r) => r.status === 'error');
  if (failed.length) {
    for (const f of failed) process.stderr.write(`skillsync: ${f.plugin}: ${(f as { error: string }).error}\n`);
    return 1;
  }
  return 0;
};
