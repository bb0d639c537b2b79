// A no-op sync must not get slower as history grows: one plugin enabled, a local skill
// with 100 vs 10,000 published versions (commits on main + annotated tags
// skills/<skill>/vNNNN). History is written with `git fast-import` (publishing 10,000
// versions one by one would take far too long), in the shape `skillsync publish` writes.
// Measured twice: tags loose (as 10,000 single publishes leave them) and after
// `git pack-refs --all`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateFleet } from '../fleet.js';
import { interleave, mustRun, fmtMs, fmtSpread } from '../measure.js';
import { gitEnv, rmrf } from '../context.js';

export const name = 'history';
export const title = 'sync with deep history';

const SKILL = 'journal';

function journal(k) {
  return `---\nname: ${SKILL}\ndescription: A local journal, edited often.\n---\n# Journal\n\nThis is version ${k}.\n\n${'- an entry that stays the same\n'.repeat(20)}`;
}

function fastImportStream(fromOid, first, last, t0) {
  const parts = [];
  const data = (s) => {
    const b = Buffer.from(s);
    parts.push(Buffer.from(`data ${b.length}\n`), b, Buffer.from('\n'));
  };
  for (let k = first; k <= last; k++) {
    const v = `v${String(k).padStart(4, '0')}`;
    const ts = t0 + k;
    parts.push(Buffer.from(`commit refs/heads/main\nmark :${k}\ncommitter skillsync <skillsync@localhost> ${ts} +0000\n`));
    data(`${SKILL} ${v}: local edit\n\nSkill: ${SKILL}\nSkill-Version: ${v}\nSafety: none\nMerge-Mode: local\n`);
    if (k === first) parts.push(Buffer.from(`from ${fromOid}\n`));
    parts.push(Buffer.from(`M 100644 inline skills/${SKILL}/SKILL.md\n`));
    data(journal(k));
    parts.push(Buffer.from(`tag skills/${SKILL}/${v}\nfrom :${k}\ntagger skillsync <skillsync@localhost> ${ts} +0000\n`));
    data(`${SKILL} ${v}: local edit\n\nSkill: ${SKILL}\nSkill-Version: ${v}\nMerge-Mode: local\n`);
  }
  parts.push(Buffer.from('done\n'));
  return Buffer.concat(parts);
}

function build(ctx, src, depth) {
  const cfg = ctx.config(`history-${depth}`, { sources: [src.root] });
  rmrf(cfg.ws);
  ctx.ssOk(cfg, ['init']);
  ctx.ssOk(cfg, ['enable', src.plugins[0].id]);
  const from = join(ctx.root, `history-${depth}-journal`);
  mkdirSync(from, { recursive: true });
  writeFileSync(join(from, 'SKILL.md'), journal(1));
  ctx.ssOk(cfg, ['publish', SKILL, '--new', '--from', from]);
  const g = (args, opts = {}) => mustRun('git', ['--git-dir', cfg.gitdir, ...args], { env: gitEnv(), ...opts });
  const main = g(['rev-parse', 'main']).stdout.toString().trim();
  if (depth > 1) {
    const t = Date.now();
    g(['fast-import', '--quiet', '--done'], { input: fastImportStream(main, 2, depth, 1_700_000_000) });
    ctx.log(`  history-${depth}: fast-import of ${depth - 1} versions in ${fmtMs(Date.now() - t)}`);
  }
  const n = g(['for-each-ref', '--format=%(refname)', `refs/tags/skills/${SKILL}/`]).stdout.toString().split('\n').filter(Boolean).length;
  if (n !== depth) throw new Error(`history-${depth}: ${n} version tags, expected ${depth}`);
  const log = ctx.ss(cfg, ['log', SKILL]);
  if (log.code !== 0) ctx.fail(name, `skillsync log ${SKILL} with ${depth} versions exited ${log.code}: ${log.stderr.trim().slice(0, 300)}`);
  return cfg;
}

export async function run(ctx) {
  const [small, big] = ctx.preset.historyDepths;
  const src = generateFleet(join(ctx.root, 'history-plugins'), { plugins: 1, skills: 10, files: 5, seed: 7 });
  const a = build(ctx, src, small);
  const b = build(ctx, src, big);
  const measure = (label) => {
    let failed = 0;
    const side = (cfg) => ({
      run: () => {
        const r = ctx.ss(cfg, ['sync'], { timeoutMs: 600_000 });
        if (r.code !== 0) failed++;
        return r.ms;
      },
    });
    const r = interleave({ small: side(a), big: side(b) }, { runs: ctx.preset.runs, warmup: 1 });
    if (failed) ctx.fail(name, `${label}: sync failed in ${failed} runs`);
    const ratio = r.big.median / r.small.median;
    ctx.row({
      scenario: name,
      work: `no-op sync with ${big.toLocaleString('en-US')} vs ${small} published versions (${label})`,
      skillsync: fmtSpread(r.big), git: fmtSpread(r.small), ratio, target: '≤ 1.2x', met: ratio <= 1.2,
      detail: `"git" column = skillsync itself with ${small} versions; 1 plugin (10 skills) + 1 local skill; ${r.big.n} runs; min ${fmtMs(r.big.min)} vs ${fmtMs(r.small.min)}`,
      ms: r,
    });
  };
  measure('tags loose');
  for (const cfg of [a, b]) mustRun('git', ['--git-dir', cfg.gitdir, 'pack-refs', '--all'], { env: gitEnv() });
  measure('refs packed');
  const lg = interleave({ small: { run: () => ctx.ss(a, ['log', SKILL]).ms }, big: { run: () => ctx.ss(b, ['log', SKILL]).ms } }, { runs: 1, warmup: 0 });
  ctx.note(name, `\`skillsync log ${SKILL}\`: ${fmtMs(lg.big.median)} with ${big} versions vs ${fmtMs(lg.small.median)} with ${small} (lists every version; expected to grow).`);
}
