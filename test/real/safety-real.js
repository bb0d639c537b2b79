#!/usr/bin/env node
// The real-repository check: runs the safety engine over every skill folder of the
// mirrored public publishers and reports findings by severity and what would block.
// Usage: node test/real/safety-real.js [--all] [--mirror <dir>] [owner/name...]
// Skips (exit 0) when the mirror is absent; needs `npm run build` first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, lstatSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, dirname } from 'node:path';
import { checkSkill, DEFAULT_SAFETY_POLICY } from '../../dist/core/safety/index.js';

const args = process.argv.slice(2);
let mirror = '/work/.mirror';
const repos = [];
let verbose = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--mirror') mirror = args[++i];
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
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
if (ran > 0) {
  console.log(`total: ${total.skills} skills, ${total.files} files; findings: critical ${total.critical}, high ${total.high}, medium ${total.medium}, low ${total.low}; blocked ${total.blocked}; engine ${total.ms.toFixed(0)} ms`);
}
process.exitCode = total.blocked > 0 ? 1 : 0;
