// publish <skill> --from <dir>: a local edit becomes the skill's next version;
// rollback <skill> <version>: an earlier version's tree, published as a new version.
import { SkillsyncError } from '../core/errors.js';
import { foldedKey, validateSkillName } from '../core/names.js';
import { hashDirectory } from '../git/dir-tree.js';
import { lookupPath } from '../git/tree-editor.js';
import { existsSync, statSync } from 'node:fs';
import type { Ctx } from './context.js';
import { mutate } from './mutate.js';
import { publishVersions, type PublishEntry } from './publish-versions.js';
import { caseIndex, ownershipError } from './queries.js';
import { formatVersion, versionNumbers, readVersion } from './versions.js';
import type { Txn } from './txn.js';

export interface PublishResult {
  skill: string;
  version: string | null;
  tree: string;
  status: 'published' | 'unchanged';
  safety: string;
}

function publishTree(txn: Txn, skill: string, tree: string, entry: Pick<PublishEntry, 'mode' | 'note' | 'rollbackOf'>): PublishResult {
  const { state } = txn;
  if (state.skills.get(skill) === tree) return { skill, version: null, tree, status: 'unchanged', safety: '' };
  const b = state.bindings.get(skill);
  const [v] = publishVersions(txn, [{ skill, tree, plugin: b?.plugin, baseTree: state.skills.get(skill), localTree: tree, ...entry }]);
  return { skill, version: v.version, tree, status: 'published', safety: v.safety };
}

export function publishSkill(ctx: Ctx, skill: string, from: string, message?: string): PublishResult {
  validateSkillName(skill);
  if (!existsSync(from) || !statSync(from).isDirectory()) throw new SkillsyncError('ENOT_DIR', `--from ${from} is not a directory`, { path: from });
  return mutate(ctx, `publish ${skill}`, (state, txn) => {
    const tree = hashDirectory(from, { store: ctx.store }).oid;
    if (!lookupPath(ctx.store, tree, 'SKILL.md')) {
      throw new SkillsyncError('ENO_SKILL_MD', `${from} has no SKILL.md at its top; a skill folder needs one`, { path: from });
    }
    const twin = caseIndex(state).get(foldedKey(skill));
    if (twin && twin !== skill) throw ownershipError(null, skill, { reason: 'case_twin', existing: twin, message: '' });
    const b = state.bindings.get(skill);
    if (b && b.status === 'disabled') {
      throw new SkillsyncError('EDISABLED', `skill '${skill}' belongs to disabled plugin ${b.plugin}; enable the plugin or adopt the skill first`, { skill });
    }
    return publishTree(txn, skill, tree, { mode: 'local_edit', note: message });
  });
}

export function rollbackSkill(ctx: Ctx, skill: string, version: string): PublishResult {
  validateSkillName(skill);
  const m = /^v?(\d+)$/.exec(version);
  if (!m) throw new SkillsyncError('EVERSION', `'${version}' is not a version (e.g. v0003 or 3)`, { version });
  const n = Number(m[1]);
  return mutate(ctx, `rollback ${skill} ${version}`, (_state, txn) => {
    const oid = versionNumbers(ctx, skill).get(n);
    if (!oid) throw new SkillsyncError('ENO_VERSION', `skill '${skill}' has no version ${formatVersion(n)}; see 'skillsync log ${skill}'`, { skill, version });
    const v = readVersion(ctx, skill, n, oid);
    const entry = lookupPath(ctx.store, ctx.store.readCommit(v.commit).tree, `skills/${skill}`);
    if (!entry) throw new SkillsyncError('ENO_VERSION', `version ${v.version} of '${skill}' has no skill tree`, { skill });
    return publishTree(txn, skill, entry.oid, { mode: 'rollback', note: `rollback to ${v.version}`, rollbackOf: v.version });
  });
}
