#!/usr/bin/env node
// The real-repository check: runs the safety engine over every skill folder of the
// mirrored public publishers and reports findings by severity and what would block.
// With --enable it also runs `skillsync enable` on every local plugin of those
// repositories (a marketplace's remote entries are other repositories) and counts
// what the safety check refused.
// Usage: node test/real/safety-real.js [--all] [--enable] [--mirror <dir>] [owner/name...]
// Skips (exit 0) when the mirror is absent; needs `npm run build` first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, lstatSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, dirname } from 'node:path';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/skillsync.js', import.meta.url));

/** `skillsync enable` every local plugin of one extracted repository; returns counts. */
function enableAll(root) {
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'safety-real-ws-'));
    const cfg = join(dir, 'skillsync.yaml');
    writeFileSync(cfg, `workspace: ${join(dir, 'ws')}\nsources:\n  - ${root}\nlockTimeoutSeconds: 60\n`);
    const run = (...a) => {
      try {
        return JSON.parse(execFileSync(process.execPath, [BIN, '--config', cfg, '--json', ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 }));
      } catch (e) {
        return JSON.parse(e.stdout || '[]');
      }
    };
    return { dir, run };
  };
  const w = fresh();
  const ids = w.run('plugins').filter((p) => p.id && !p.error).map((p) => p.id);
  const out = { plugins: ids.length, enabled: 0, skills: 0, blocked: [], other: [] };
  const tally = (r) => {
    if (r.status === 'enabled' || r.status === 'already_enabled') {
      out.enabled++;
      out.skills += r.skills.length;
    } else if (r.code === 'ESAFETY_BLOCKED') out.blocked.push(`${r.plugin}: ${r.error}`);
    else return false;
    return true;
  };
  const first = [].concat(w.run('enable', ...ids));
  const retry = [];
  for (const r of first) if (!tally(r)) retry.push(r);
  // A skill name two plugins share (e.g. `access`) is an ownership conflict, not a safety
  // question: enable those plugins in a workspace of their own.
  for (const r of retry) {
    const one = fresh();
    const again = [].concat(one.run('enable', r.plugin));
    for (const x of again) if (!tally(x)) out.other.push(`${x.plugin}: ${x.code} ${x.error}`);
    rmSync(one.dir, { recursive: true, force: true });
  }
  rmSync(w.dir, { recursive: true, force: true });
  return out;
}
import { checkSkill, DEFAULT_SAFETY_POLICY } from '../../dist/core/safety/index.js';

const args = process.argv.slice(2);
let mirror = '/work/.mirror';
const repos = [];
let verbose = false;
let enable = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--mirror') mirror = args[++i];
  else if (args[i] === '--enable') enable = true;
  else if (args[i] === '--all') verbose = true;
  else repos.push(args[i]);
}
if (repos.length === 0) repos.push('anthropics/claude-plugins-official', 'trailofbits/skills', 'anthropics/skills', 'openai/skills');

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile()) out.push({ p, mode: st.mode & 0o111 ? 0o100755 : 0o100644 });
  }
  return out;
}

const total = { skills: 0, files: 0, blocked: 0, low: 0, medium: 0, high: 0, critical: 0, ms: 0 };
let ran = 0;
for (const repo of repos) {
  const gitDir = join(mirror, repo.replace('/', '+'), 'repo');
  if (!existsSync(gitDir)) {
    console.log(`skip ${repo}: no mirror at ${gitDir}`);
    continue;
  }
  ran++;
  const head = execFileSync('git', ['--git-dir', gitDir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const tmp = mkdtempSync(join(tmpdir(), 'safety-real-'));
  try {
    execFileSync('sh', ['-c', `git --git-dir "$0" archive HEAD | tar -x -C "$1"`, gitDir, tmp]);
    const all = walk(tmp, []);
    const skillDirs = all.filter((f) => /(^|\/)SKILL\.md$/.test(f.p)).map((f) => dirname(f.p));
    const per = { skills: 0, files: 0, blocked: 0, low: 0, medium: 0, high: 0, critical: 0 };
    for (const dir of skillDirs) {
      const files = all.filter((f) => f.p.startsWith(dir + '/')).map((f) => ({ path: relative(dir, f.p), content: readFileSync(f.p), mode: f.mode }));
      const t0 = performance.now();
      const report = checkSkill(files, DEFAULT_SAFETY_POLICY);
      total.ms += performance.now() - t0;
      per.skills++;
      per.files += files.length;
      if (report.blocked) per.blocked++;
      for (const f of report.findings) per[f.severity]++;
      const shown = verbose ? report.findings : report.findings.filter((f) => f.severity === 'critical' || f.severity === 'high');
      for (const f of shown) console.log(`  ${f.severity.padEnd(8)} ${f.rule.padEnd(20)} ${relative(tmp, dir)}/${f.path}:${f.line ?? ''} ${f.message}`);
    }
    console.log(`${repo}@${head.slice(0, 12)}: ${per.skills} skills, ${per.files} files; findings: critical ${per.critical}, high ${per.high}, medium ${per.medium}, low ${per.low}; blocked ${per.blocked}`);
    for (const k of Object.keys(per)) total[k] += per[k];
    if (enable) {
      const e = enableAll(tmp);
      console.log(`  enable: ${e.plugins} local plugins, ${e.enabled} enabled (${e.skills} skills), ${e.blocked.length} refused by the safety check${e.other.length ? `, ${e.other.length} other errors` : ''}`);
      for (const b of [...e.blocked, ...e.other]) console.log(`    ${b}`);
      total.enableBlocked = (total.enableBlocked ?? 0) + e.blocked.length;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
if (ran > 0) {
  console.log(`total: ${total.skills} skills, ${total.files} files; findings: critical ${total.critical}, high ${total.high}, medium ${total.medium}, low ${total.low}; blocked ${total.blocked}; engine ${total.ms.toFixed(0)} ms`);
}
process.exitCode = total.blocked > 0 || total.enableBlocked > 0 ? 1 : 0;
