// How cost grows with the workspace: no-op sync and sync after one changed file at
// several fleet sizes (5,000 files, the preset's fleet, and 500,000 with --full), each
// against `git status --porcelain` on the same files. Flat per-change cost and linear
// no-op cost, with a slope no worse than git's, is the goal.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateFleet, skillDir } from '../fleet.js';
import { interleave, mustRun, fmtMs, fmtSpread } from '../measure.js';
import { compareTrees, gitEnv, readRefFile, rmrf } from '../context.js';

export const name = 'scale';
export const title = 'no-op and one-change sync at several sizes';

/** plugins x 50 skills x 5 files. */
const SIZES = { 5000: 20, 50000: 200, 500000: 2000 };

function fixture(ctx, files) {
  const root = join(ctx.root, `scale-${files}`);
  const fleet = generateFleet(join(root, 'plugins'), { plugins: SIZES[files], skills: 50, files: 5, seed: 42 });
  const cfg = ctx.config(`scale-${files}`, { sources: [fleet.root], ws: join(root, 'ws') });
  rmrf(cfg.ws);
  ctx.ssOk(cfg, ['init']);
  const t = Date.now();
  ctx.ssOk(cfg, ['enable', ...fleet.plugins.map((p) => p.id)], { timeoutMs: 6 * 3600_000 });
  ctx.log(`  scale ${files}: enable took ${fmtMs(Date.now() - t)}`);
  ctx.ssOk(cfg, ['sync'], { timeoutMs: 3600_000 });
  const gitdir = join(root, 'plugins.git');
  const g = (...a) => mustRun('git', ['--git-dir', gitdir, '--work-tree', fleet.root, ...a], { cwd: root, env: gitEnv() });
  g('init', '-q');
  g('add', '-A');
  g('commit', '-qm', 'fleet');
  const repo = { gitdir, git: (...a) => mustRun('git', ['--git-dir', gitdir, '--work-tree', fleet.root, ...a], { cwd: root, env: gitEnv() }) };
  return { fleet, cfg, repo, root };
}

function measure(ctx, files, fx) {
  const { fleet, cfg, repo } = fx;
  const wrong = compareTrees(fleet, repo, cfg);
  if (wrong.length) ctx.fail(name, `${files} files: ${wrong.length} skill trees differ from git's, e.g. ${wrong.slice(0, 2).join('; ')}`);
  const runs = ctx.preset.runs;
  const noop = interleave(
    { git: { run: () => repo.git('status', '--porcelain').ms }, skillsync: { run: () => ctx.ssOk(cfg, ['sync'], { timeoutMs: 3600_000 }).ms } },
    { runs, warmup: 1 },
  );
  const r1 = noop.skillsync.median / noop.git.median;
  ctx.row({ scenario: name, work: `scaling: no-op sync, ${files.toLocaleString('en-US')} files`, skillsync: fmtSpread(noop.skillsync), git: fmtSpread(noop.git), ratio: r1, target: '≤ 1.5x', met: r1 <= 1.5, detail: `${runs} interleaved runs after 1 warm-up; git: \`git status --porcelain\`` });
  // One file changed per round, new content each time: every sync opens or replaces a proposal.
  const pi = Math.floor(fleet.plugins.length / 2);
  const file = join(skillDir(fleet, pi, 0), 'references', 'guide.md');
  const ref = `refs/heads/proposals/${fleet.plugins[pi].id}/${fleet.plugins[pi].skills[0]}`;
  const original = readFileSync(file);
  let round = 0;
  let missed = 0;
  try {
    const change = interleave(
      {
        git: {
          before: () => writeFileSync(file, Buffer.concat([original, Buffer.from(`\nscale edit ${++round}\n`)])),
          run: () => repo.git('status', '--porcelain').ms,
        },
        skillsync: {
          run: () => {
            const before = readRefFile(cfg.gitdir, ref);
            const ms = ctx.ssOk(cfg, ['sync'], { timeoutMs: 3600_000 }).ms;
            const after = readRefFile(cfg.gitdir, ref);
            if (!after || after === before) missed++;
            return ms;
          },
        },
      },
      { runs, warmup: 1 },
    );
    if (missed) ctx.fail(name, `${files} files: ${missed} one-change syncs made no proposal`);
    const r2 = change.skillsync.median / change.git.median;
    ctx.row({ scenario: name, work: `scaling: sync after one file changed, ${files.toLocaleString('en-US')} files`, skillsync: fmtSpread(change.skillsync), git: fmtSpread(change.git), ratio: r2, target: '≤ 1.5x', met: r2 <= 1.5, detail: `${runs} interleaved runs after 1 warm-up, new content each round (the proposal is replaced)` });
  } finally {
    writeFileSync(file, original);
  }
}

export async function run(ctx) {
  const sizes = ctx.full ? [5000, 500000] : [5000];
  for (const files of sizes) {
    const fx = fixture(ctx, files);
    try {
      measure(ctx, files, fx);
    } finally {
      if (files > 50000) rmrf(fx.root);
    }
  }
  ctx.note(name, `the ${(ctx.preset.plugins * ctx.preset.skills * ctx.preset.files).toLocaleString('en-US')}-file rows are the sync-noop and sync-change rows above${ctx.full ? '' : '; the 500,000-file rows need --full'}.`);
}
