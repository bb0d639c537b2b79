// Remote sources over smart HTTP, on one local server (git http-backend behind node:http,
// its own process) and one repository of about 3,000 commits and 40,000 objects:
// * a first fetch: `skillsync fetch` into a new workspace vs `git clone --bare --depth 1`;
// * a poll with no change: `skillsync fetch` with the cache warm vs `git ls-remote`
//   (no pack may be downloaded: the server counts upload-pack POSTs).
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { interleave, fmtMs, fmtSpread, mustRun } from '../measure.js';
import { gitEnv } from '../context.js';

export const name = 'fetch';
export const title = 'remote fetch over smart HTTP';

/** A marketplace-like history written with fast-import: `commits` commits over plugins/<p>/skills/<s>/. */
function buildRepo(dir, commits, plugins, skills) {
  mustRun('git', ['init', '-q', '--bare', '-b', 'main', dir], { env: gitEnv() });
  const lines = [];
  let mark = 0;
  const files = [];
  for (let p = 0; p < plugins; p++) for (let s = 0; s < skills; s++) for (const f of ['SKILL.md', 'reference.md', 'scripts/run.sh']) files.push(`plugins/p${p}/skills/s${s}/${f}`);
  for (let c = 0; c < commits; c++) {
    lines.push(`commit refs/heads/main`, `mark :${++mark}`, `committer Bench <b@example.com> ${1700000000 + c} +0000`);
    const msg = `change ${c}`;
    lines.push(`data ${Buffer.byteLength(msg)}`, msg);
    if (c > 0) lines.push(`from :${mark - 1}`);
    // The first commit adds every file; later ones change a few.
    const touched = c === 0 ? files : Array.from({ length: 2 }, (_, i) => files[(c * 7919 + i * 104729) % files.length]);
    for (const f of touched) {
      const body = f.endsWith('SKILL.md') ? `---\nname: ${f.split('/')[3]}\ndescription: bench skill\n---\nrevision ${c} of ${f}\n` : `revision ${c} of ${f}\n${'x'.repeat(200)}\n`;
      lines.push(`M ${f.endsWith('.sh') ? '100755' : '100644'} inline ${f}`, `data ${Buffer.byteLength(body)}`, body);
    }
    lines.push('');
  }
  mustRun('git', ['--git-dir', dir, 'fast-import', '--quiet'], { env: gitEnv(), input: Buffer.from(lines.join('\n') + '\n') });
  mustRun('git', ['--git-dir', dir, 'gc', '-q'], { env: gitEnv() });
  return Number(/count: (\d+)/.exec(mustRun('git', ['--git-dir', dir, 'count-objects', '-v'], { env: gitEnv() }).stdout.toString())?.[1] ?? 0) + Number(/in-pack: (\d+)/.exec(mustRun('git', ['--git-dir', dir, 'count-objects', '-v'], { env: gitEnv() }).stdout.toString())?.[1] ?? 0);
}

async function startServer(root) {
  const p = spawn(process.execPath, [new URL('./fetch-server.js', import.meta.url).pathname, root], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((res, rej) => {
    p.stdout.once('data', (d) => res(Number(String(d).trim())));
    p.once('exit', (c) => rej(new Error(`fetch server exited ${c}`)));
  });
  return { port, stop: () => p.kill(), stats: async () => (await (await fetch(`http://127.0.0.1:${port}/__stats`)).json()).packPosts };
}

export async function run(ctx) {
  const quick = ctx.preset.name === 'quick';
  const root = join(ctx.root, 'fetch');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'srv'), { recursive: true });
  const commits = quick ? 300 : 3000;
  const objects = buildRepo(join(root, 'srv', 'market.git'), commits, quick ? 20 : 50, quick ? 20 : 40);
  ctx.log(`fetch: repository of ${commits} commits, ${objects} objects`);
  const server = await startServer(join(root, 'srv'));
  try {
    const url = `http://127.0.0.1:${server.port}/market.git`;
    let n = 0;
    const config = (ws) => {
      const file = join(root, `cfg-${ws}.yaml`);
      writeFileSync(file, `workspace: ./ws-${ws}\nsources:\n  - git: ${url}\nfetch: { timeoutSeconds: 600, maxBytes: 4294967296 }\n`);
      return { config: file };
    };
    let failed = 0;
    const first = interleave(
      {
        git: { run: () => {
          const dest = join(root, `clone-${n++}.git`);
          const r = mustRun('git', ['clone', '-q', '--bare', '--depth', '1', url, dest], { env: gitEnv() });
          rmSync(dest, { recursive: true, force: true });
          return r.ms;
        } },
        skillsync: { run: () => {
          const ws = `first-${n++}`;
          const r = ctx.ss(config(ws), ['fetch'], { timeoutMs: 600_000 });
          if (r.code !== 0) failed++;
          rmSync(join(root, `ws-${ws}`), { recursive: true, force: true });
          return r.ms;
        } },
      },
      { runs: ctx.preset.runs, warmup: 1 },
    );
    if (failed) ctx.fail(name, `skillsync fetch failed in ${failed} first-fetch runs`);
    const ratio1 = first.skillsync.median / first.git.median;
    ctx.row({ scenario: name, work: `first fetch of a ${commits}-commit, ${objects}-object repository over smart HTTP, whole process`, skillsync: fmtSpread(first.skillsync), git: fmtSpread(first.git), ratio: ratio1, target: '≤ 3x', met: ratio1 <= 3, detail: `git: \`git clone --bare --depth 1\`; min skillsync ${fmtMs(first.skillsync.min)}, git ${fmtMs(first.git.min)}`, ms: first });

    const warm = config('warm');
    const w = ctx.ss(warm, ['fetch'], { timeoutMs: 600_000 });
    if (w.code !== 0) throw new Error(`skillsync fetch exited ${w.code}: ${w.stderr.trim()}`);
    const before = await server.stats();
    const poll = interleave(
      {
        git: { run: () => mustRun('git', ['ls-remote', url], { env: gitEnv() }).ms },
        skillsync: { run: () => ctx.ss(warm, ['fetch'], { timeoutMs: 600_000 }).ms },
      },
      { runs: ctx.preset.runs, warmup: 1 },
    );
    const packs = (await server.stats()) - before;
    if (packs) ctx.fail(name, `a poll with no change asked for ${packs} pack(s)`);
    const ratio2 = poll.skillsync.median / poll.git.median;
    ctx.row({ scenario: name, work: 'poll with no change (`skillsync fetch`, cache warm), whole process', skillsync: fmtSpread(poll.skillsync), git: fmtSpread(poll.git), ratio: ratio2, target: '≤ 1.5x, no pack', met: ratio2 <= 1.5 && packs === 0, detail: `git: \`git ls-remote\`; upload-pack POSTs during the polls: ${packs}`, ms: poll });
  } finally {
    server.stop();
  }
}
