import type { SafetyFinding, SafetyPolicy, SafetyReport } from './types.js';

// A recorded human decision: one rule's findings are allowed for one skill at one
// exact tree. A changed tree is new content nobody has looked at, so the allowance
// stops applying by construction (it names the tree oid). Allowed findings stay in
// the report (and in the Safety trailer) marked `allowed`; they no longer block.

export interface Allowance {
  skill: string;
  /** Git tree oid of the skill folder the decision was made on. */
  tree: string;
  /** Rule id. */
  finding: string;
  by?: string;
  why?: string;
  at?: string;
}

/** The allowances of one skill as stored in `.skillsync/allowances/<skill>.json`. */
export interface AllowanceRecord {
  skill: string;
  allow: { tree: string; finding: string; by?: string; why?: string; at?: string }[];
}

export function parseAllowanceRecord(buf: Buffer, skill: string): Allowance[] {
  const raw = JSON.parse(buf.toString('utf8')) as Partial<AllowanceRecord>;
  if (!raw || typeof raw !== 'object' || !Array.isArray(raw.allow)) throw new Error('not an allowance record');
  const out: Allowance[] = [];
  for (const a of raw.allow) {
    if (typeof a?.tree !== 'string' || !/^[0-9a-f]{40,64}$/.test(a.tree) || typeof a.finding !== 'string') throw new Error('bad allowance entry');
    out.push({ skill, tree: a.tree, finding: str(a.finding)!, by: str(a.by), why: str(a.why), at: str(a.at) });
  }
  return out;
}

// Records come from main, which anyone with push access writes: keep them one printable line.
// eslint-disable-next-line no-control-regex
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v.replace(/[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/g, ' ').slice(0, 500) : undefined);

export function serializeAllowances(skill: string, list: Allowance[]): Buffer {
  const rec: AllowanceRecord = { skill, allow: list.map(({ tree, finding, by, why, at }) => ({ tree, finding, by, why, at })) };
  return Buffer.from(JSON.stringify(rec, null, 2) + '\n');
}

export function isAllowed(f: SafetyFinding, skill: string | undefined, tree: string | undefined, allowances: readonly Allowance[]): boolean {
  if (tree === undefined) return false;
  return allowances.some((a) => a.tree === tree && a.finding === f.rule && (skill === undefined || a.skill === skill));
}

/** Mark allowed findings and recompute `blocked` (an allowed finding never blocks). */
export function applyAllowances(report: SafetyReport, policy: SafetyPolicy, where: { skill?: string; tree?: string; allowances?: readonly Allowance[] }): SafetyReport {
  const all = [...(policy.allow ?? []), ...(where.allowances ?? [])];
  const block = new Set(policy.block);
  let blocked = false;
  for (const f of report.findings) {
    if (all.length && isAllowed(f, where.skill, where.tree, all)) f.allowed = true;
    else if (block.has(f.severity)) blocked = true;
  }
  return { ...report, blocked };
}
