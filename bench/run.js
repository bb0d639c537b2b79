#!/usr/bin/env node
// npm run bench [-- --quick] [-- --only enable,sync-noop] [-- --runs N] [-- --out bench/RESULTS.md | --no-write]
// Generates a plugin fleet, runs skillsync and native git on the same files in one run,
// prints a table of medians and ratios, and writes it with the machine to RESULTS.md.
// Absolute times on a shared machine are noisy: the ratio measured in one run is what counts.
import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import os from 'node:os';
import { BenchContext, PRESETS, REPO, gitEnv } from './context.js';
import { timeCmd, fmtMs } from './measure.js';
import * as startup from './scenarios/startup.js';
import * as enable from './scenarios/enable.js';
import * as syncNoop from './scenarios/sync-noop.js';
import * as syncChange from './scenarios/sync-change.js';
import * as history from './scenarios/history.js';
import * as mergeFile from './scenarios/merge-file.js';
import * as daemon from './scenarios/daemon.js';
import * as fetchScenario from './scenarios/fetch.js';
import * as scale from './scenarios/scale.js';

// Order matters only for reuse: enable leaves the workspace that the sync and daemon
// scenarios use (they build one themselves when run alone with --only).
const SCENARIOS = [startup, enable, syncNoop, syncChange, daemon, history, mergeFile, fetchScenario, scale];

const USAGE = `usage: node bench/run.js [options]     (npm run bench -- [options])
  --quick            a few thousand files, fewer runs (about a minute)
  --full             also the 500,000-file scaling rows (hours)
  --only <a,b,...>   only these scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}
  --runs <n>         timed runs per case (default ${PRESETS.default.runs}, ${PRESETS.default.bigRuns} for enable; quick ${PRESETS.quick.runs}/${PRESETS.quick.bigRuns})
  --daemon-rounds <n>  latency rounds of the daemon scenario (default ${PRESETS.default.daemonIterations}, quick ${PRESETS.quick.daemonIterations})
  --out <file>       where to write the results (default bench/RESULTS.md)
  --no-write         print only, write no file
  --json <file>      also write every sample as JSON
  --tmp <dir>        where fleets and workspaces go (default: a new dir in ${os.tmpdir()})
  --keep             keep that directory afterwards`;

function parse(argv) {
  const o = { quick: false, full: false, only: null, runs: null, daemonRounds: null, out: join(REPO, 'bench', 'RESULTS.md'), write: true, json: null, tmp: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a === '--full') o.full = true;
    else if (a === '--only') o.only = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--runs') {
      o.runs = Number(val());
      if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs needs a positive integer');
    } else if (a === '--daemon-rounds') {
      o.daemonRounds = Number(val());
      if (!Number.isInteger(o.daemonRounds) || o.daemonRounds < 1) throw new Error('--daemon-rounds needs a positive integer');
    } else if (a === '--out') o.out = resolve(val());
    else if (a === '--no-write') o.write = false;
    else if (a === '--json') o.json = resolve(val());
    else if (a === '--tmp') o.tmp = resolve(val());
    else if (a === '--keep') o.keep = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (o.only) {
    const known = new Set(SCENARIOS.map((s) => s.name));
    for (const n of o.only) if (!known.has(n)) throw new Error(`unknown scenario '${n}' (known: ${[...known].join(', ')})`);
  }
  return o;
}

function sh(cmd, args, opts) {
  const r = timeCmd(cmd, args, opts);
  return r.code === 0 ? r.stdout.toString('utf8').trim() : '';
}

function machine(root) {
  const cpus = os.cpus();
  const fs = sh('df', ['-PT', root]).split('\n').pop()?.split(/\s+/)[1] ?? '?';
  const head = sh('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD']);
  const dirty = sh('git', ['-C', REPO, '--no-optional-locks', 'status', '--porcelain', '--untracked-files=no']).split('\n').filter(Boolean).length;
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: `${cpus[0]?.model?.trim() ?? '?'} x ${cpus.length}`,
    ram: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    git: sh('git', ['--version'], { env: gitEnv() }),
    fs: `${fs} (${root})`,
    skillsync: head ? `${head}${dirty ? ` + uncommitted changes in ${dirty} tracked files` : ''}` : '?',
  };
}

function fmtRatio(r) {
  return r == null || !Number.isFinite(r) ? '—' : `${r.toFixed(2)}x`;
}

function table(rows) {
  const head = ['work', 'skillsync median (min–max)', 'git median (min–max)', 'ratio', 'target', 'met?'];
  const body = rows.map((r) => [r.work, r.skillsync, r.git || '—', fmtRatio(r.ratio), r.target, r.met == null ? '—' : r.met ? 'yes' : '**NO**']);
  const esc = (s) => String(s).replace(/\|/g, '\\|');
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((b) => `| ${b.map(esc).join(' | ')} |`)].join('\n');
}

function plainTable(rows) {
  const head = ['work', 'skillsync', 'git', 'ratio', 'target', 'met?'];
  const body = rows.map((r) => [r.work, r.skillsync, r.git || '—', fmtRatio(r.ratio), r.target, r.met == null ? '—' : r.met ? 'yes' : 'NO']);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => String(b[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(w[i])).join('  ');
  return [line(head), line(w.map((n) => '-'.repeat(n))), ...body.map(line)].join('\n');
}

function report({ opts, ctx, info, load0, load1, started, elapsedS, argv }) {
  const p = ctx.preset;
  const worst = ctx.rows.filter((r) => r.met === false).sort((a, b) => (b.ratio ?? 0) - (a.ratio ?? 0));
  const L = [];
  L.push('# skillsync benchmark results', '');
  L.push(`Generated by \`node bench/run.js${argv.length ? ' ' + argv.join(' ') : ''}\` (\`npm run bench\`). Every number is the wall time of a whole process; medians of interleaved runs (skillsync, git, skillsync, git, ...). The machine is shared and noisy: compare the **ratio** measured in this run, not absolute times across runs.`, '');
  L.push('## Run', '');
  L.push(`* date: ${started.toISOString()}, took ${(elapsedS / 60).toFixed(1)} min`);
  L.push(`* preset: ${p.name}${opts.runs ? ` (--runs ${opts.runs})` : ''}${opts.only ? `, only: ${opts.only.join(', ')}` : ''} — fleet ${p.plugins} plugins x ${p.skills} skills x ${p.files} files = ${p.plugins * p.skills * p.files} files${ctx._fleet ? ` (${(ctx._fleet.bytes / 1e6).toFixed(0)} MB)` : ''}; ${p.runs} timed runs per case after one warm-up (enable: up to ${p.bigRuns} runs${Number.isFinite(p.enableBudgetS) ? ` within ${p.enableBudgetS} s` : ''}, no warm-up)`);
  L.push(`* skillsync: ${info.skillsync}`);
  L.push('', '## Machine', '');
  L.push(`* ${info.os}; CPU: ${info.cpu}; RAM: ${info.ram}`);
  L.push(`* node ${info.node}; ${info.git}; file system: ${info.fs}`);
  L.push(`* load average (1/5/15 min) at start: ${load0.map((x) => x.toFixed(2)).join(' / ')}, at end: ${load1.map((x) => x.toFixed(2)).join(' / ')}`);
  L.push('', '## Results', '', table(ctx.rows), '');
  if (worst.length) {
    L.push(`Targets not met (${worst.length}): ${worst.map((r) => `${r.work} — ${r.ratio != null ? fmtRatio(r.ratio) : r.skillsync} (target ${r.target})`).join('; ')}.`, '');
  }
  L.push('## How each row was measured', '');
  for (const r of ctx.rows) if (r.detail) L.push(`* **${r.work}**: ${r.detail}`);
  L.push('* The "floor" rows are process start-up alone: every skillsync number includes Node start-up and module loading, every git number git\'s.');
  L.push('* Same files on both sides: `git status` runs on a repository whose work tree *is* the generated plugins folder (`--git-dir`/`--work-tree`, everything committed once), skillsync on a workspace that enabled every plugin of that folder; the enable comparison copies the same folder with `cp -a` into a fresh repository. git runs with the user\'s and system config ignored.');
  L.push('', '## Notes', '');
  if (!ctx.notes.length) L.push('* none');
  for (const n of ctx.notes) L.push(`* ${n.scenario}: ${n.text}`);
  L.push('', '## Failures and errors seen while running', '');
  if (!ctx.failures.length) L.push('* none');
  for (const f of ctx.failures) L.push(`* ${f.scenario}: ${f.text}`);
  L.push('');
  return L.join('\n');
}

async function main() {
  const argv = process.argv.slice(2);
  let opts;
  try {
    opts = parse(argv);
  } catch (e) {
    process.stderr.write(`bench: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (!existsSync(join(REPO, 'dist', 'cli', 'main.js'))) {
    process.stderr.write('bench: dist/ is missing; run `npm run build` first (npm run bench does)\n');
    return 2;
  }
  const preset = opts.quick ? PRESETS.quick : PRESETS.default;
  if (opts.tmp) mkdirSync(opts.tmp, { recursive: true });
  const root = opts.tmp ? mkdtempSync(join(opts.tmp, 'run-')) : mkdtempSync(join(os.tmpdir(), 'skillsync-bench-'));
  const ctx = new BenchContext({ preset, root, runs: opts.runs, daemonRounds: opts.daemonRounds });
  ctx.full = opts.full;
  const cleanup = () => {
    if (!opts.keep) rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      process.stderr.write(`\nbench: ${sig}${opts.keep ? `; kept ${root}` : ', cleaning up'}\n`);
      cleanup();
      process.exit(130);
    });
  }
  const started = new Date();
  const load0 = os.loadavg();
  const info = machine(root);
  ctx.log(`skillsync bench, preset ${preset.name}, in ${root}`);
  ctx.log(`${info.cpu}, ${info.ram}, node ${info.node}, ${info.git}, load ${load0.map((x) => x.toFixed(2)).join(' ')}`);
  const chosen = SCENARIOS.filter((s) => !opts.only || opts.only.includes(s.name));
  for (const s of chosen) {
    ctx.log(`scenario ${s.name}: ${s.title}`);
    const t = Date.now();
    try {
      await s.run(ctx);
    } catch (e) {
      ctx.fail(s.name, `scenario aborted: ${e && e.message ? e.message : String(e)}`);
      ctx.row({ scenario: s.name, work: `${s.title}: FAILED`, skillsync: 'error', git: '', ratio: null, target: '—', met: false });
    }
    ctx.log(`scenario ${s.name} done in ${fmtMs(Date.now() - t)}`);
  }
  const load1 = os.loadavg();
  const elapsedS = (Date.now() - ctx.t0) / 1000;
  process.stdout.write('\n' + plainTable(ctx.rows) + '\n');
  if (ctx.notes.length) {
    process.stdout.write('\nnotes:\n');
    for (const n of ctx.notes) process.stdout.write(`  ${n.scenario}: ${n.text}\n`);
  }
  if (ctx.failures.length) {
    process.stdout.write(`\n${ctx.failures.length} failure(s):\n`);
    for (const f of ctx.failures) process.stdout.write(`  ${f.scenario}: ${f.text}\n`);
  }
  const md = report({ opts, ctx, info, load0, load1, started, elapsedS, argv });
  if (opts.write) {
    writeFileSync(opts.out, md);
    process.stdout.write(`\nwrote ${opts.out}\n`);
  }
  if (opts.json) {
    writeFileSync(opts.json, JSON.stringify({ started, preset: ctx.preset, machine: info, load0, load1, rows: ctx.rows, notes: ctx.notes, failures: ctx.failures }, null, 2));
  }
  if (opts.keep) process.stdout.write(`kept ${root}\n`);
  cleanup();
  // Loud: a result that differs from git's (or any failed check) fails the run.
  if (ctx.failures.length) {
    process.stderr.write(`\nbench: FAILED: ${ctx.failures.length} check(s) failed (listed above and in the results)\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`bench: ${e && e.stack ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
