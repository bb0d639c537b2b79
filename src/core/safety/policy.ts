import { SkillsyncError } from '../errors.js';
import { RULE_IDS, isRuleId } from './rules.js';
import type { SafetyPolicy, Severity } from './types.js';
import { SEVERITIES } from './types.js';

export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

function freezePolicy(p: SafetyPolicy): SafetyPolicy {
  Object.freeze(p.block);
  Object.freeze(p.disabledRules);
  Object.freeze(p.severity);
  Object.freeze(p.allow);
  return Object.freeze(p);
}

/** Frozen; parseSafetyPolicy(undefined) returns a mutable copy. */
export const DEFAULT_SAFETY_POLICY: SafetyPolicy = freezePolicy({
  maxFileBytes: DEFAULT_MAX_FILE_BYTES,
  block: ['critical'],
  disabledRules: [],
  severity: {},
  allow: [],
});

const POLICY_KEYS = ['maxFileBytes', 'block', 'disabledRules', 'severity', 'allow'] as const;

function bad(key: string, what: string, value?: unknown): SkillsyncError {
  return new SkillsyncError('ECONFIG', `config: ${key}: ${what}`, value === undefined ? { key } : { key, value });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length];
}

function suggest(value: string, known: readonly string[]): string {
  const v = value.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dist = editDistance(v, k.toLowerCase());
    if (dist < bestD) {
      bestD = dist;
      best = k;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(v.length / 3)) ? `; did you mean '${best}'?` : '';
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

function parseBytes(key: string, v: unknown): number {
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
    const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
    if (m && unit !== undefined) n = Math.floor(Number(m[1]) * unit);
  }
  if (n === undefined || !Number.isSafeInteger(n) || n < 1) {
    throw bad(key, `must be a positive number of bytes, e.g. 5242880 or "5MiB", not ${show(v)}`, v);
  }
  return n;
}

function parseSeverity(key: string, v: unknown): Severity {
  if (typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  throw bad(key, `unknown severity ${show(v)} (known: ${SEVERITIES.join(', ')})${typeof v === 'string' ? suggest(v, SEVERITIES) : ''}`, v);
}

function parseRule(key: string, v: unknown): string {
  if (typeof v === 'string' && isRuleId(v)) return v;
  throw bad(key, `unknown rule ${show(v)} (known: ${RULE_IDS.join(', ')})${typeof v === 'string' ? suggest(v, RULE_IDS) : ''}`, v);
}

function parseList(key: string, v: unknown, example: string): unknown[] {
  if (!Array.isArray(v)) throw bad(key, `must be a list, e.g. ${example}`, v);
  return v;
}

/**
 * Validate the `safety:` section of the config. undefined/null → the defaults;
 * every unknown key or bad value is an ECONFIG error naming the key, e.g.
 * "config: safety.block[1]: unknown severity 'fatal' (known: low, medium, high, critical)".
 */
export function parseSafetyPolicy(raw: unknown, keyPrefix = 'safety'): SafetyPolicy {
  const policy: SafetyPolicy = {
    maxFileBytes: DEFAULT_SAFETY_POLICY.maxFileBytes,
    block: [...DEFAULT_SAFETY_POLICY.block],
    disabledRules: [],
    severity: {},
    allow: [],
  };
  if (raw === undefined || raw === null) return policy;
  if (!isObj(raw)) throw bad(keyPrefix, 'must be a mapping like { block: [critical], disabledRules: [], severity: {} }', raw);
  for (const k of Object.keys(raw)) {
    if (!(POLICY_KEYS as readonly string[]).includes(k)) {
      throw bad(`${keyPrefix}.${k}`, `unknown key (known: ${POLICY_KEYS.join(', ')})${suggest(k, POLICY_KEYS)}`);
    }
  }
  if (raw.maxFileBytes !== undefined) policy.maxFileBytes = parseBytes(`${keyPrefix}.maxFileBytes`, raw.maxFileBytes);
  if (raw.block !== undefined && raw.block !== null) {
    const list = parseList(`${keyPrefix}.block`, raw.block, '[critical] or [high, critical]');
    policy.block = [...new Set(list.map((v, i) => parseSeverity(`${keyPrefix}.block[${i}]`, v)))];
  }
  if (raw.disabledRules !== undefined && raw.disabledRules !== null) {
    const list = parseList(`${keyPrefix}.disabledRules`, raw.disabledRules, '[prompt-injection]');
    policy.disabledRules = [...new Set(list.map((v, i) => parseRule(`${keyPrefix}.disabledRules[${i}]`, v)))];
  }
  if (raw.severity !== undefined && raw.severity !== null) {
    if (!isObj(raw.severity)) throw bad(`${keyPrefix}.severity`, 'must be a mapping of rule to severity, e.g. { secret-token: critical }', raw.severity);
    for (const [k, v] of Object.entries(raw.severity)) {
      const key = `${keyPrefix}.severity.${k}`;
      parseRule(key, k);
      policy.severity[k] = parseSeverity(key, v);
    }
  }
  if (raw.allow !== undefined && raw.allow !== null) {
    const list = parseList(`${keyPrefix}.allow`, raw.allow, '[{ skill: changelog, tree: <40-hex tree oid>, finding: download-exec }]');
    policy.allow = list.map((v, i) => parseAllow(`${keyPrefix}.allow[${i}]`, v));
  }
  return policy;
}

function parseAllow(key: string, v: unknown): { skill: string; tree: string; finding: string } {
  if (!isObj(v)) throw bad(key, 'must be a mapping { skill, tree, finding }', v);
  for (const k of Object.keys(v)) if (!['skill', 'tree', 'finding'].includes(k)) throw bad(`${key}.${k}`, 'unknown key (known: skill, tree, finding)');
  if (typeof v.skill !== 'string' || v.skill === '') throw bad(`${key}.skill`, 'must be a skill name', v.skill);
  if (typeof v.tree !== 'string' || !/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(v.tree)) throw bad(`${key}.tree`, 'must be the git tree oid of the skill folder (skillsync hash <dir>)', v.tree);
  return { skill: v.skill, tree: v.tree, finding: parseRule(`${key}.finding`, v.finding) };
}
