// enable all (initial mirror) vs copying the same files into a repository by hand:
// `cp -a plugins X && git init && git add -A && git commit` (DESIGN: skillsync also
// materialises the live view, so the copy is part of the fair comparison).
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { timeCmd, stats, fmtMs, fmtSpread } from '../measure.js';
import { gitEnv, rmrf } from '../context.js';

export const name = 'enable';
export const title = 'enable all (initial mirror)';

const GIT_SIDE = 'cp -a "$1" "$2" && git -C "$2" init -q && git -C "$2" add -A && git -C "$2" commit -qm fleet';

export async function run(ctx) {
  const fleet = ctx.fleet();
  const ids = ctx.pluginIds();
  const runs = ctx.preset.bigRuns;
  const gitMs = [];
  const ssMs = [];
  const initMs = [];
  let kept = null;
  // A time budget: while skillsync's enable is many times slower than git's, three
  // runs of 50,000 files would take most of an hour; one run already shows the ratio.
  const budgetMs = ctx.preset.enableBudgetS * 1000;
  const t0 = Date.now();
  let last = 0;
  for (let i = 0; i < runs; i++) {
    if (i > 0 && Date.now() - t0 + last > budgetMs) {
      ctx.note(name, `stopped after ${i} of ${runs} runs: the next would end past the scenario's ${ctx.preset.enableBudgetS} s budget (last run ${fmtMs(last)}).`);
      break;
    }
    const tr = Date.now();
    // git side
    const dir = join(ctx.root, `enable-git-${i}`);
    rmrf(dir);
    flush();
    const g = timeCmd('sh', ['-c', GIT_SIDE, 'sh', fleet.root, dir], { env: gitEnv(), timeoutMs: 3600_000 });
    if (g.code !== 0) throw new Error(`git side failed: ${g.stderr}`);
    gitMs.push(g.ms);
    rmrf(dir);
    // skillsync side, on a fresh workspace
    const cfg = ctx.config(`enable-${i}`);
    rmrf(cfg.ws);
    flush();
    const a = ctx.ss(cfg, ['init']);
    const b = a.code === 0 ? ctx.ss(cfg, ['enable', ...ids], { timeoutMs: 3600_000 }) : a;
    if (a.code !== 0 || b.code !== 0) {
      ctx.fail(name, `run ${i}: skillsync ${a.code !== 0 ? 'init' : 'enable'} exited ${b.code}${b.timedOut ? ' (timeout)' : ''}: ${b.stderr.trim().slice(0, 500)}`);
      rmrf(cfg.ws);
      continue;
    }
    ssMs.push(a.ms + b.ms);
    initMs.push(a.ms);
    last = Date.now() - tr;
    ctx.log(`  run ${i + 1}/${runs}: git ${fmtMs(g.ms)}, skillsync ${fmtMs(a.ms + b.ms)} (init ${fmtMs(a.ms)})`);
    if (kept) rmrf(kept.ws);
    kept = cfg;
  }
  if (kept) {
    check(ctx, kept, fleet);
    ctx.adoptEnabledWorkspace(kept);
  }
  const s = stats(ssMs);
  const gs = stats(gitMs);
  const ratio = s.median / gs.median;
  ctx.row({
    scenario: name,
    work: `enable all (initial mirror), ${fleet.plugins.length} plugins / ${fleet.files} files`,
    skillsync: fmtSpread(s), git: fmtSpread(gs), ratio, target: '≤ 1.2x', met: Number.isFinite(ratio) ? ratio <= 1.2 : false,
    detail: `init + enable, ${s.n} runs, min ${fmtMs(s.min)} (init alone ${fmtMs(stats(initMs).median)}); git: cp -a + git init + git add -A + git commit, min ${fmtMs(gs.min)}`,
    ms: { skillsync: s, git: gs },
  });
}

/**
 * Write back what earlier steps left dirty (the fleet, the other side's ~200 MB, the
 * removals) before a side is timed: the kernel flushes data ~30 s old every 5 s, so
 * otherwise each side pays for the one before it (seen: skillsync 35-45 s in one run).
 */
function flush() {
  spawnSync('sync', [], { stdio: 'ignore' });
}

/** The mirror holds every file and the live view every skill. */
function check(ctx, cfg, fleet) {
  const ls = timeCmd('git', ['--git-dir', cfg.gitdir, 'ls-tree', '-r', '--name-only', 'main', 'skills/'], { env: gitEnv() });
  const files = ls.code === 0 ? ls.stdout.toString('utf8').split('\n').filter(Boolean).length : -1;
  if (files !== fleet.files) ctx.fail(name, `main:skills/ holds ${files} files, the fleet ${fleet.files}`);
  let live = -1;
  try {
    live = readdirSync(join(cfg.ws, 'live', 'skills')).length;
  } catch {
    /* below */
  }
  const skills = fleet.plugins.reduce((n, p) => n + p.skills.length, 0);
  if (live !== skills) ctx.fail(name, `live/skills has ${live} entries, the fleet ${skills} skills`);
  const tags = timeCmd('git', ['--git-dir', cfg.gitdir, 'for-each-ref', '--format=%(refname)', 'refs/tags/skills/'], { env: gitEnv() });
  const n = tags.stdout.toString('utf8').split('\n').filter(Boolean).length;
  if (n !== skills) ctx.fail(name, `${n} version tags after enable, expected ${skills}`);
}
