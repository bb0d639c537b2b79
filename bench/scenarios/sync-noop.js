// no-op `skillsync sync` (whole process, warm, every plugin enabled) vs `git status
// --porcelain` on a repository whose work tree is the very same plugins folder.
import { interleave, fmtMs, fmtSpread } from '../measure.js';
import { compareTrees } from '../context.js';

export const name = 'sync-noop';
export const title = 'no-op sync';

export async function run(ctx) {
  const fleet = ctx.fleet();
  const cfg = ctx.enabledWorkspace();
  const repo = ctx.gitRepo();
  // One look at what a no-op pass reports: everything must be unchanged.
  const j = ctx.ss(cfg, ['--json', 'sync'], { timeoutMs: 600_000 });
  if (j.code !== 0) throw new Error(`skillsync sync exited ${j.code}: ${j.stderr.trim()}`);
  try {
    const res = JSON.parse(j.stdout.toString('utf8'));
    const odd = [];
    for (const p of res.plugins) for (const s of p.skills) if (s.classification !== 'unchanged') odd.push(`${p.id}/${s.name}: ${s.classification}`);
    if (odd.length) ctx.fail(name, `no-op sync classified ${odd.length} skills as changed, e.g. ${odd.slice(0, 3).join(', ')}`);
  } catch (e) {
    ctx.fail(name, `sync --json output is not JSON: ${e.message}`);
  }
  const wrong = compareTrees(fleet, repo, cfg);
  if (wrong.length) ctx.fail(name, `${wrong.length} skills differ between skillsync's main and git's tree of the same folder, e.g. ${wrong.slice(0, 3).join('; ')}`);
  else ctx.note(name, `every one of the ${fleet.plugins.reduce((n, p) => n + p.skills.length, 0)} skill trees on main equals git's tree of the same folder.`);
  let dirty = 0;
  let failed = 0;
  const r = interleave(
    {
      git: {
        run: () => {
          const g = repo.git('status', '--porcelain');
          if (g.code !== 0 || g.stdout.length) dirty++;
          return g.ms;
        },
      },
      skillsync: {
        run: () => {
          const s = ctx.ss(cfg, ['sync'], { timeoutMs: 600_000 });
          if (s.code !== 0) failed++;
          return s.ms;
        },
      },
    },
    { runs: ctx.preset.runs, warmup: 1 },
  );
  if (dirty) ctx.fail(name, `git status was not clean in ${dirty} runs`);
  if (failed) ctx.fail(name, `skillsync sync failed in ${failed} runs`);
  const ratio = r.skillsync.median / r.git.median;
  ctx.row({
    scenario: name,
    work: `no-op \`skillsync sync\`, whole process, ${fleet.files} files`,
    skillsync: fmtSpread(r.skillsync), git: fmtSpread(r.git), ratio, target: '≤ 1.5x', met: ratio <= 1.5,
    detail: `${r.skillsync.n} runs after 1 warm-up; min skillsync ${fmtMs(r.skillsync.min)}, git ${fmtMs(r.git.min)}; git: \`git status --porcelain\``,
    ms: r,
  });
}
