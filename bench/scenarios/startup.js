// The floor every whole-process number stands on: a bare Node start and a bare git
// start, so readers can tell process start-up from work.
import { timeCmd, interleave, fmtMs, fmtSpread } from '../measure.js';
import { BIN, gitEnv } from '../context.js';

export const name = 'startup';
export const title = 'process floor';

export async function run(ctx) {
  const runs = Math.max(ctx.preset.runs, 5);
  const r = interleave(
    {
      git: { run: () => timeCmd('git', ['--version'], { env: gitEnv() }).ms },
      node: { run: () => timeCmd(process.execPath, ['-e', '0']).ms },
      skillsync: { run: () => timeCmd(process.execPath, [BIN, '--version']).ms },
    },
    { runs, warmup: 1 },
  );
  ctx.row({ scenario: name, work: 'floor: `node -e 0` vs `git --version`', skillsync: fmtSpread(r.node), git: fmtSpread(r.git), ratio: r.node.median / r.git.median, target: '—', met: null, ms: { skillsync: r.node, git: r.git } });
  ctx.row({ scenario: name, work: 'floor: `skillsync --version` (node + CLI load)', skillsync: fmtSpread(r.skillsync), git: fmtSpread(r.git), ratio: r.skillsync.median / r.git.median, target: '—', met: null, ms: { skillsync: r.skillsync, git: r.git } });
}
