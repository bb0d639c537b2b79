// sync after one file changed in one skill (skillsync proposes it) vs `git status` on
// the same files. Every run writes new content, so every sync has real work to do.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stats, fmtMs, fmtSpread } from '../measure.js';
import { skillDir } from '../fleet.js';
import { readRefFile } from '../context.js';

export const name = 'sync-change';
export const title = 'sync after one file changed';

export async function run(ctx) {
  const fleet = ctx.fleet();
  const cfg = ctx.enabledWorkspace();
  const repo = ctx.gitRepo();
  const pi = Math.floor(fleet.plugins.length / 2);
  const plugin = fleet.plugins[pi].id;
  const skill = fleet.plugins[pi].skills[0];
  const file = join(skillDir(fleet, pi, 0), 'references', 'guide.md');
  const ref = `refs/heads/proposals/${plugin}/${skill}`;
  const original = readFileSync(file);
  const gitMs = [];
  const ssMs = [];
  const problems = [];
  try {
    for (let i = -1; i < ctx.preset.runs; i++) {
      writeFileSync(file, Buffer.concat([original, Buffer.from(`\nEdited by the bench, round ${i + 1}.\n`)]));
      const before = readRefFile(cfg.gitdir, ref);
      const g = repo.git('status', '--porcelain');
      if (g.code !== 0 || !g.stdout.toString('utf8').includes('guide.md')) problems.push(`git status did not report the change (round ${i + 1})`);
      const s = ctx.ss(cfg, ['--json', 'sync'], { timeoutMs: 600_000 });
      if (s.code !== 0) {
        problems.push(`sync exited ${s.code}: ${s.stderr.trim().slice(0, 300)}`);
      } else {
        let cls = '?';
        try {
          const p = JSON.parse(s.stdout.toString('utf8')).plugins.find((x) => x.id === plugin);
          cls = p?.skills.find((x) => x.name === skill)?.classification ?? 'missing';
        } catch {
          cls = 'unparseable output';
        }
        if (cls !== 'fast_forward') problems.push(`round ${i + 1}: ${skill} classified '${cls}', expected fast_forward`);
        const after = readRefFile(cfg.gitdir, ref);
        if (!after || after === before) problems.push(`round ${i + 1}: proposal ${ref} was not ${before ? 'updated' : 'created'}`);
      }
      if (i >= 0) {
        gitMs.push(g.ms);
        ssMs.push(s.ms);
      }
    }
  } finally {
    writeFileSync(file, original);
    const s = ctx.ss(cfg, ['sync'], { timeoutMs: 600_000 });
    const left = readRefFile(cfg.gitdir, ref);
    if (s.code === 0 && left) ctx.note(name, `after the upstream file was put back to the accepted content, the proposal ${ref} still exists (sync reported the skill unchanged).`);
  }
  for (const p of [...new Set(problems)].slice(0, 5)) ctx.fail(name, p);
  const r = { skillsync: stats(ssMs), git: stats(gitMs) };
  const ratio = r.skillsync.median / r.git.median;
  ctx.row({
    scenario: name,
    work: 'sync after one file changed in one skill (→ proposal)',
    skillsync: fmtSpread(r.skillsync), git: fmtSpread(r.git), ratio, target: '≤ 1.5x', met: ratio <= 1.5,
    detail: `${r.skillsync.n} runs after 1 warm-up, new content each run (the proposal is superseded); min skillsync ${fmtMs(r.skillsync.min)}, git ${fmtMs(r.git.min)}`,
    ms: r,
  });
}
