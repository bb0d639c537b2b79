// The workspace side of the safety check: allowances recorded in main
// (`.skillsync/allowances/<skill>.json`), the safety report of a skill tree with them
// applied, the findings of every published skill for `plugins`/`status`, and
// `allow`, which records one person's decision to allow one rule for one skill at
// one exact tree.
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SkillsyncError } from '../core/errors.js';
import { applyAllowances } from '../core/safety/allow.js';
import { checkSafety, serializeAllowances, type Allowance, type SafetyFinding, type SafetyReport } from '../core/safety/index.js';
import { isRuleId } from '../core/safety/rules.js';
import { ALLOWANCES_DIR, readAllowances } from './allowances.js';
import type { Ctx } from './context.js';
import { discover, unknownPlugin } from './discovery.js';
import { mutate } from './mutate.js';
import { readProposal, skillTreeAt } from './proposals.js';
import { snapshotSkill } from './snapshot.js';
import { readMainState } from './state.js';
import type { StatCaches } from './stat-cache.js';
import { skillFiles } from './skill-files.js';

export function mainAllowances(ctx: Ctx): Allowance[] {
  return readAllowances(ctx.store, readMainState(ctx).tree);
}

/** The safety report of a skill tree as publishing sees it: config and recorded allowances applied. */
export function skillSafety(ctx: Ctx, tree: string, skill?: string): SafetyReport {
  return checkSafety(skillFiles(ctx, tree), ctx.config.safety, { skill, tree, allowances: mainAllowances(ctx) });
}

/** One short line for a finding: `critical destructive-command scripts/x.sh:3 (allowed)`. */
export function findingLine(f: SafetyFinding): string {
  const path = /^[\x20-\x7e]*$/.test(f.path) ? f.path : JSON.stringify(f.path);
  return `${f.severity} ${f.rule} ${path}${f.line ? ':' + f.line : ''}${f.allowed ? ' (allowed)' : ''}`;
}

/**
 * The findings of every published skill (most severe first), for `plugins`, `status`
 * and `--json`. Findings depend only on the tree and the policy, so they are cached by
 * tree oid in the workspace cache (derived data); allowances are applied afterwards.
 */
export function publishedSafety(ctx: Ctx): Map<string, SafetyFinding[]> {
  const state = readMainState(ctx);
  const allowances = readAllowances(ctx.store, state.tree);
  const { allow: _allow, ...rest } = ctx.config.safety;
  const policy = { ...ctx.config.safety, allow: [] };
  const key = JSON.stringify(rest);
  const file = join(ctx.paths.cache, 'safety.json');
  let cache: { policy: string; trees: Record<string, SafetyFinding[]> } = { policy: key, trees: {} };
  try {
    const c = JSON.parse(readFileSync(file, 'utf8'));
    if (c.policy === key && c.trees && typeof c.trees === 'object') cache = c;
  } catch {
    /* no cache yet */
  }
  const used: Record<string, SafetyFinding[]> = {};
  let dirty = false;
  const out = new Map<string, SafetyFinding[]>();
  for (const [skill, tree] of state.skills) {
    let findings = cache.trees[tree];
    if (!Array.isArray(findings)) {
      findings = checkSafety(skillFiles(ctx, tree), policy).findings;
      dirty = true;
    }
    used[tree] = findings;
    const report = applyAllowances({ findings: findings.map((f) => ({ ...f })), blocked: false, riskLevel: 'none' }, ctx.config.safety, { skill, tree, allowances });
    out.set(skill, report.findings);
  }
  if (dirty || Object.keys(used).length !== Object.keys(cache.trees).length) {
    try {
      writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify({ policy: key, trees: used }));
      renameSync(`${file}.${process.pid}.tmp`, file);
    } catch {
      /* a read-only workspace only loses the cache */
    }
  }
  return out;
}

/** Who made a decision: SKILLSYNC_AUTHOR_NAME, the git identity, or the login name. */
export function decider(): string {
  if (process.env.SKILLSYNC_AUTHOR_NAME) return process.env.SKILLSYNC_AUTHOR_NAME;
  const r = spawnSync('git', ['config', '--get', 'user.name'], { encoding: 'utf8' });
  const name = r.status === 0 ? r.stdout.trim() : '';
  return name || process.env.USER || process.env.USERNAME || 'unknown';
}

export interface AllowResult {
  plugin: string;
  skill: string;
  tree: string;
  finding: string;
  by: string;
  why: string;
  findings: number;
  changed: boolean;
  commit: string | null;
}

/**
 * The tree a decision is about: the open proposal's tip (what `accept` would publish),
 * else the skill as the plugin source has it now (what `enable` would publish).
 */
function treeToAllow(ctx: Ctx, plugin: string, skill: string, caches: StatCaches): string {
  const p = readProposal(ctx, plugin, skill);
  const tip = p ? skillTreeAt(ctx, p.tip, skill) : null;
  if (tip) return tip;
  const manifest = discover(ctx).plugins.find((m) => m.id === plugin);
  if (!manifest) throw unknownPlugin(ctx, plugin);
  const decl = manifest.skills.find((s) => s.name === skill);
  if (!decl) throw new SkillsyncError('ESKILL_MISSING', `plugin ${plugin} has no skill '${skill}'; see skillsync plugins`, { plugin, skill });
  return snapshotSkill(ctx, manifest, decl, caches, null).tree;
}

export function allowFinding(ctx: Ctx, ref: string, rule: string, why: string, caches: StatCaches, tree?: string): AllowResult {
  const slash = ref.lastIndexOf('/');
  if (slash <= 0 || slash === ref.length - 1) throw new SkillsyncError('EUSAGE', `allow needs <plugin>/<skill>, not '${ref}'`, { ref });
  const plugin = ref.slice(0, slash);
  const skill = ref.slice(slash + 1);
  if (!isRuleId(rule)) throw new SkillsyncError('EUSAGE', `unknown rule '${rule}'; the rules are listed in the README's safety section`, { rule });
  const target = tree ?? treeToAllow(ctx, plugin, skill, caches);
  if (!ctx.store.has(target)) throw new SkillsyncError('EUSAGE', `tree ${target} is not in the workspace; run skillsync sync first`, { tree: target });
  const found = checkSafety(skillFiles(ctx, target), { ...ctx.config.safety, allow: [] }).findings.filter((f) => f.rule === rule);
  if (found.length === 0) throw new SkillsyncError('ENO_FINDING', `skill ${skill} has no ${rule} finding at tree ${target.slice(0, 12)}; nothing to allow`, { skill, rule, tree: target });
  const by = decider();
  return mutate(ctx, `allow ${ref} ${rule}`, (state, txn) => {
    const path = `${ALLOWANCES_DIR}/${skill}.json`;
    const list = readAllowances(ctx.store, state.tree).filter((a) => a.skill === skill);
    const result: AllowResult = { plugin, skill, tree: target, finding: rule, by, why, findings: found.length, changed: false, commit: null };
    if (list.some((a) => a.tree === target && a.finding === rule)) return result;
    list.push({ skill, tree: target, finding: rule, by, why, at: new Date(ctx.now() * 1000).toISOString() });
    txn.editor.set(path, '100644', ctx.store.writeBlob(serializeAllowances(skill, list)));
    const worst = found[0];
    const subject = `allow ${rule} for ${skill} at tree ${target.slice(0, 12)}`;
    const body = `${why || '(no reason given)'}\n\n${found.length} finding(s), e.g. ${findingLine(worst)}: ${worst.message}`;
    result.commit = txn.commit(subject, body, [['Plugin', plugin], ['Skill', skill], ['Allow', rule], ['Allowed-Tree', target], ['Allowed-By', by], ['Workspace-Change', 'allow']]);
    result.changed = true;
    return result;
  });
}

/** Allowances of main for `log`: newest last. */
export function allowanceLog(ctx: Ctx, skill?: string): Allowance[] {
  return mainAllowances(ctx)
    .filter((a) => skill === undefined || a.skill === skill)
    .sort((a, b) => ((a.at ?? '') < (b.at ?? '') ? -1 : 1));
}
