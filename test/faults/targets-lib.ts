// Fault injection for targets: SIGKILL `skillsync sync` while it swaps new versions into
// a copy-mode target ('swap'), or while it captures edits made there ('capture'). After
// every kill each target folder must be exactly the old or the new skill (never a mix,
// never missing), fsck clean; the rerun completes it: every folder at main's tree, one
// local_edit version per edited skill, no temp entry left, `status` clean.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { gitTry } from '../helpers/git.js';
import { cliAsync, cliOk, cliSync, copyTree, editFile, fsckProblems, hashTree, liveProblems, mainSkills, prng, rmTree, workAt, writeSkill, type Work } from './lib.js';

export type TargetFault = 'swap' | 'capture';

const SKILLS = 24;
const name = (i: number) => `t-s${String(i).padStart(2, '0')}`;

export interface TargetBench {
  kind: TargetFault;
  base: string;
  work: Work;
  target: string;
  template: string;
  /** skill → tree before the command (in the target folder) and after it. */
  before: Map<string, string>;
  after: Map<string, string>;
  durationMs: number;
  startupMs: number;
}

function config(w: Work): void {
  writeFileSync(w.config, ['workspace: ./ws', 'sources: [./plugins]', 'lockTimeoutSeconds: 30', 'schedule: "0 0 1 1 *"', 'autoApplyFastForward: true', 'debounceMs: 0', 'targets:', '  - { path: ./target, mode: copy }', ''].join('\n'));
}

function targetTrees(b: { target: string }): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(b.target)) return out;
  // Hidden temp entries are not skills (an exchange helper orphaned by the kill may still be
  // swapping them for a moment): they are counted at the end, when none may be left.
  for (const n of readdirSync(b.target)) out.set(n, n.startsWith('.skillsync-') ? '(temp)' : (hashTree(join(b.target, n)) ?? '(empty)'));
  return out;
}

/** Build the base state once: enabled, then upstream changes (swap) or edits in the target (capture). */
export async function prepareTargets(kind: TargetFault, base: string): Promise<TargetBench> {
  const w = workAt(join(base, 'work'), 14);
  rmTree(w.root);
  mkdirSync(join(w.root, 'target'), { recursive: true });
  config(w);
  const rnd = prng(kind === 'swap' ? 7 : 8);
  const skillDir = (i: number) => join(w.plugins, 'tp', 'skills', name(i));
  for (let i = 0; i < SKILLS; i++) writeSkill(skillDir(i), name(i), rnd);
  cliOk(w, 'enable', 'tp');
  const target = join(w.root, 'target');
  if (kind === 'swap') {
    // Every skill changes upstream (a bigger file too): sync applies them all and swaps every folder.
    for (let i = 0; i < SKILLS; i++) {
      editFile(join(skillDir(i), 'SKILL.md'), 'append', `Upstream change ${i}.`);
      writeSkill(join(skillDir(i), 'more'), `${name(i)}-more`, rnd);
    }
  } else {
    // A person edits every skill in the target: sync captures them all first.
    for (let i = 0; i < SKILLS; i++) {
      editFile(join(target, name(i), 'SKILL.md'), 'append', `Edited in the target ${i}.`);
      writeFileSync(join(target, name(i), 'references', 'mine.md'), `my notes ${i}\n`.repeat(50));
    }
  }
  const template = join(base, `tpl-${kind}`);
  rmTree(template);
  copyTree(w.root, template);
  const b: TargetBench = { kind, base, work: w, target, template, before: targetTrees({ target }), after: new Map(), durationMs: 0, startupMs: 0 };
  // The reference: an uninterrupted run.
  const r = await cliAsync(w, ['sync']);
  if (r.code !== 0) throw new Error(`reference sync failed: ${r.stderr}`);
  b.durationMs = r.ms;
  b.after = targetTrees(b);
  b.startupMs = Math.min(...[0, 1, 2].map(() => cliSync(w, '--version').ms));
  return b;
}

function reset(b: TargetBench): void {
  rmTree(b.work.root);
  copyTree(b.template, b.work.root);
}

/** Problems of the target right after a kill: each folder old or new, nothing else. */
function afterKill(b: TargetBench): string[] {
  const out: string[] = [];
  const now = targetTrees(b);
  for (const [s, old] of b.before) {
    const t = now.get(s);
    if (t === undefined) out.push(`${s}: missing`);
    else if (t !== old && t !== b.after.get(s)) out.push(`${s}: neither old nor new (${t})`);
  }
  return out;
}

function atEnd(b: TargetBench): string[] {
  const out: string[] = [];
  const now = targetTrees(b);
  const main = mainSkills(b.work);
  for (const [s, t] of b.after) if (now.get(s) !== t) out.push(`${s}: want ${t}, got ${now.get(s) ?? '(missing)'}`);
  for (const s of now.keys()) if (!b.after.has(s)) out.push(`${s}: unexpected entry in the target (a temp left behind?)`);
  for (const [s, t] of now) if (main.has(s) && main.get(s) !== t) out.push(`${s}: target ${t} differs from main ${main.get(s)}`);
  if (b.kind === 'capture') {
    for (const s of b.before.keys()) {
      const tags = gitTry(b.work.root, ['--git-dir', b.work.gitdir, 'tag', '-l', `skills/${s}/*`]).stdout.trim().split('\n');
      if (tags.join(',') !== `skills/${s}/v0001,skills/${s}/v0002`) out.push(`${s}: versions ${tags.join(',')} (want v0001,v0002)`);
    }
  }
  const st = JSON.parse(cliOk(b.work, '--json', 'status'));
  const t = st.targets.targets[0];
  if (t.error || t.conflicts.length || t.held.length || t.edits.length) out.push(`status: ${JSON.stringify(t)}`);
  return out;
}

/** Wait (at most 10 s) until no renameat2 helper of a killed skillsync is running. */
async function helpersDone(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = spawnSync('pgrep', ['-f', 'my \\$n = shift @ARGV'], { encoding: 'utf8' });
    if (r.status !== 0) return; // none (or no pgrep: nothing to wait for)
    await new Promise((res) => setTimeout(res, 50));
  }
}

export interface TargetTrial {
  seed: number;
  killAtMs: number;
  killed: boolean;
  problems: string[];
}

export async function targetTrial(b: TargetBench, seed: number): Promise<TargetTrial> {
  const rnd = prng(seed);
  reset(b);
  const lo = Math.min(b.startupMs * 0.8, b.durationMs * 0.6);
  const killAtMs = Math.round(lo + rnd() * Math.max(1, b.durationMs * 1.1 - lo));
  const first = await cliAsync(b.work, ['sync'], { killAfterMs: killAtMs });
  const res: TargetTrial = { seed, killAtMs, killed: first.killed, problems: [] };
  const add = (when: string, list: string[]) => res.problems.push(...list.map((x) => `${when}: ${x}`));
  if (!first.killed && first.code !== 0) add('first run', [`exited ${first.code}: ${first.stderr.trim().split('\n').slice(-2).join(' | ')}`]);
  // The kill hits node only; its exchange helper (one perl process for a pass's swaps, each
  // atomic) finishes on its own, as during any sync. A folder hashed while it is being
  // swapped reads half of each: wait for the helper, as a reader that re-opens would.
  if (first.killed) await helpersDone();
  add('after kill', afterKill(b));
  add('after kill', fsckProblems(b.work.gitdir));
  const last = await cliAsync(b.work, ['sync']);
  if (last.code !== 0) add('rerun', [`exited ${last.code}: ${last.stderr.trim().split('\n').slice(-2).join(' | ')}`]);
  add('end', atEnd(b));
  add('end', fsckProblems(b.work.gitdir));
  add('end', liveProblems(b.work, true));
  return res;
}

export async function runTargetFaults(kind: TargetFault, base: string, trials: number, firstSeed: number): Promise<{ line: string; failures: string[] }> {
  const b = await prepareTargets(kind, base);
  const envSeed = process.env.SKILLSYNC_FAULT_SEED;
  const seeds = envSeed ? envSeed.split(',').map(Number) : Array.from({ length: trials }, (_, i) => firstSeed + i);
  const results: TargetTrial[] = [];
  for (const s of seeds) {
    const r = await targetTrial(b, s);
    results.push(r);
    if (r.problems.length) console.error(`FAILED [target ${kind}] seed=${s} killAt=${r.killAtMs}ms killed=${r.killed}\n    ${r.problems.join('\n    ')}`);
  }
  const failed = results.filter((r) => r.problems.length);
  const line = `target ${kind}: ${results.length} trials, ${results.filter((r) => r.killed).length} killed mid-run, ${failed.length} failed (sync ~${b.durationMs} ms, node startup ~${b.startupMs} ms)`;
  console.log(line);
  return { line, failures: failed.map((r) => `seed=${r.seed}: ${r.problems.join('; ')}`) };
}
