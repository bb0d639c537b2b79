// `skillsync merge-file -p` vs `git merge-file -p` on the same three files, whole
// process each (so Node's start-up is in the skillsync number: see the floor row).
// Cases: one side rewritten (every text line changed, blank lines and fences kept, the
// other side with a few edits: one large conflict), and many scattered edits on both
// sides (mostly clean, a few conflicts). Outputs and exit codes are compared with git's.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../fleet.js';
import { interleave, timeCmd, fmtMs, fmtSpread } from '../measure.js';
import { BIN, gitEnv } from '../context.js';

export const name = 'merge-file';
export const title = 'three-way text merge';

const W = 'alpha beta gamma delta merge file line text change value result branch commit skill review update note'.split(' ');

function line(rnd, tag) {
  const r = rnd();
  if (r < 0.12) return '';
  if (r < 0.15) return '```';
  if (r < 0.18) return '---';
  return text(rnd, tag);
}

function text(rnd, tag) {
  const k = rnd.int(3, 12);
  const w = [];
  for (let i = 0; i < k; i++) w.push(rnd.pick(W));
  return `${tag}${rnd.int(0, 99999)} ${w.join(' ')}`;
}

function baseText(rnd, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(line(rnd, 'b'));
  return out;
}

/** Every text line rewritten; blank lines, fences and rules stay (as in a real rewrite). */
function rewrite(rnd, base) {
  return base.map((l) => (l === '' || l === '```' || l === '---' ? l : text(rnd, 'w')));
}

/** `edits` scattered edits (replace / insert / delete) at positions from `positions`. */
function scatter(rnd, base, positions, tag) {
  const out = [...base];
  for (const pos of [...positions].sort((a, b) => b - a)) {
    const kind = rnd();
    if (kind < 0.6) out[pos] = text(rnd, tag);
    else if (kind < 0.8) out.splice(pos, 0, text(rnd, tag));
    else out.splice(pos, 1);
  }
  return out;
}

function positions(rnd, n, count, avoid = new Set()) {
  const s = new Set();
  while (s.size < count) {
    const p = rnd.int(0, n - 1);
    if (!avoid.has(p)) s.add(p);
  }
  return s;
}

function makeCase(dir, id, base, cur, other) {
  mkdirSync(dir, { recursive: true });
  const f = (n, lines) => {
    const p = join(dir, `${id}.${n}`);
    writeFileSync(p, lines.join('\n') + '\n');
    return p;
  };
  return { cur: f('current', cur), base: f('base', base), other: f('other', other) };
}

export async function run(ctx) {
  const dir = join(ctx.root, 'merge');
  const cases = [];
  for (const n of ctx.preset.mergeLines) {
    const rnd = prng(1000 + n);
    const base = baseText(rnd, n);
    const cur = scatter(rnd, base, positions(rnd, n, 10), 'c');
    cases.push({ id: `rewrite-${n}`, lines: n, work: `merge-file, one side rewritten, ${n.toLocaleString('en-US')} lines`, ...makeCase(dir, `rewrite-${n}`, base, cur, rewrite(rnd, base)) });
  }
  {
    const n = ctx.preset.scatteredLines;
    const e = ctx.preset.scatteredEdits;
    const rnd = prng(77);
    const base = baseText(rnd, n);
    const pc = positions(rnd, n, e);
    // ~5% of the other side's edits land on lines the current side edited too.
    const overlap = [...pc].slice(0, Math.round(e * 0.05));
    const po = new Set([...positions(rnd, n, e - overlap.length, pc), ...overlap]);
    cases.push({ id: `scattered-${n}`, lines: n, work: `merge-file, ${e} scattered edits per side, ${n.toLocaleString('en-US')} lines`, ...makeCase(dir, `scattered-${n}`, base, scatter(rnd, base, pc, 'c'), scatter(rnd, base, po, 'o')) });
  }
  for (const c of cases) {
    const args = ['-p', '-L', 'current', '-L', 'base', '-L', 'other', c.cur, c.base, c.other];
    let gitOut = null;
    let ssOut = null;
    let timeouts = 0;
    const r = interleave(
      {
        git: {
          run: () => {
            const g = timeCmd('git', ['merge-file', ...args], { env: gitEnv(), timeoutMs: 300_000 });
            gitOut = g;
            return g.ms;
          },
        },
        skillsync: {
          run: () => {
            const s = timeCmd(process.execPath, [BIN, 'merge-file', ...args], { cwd: ctx.root, timeoutMs: 300_000 });
            if (s.timedOut) timeouts++;
            ssOut = s;
            return s.timedOut ? Infinity : s.ms;
          },
        },
      },
      { runs: ctx.preset.runs, warmup: 1 },
    );
    if (timeouts) ctx.fail(name, `${c.id}: skillsync merge-file timed out (300 s) in ${timeouts} runs`);
    const same = gitOut && ssOut && gitOut.code === ssOut.code && Buffer.compare(gitOut.stdout, ssOut.stdout) === 0;
    let agree = same ? 'identical output and exit code' : '';
    if (!same && gitOut && ssOut) {
      agree = `DIFFERS from git: exit ${ssOut.code} vs git ${gitOut.code}, ${ssOut.stdout.length} vs ${gitOut.stdout.length} bytes`;
      ctx.fail(name, `${c.id}: output differs from git merge-file (exit ${ssOut.code} vs ${gitOut.code}, ${ssOut.stdout.length} vs ${gitOut.stdout.length} bytes; files kept under ${dir} when --keep)`);
    }
    const ratio = r.skillsync.median / r.git.median;
    const gated = c.lines >= 50000;
    ctx.row({
      scenario: name,
      work: c.work,
      skillsync: fmtSpread(r.skillsync), git: fmtSpread(r.git), ratio,
      target: gated ? '≤ 5x' : '(≤ 5x at 50k)', met: gated ? ratio <= 5 : null,
      detail: `${r.skillsync.n} runs; ${gitOut ? `git exit ${gitOut.code} (conflicts)` : ''}; ${agree}`,
      ms: r,
    });
  }
}
