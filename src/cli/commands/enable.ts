import type { Command } from '../context.js';
import { withLock } from '../../workspace/mutate.js';
import { enablePlugins, type EnableResult } from '../../workspace/enable.js';
import { discover } from '../../workspace/discovery.js';
import { listPlugins } from '../../workspace/inspect.js';
import { dryRunContext } from '../../workspace/dry-run.js';
import { StatCaches } from '../../workspace/stat-cache.js';
import { RefIndex } from '../../workspace/ref-index.js';
import { safetyList, safetyText } from '../safety-view.js';
import { parseNameFlags } from '../../targets/name-flags.js';
import { fetchNeverFetched } from '../../remote/refresh.js';

type Failed = { plugin: string; status: 'error'; error: { code: string; message: string } };

export const enable: Command = async (cli, a) => {
  const ids = a.positionals;
  const dry = a.flags['dry-run'] === true;
  const real = dry ? cli.view() : cli.ctx(true);
  if (!dry) await fetchNeverFetched(real.config, real.paths.cache); // enabling from a remote source never seen before fetches it
  const ctx = dry ? dryRunContext(real) : real;
  // The live view is checked out right after the commit: from the bytes just stored, not inflated back.
  ctx.store.retainWritten(256 * 1024 * 1024);
  ctx.nameOverrides = parseNameFlags((a.flags.name as string[] | undefined) ?? [], ids);
  ctx.discovery.invalidate(); // the sources as they are after the fetch
  const results: (EnableResult | Failed)[] = [];
  const started = Date.now();
  const known = new Map(discover(ctx).plugins.map((p) => [p.id, p.skills.length]));
  const totalSkills = ids.reduce((n, id) => n + (known.get(id) ?? 0), 0);
  await withLock(ctx, `enable ${ids.join(' ')}`, () => {
    const caches = new StatCaches(ctx);
    try {
      // One commit for every plugin named; a plugin that fails is reported, the others land.
      const progress = (plugins: number, skills: number) => cli.progress(`enabling: ${plugins}/${ids.length} plugins, ${skills}/${totalSkills} skills`);
      if (ids.length > 1) progress(0, 0);
      for (const r of enablePlugins(ctx, ids, caches, ids.length > 1, ids.length > 1 ? progress : undefined)) {
        results.push(r.status === 'error' ? { plugin: r.plugin, status: 'error', error: { code: r.code, message: r.error } } : r);
      }
    } finally {
      cli.progress(null);
      caches.save();
    }
  });
  const states = new Map(listPlugins(ctx, { refs: new RefIndex(ctx), caches: new StatCaches(ctx) }).plugins.map((p) => [p.id, p]));
  const json = results.map((r) =>
    r.status === 'error' ? r : { ...r, state: states.get(r.plugin)?.status ?? null, skills: r.skills.map((s) => ({ ...s, safety: safetyList(s.safety) })), ...(dry ? { dryRun: true } : {}) },
  );
  const would = dry ? 'would be ' : '';
  cli.emit(json, () => {
    const lines: string[] = [];
    const detail = results.length <= 3 || cli.g.verbose;
    for (const r of results) {
      if (r.status === 'error') {
        lines.push(`${r.plugin}: failed: ${r.error.message}`);
        continue;
      }
      const st = states.get(r.plugin);
      if (r.status === 'already_enabled') {
        const waiting = st?.skills.filter((s) => s.proposal).length ?? 0;
        lines.push(`${r.plugin}: already enabled, ${st?.status ?? 'synced'}${waiting ? ` (${waiting} proposal(s) wait: skillsync proposals)` : ''}`);
        continue;
      }
      lines.push(`${r.plugin} ${r.version}: ${would}enabled`);
      if (!detail) continue;
      for (const s of r.skills) lines.push(`  ${s.name}  ${s.action}${s.version ? ' ' + s.version : ''}${safetyText(s.safety) ? '  safety: ' + s.safety : ''}`);
      for (const w of r.warnings) lines.push(`  warning: ${w}`);
    }
    const ok = results.filter((r) => r.status === 'enabled') as EnableResult[];
    if (results.length > 1) {
      const versions = ok.reduce((n, r) => n + r.skills.filter((s) => s.action !== 'unchanged').length, 0);
      lines.push(`${ok.length} of ${results.length} plugin(s) ${would}enabled, ${versions} skill version(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    if (dry) lines.push('dry run: nothing was written');
    return lines.join('\n');
  });
  const failed = results.filter((r): r is Failed => r.status === 'error');
  for (const f of failed) process.stderr.write(`skillsync: ${f.plugin}: ${f.error.message}\n`);
  return failed.length ? 1 : 0;
};
