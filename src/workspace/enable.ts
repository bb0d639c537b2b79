// enable: the initial mirror of a plugin. Ownership check, safety check, one version
// (commit + tag) per skill, bindings and upstream observations; all-or-nothing per
// plugin because everything lands with one compare-and-swap of main.
import { SkillsyncError } from '../core/errors.js';
import { foldedKey } from '../core/names.js';
import { formatSafetyTrailer } from '../core/safety/index.js';
import type { PluginManifest } from '../plugins/types.js';
import type { Ctx } from './context.js';
import { discover, unknownPlugin } from './discovery.js';
import { mutate } from './mutate.js';
import { readObservation, recordObservation } from './observe.js';
import { snapshotSkill } from './snapshot.js';
import { StatCaches } from './stat-cache.js';
import { describeFinding, safetyOf } from './skill-files.js';
import { latestVersion, nextVersion } from './versions.js';
import { lookupPath } from '../git/tree-editor.js';
import type { PluginRecord } from './records.js';
import type { MainState } from './state.js';
import type { Txn } from './txn.js';

export interface EnabledSkill {
  name: string;
  action: 'mirrored' | 'restored' | 'unchanged';
  version: string | null;
  tree: string;
  safety: string;
}

export interface EnableResult {
  plugin: string;
  status: 'enabled' | 'already_enabled';
  version: string;
  skills: EnabledSkill[];
  warnings: string[];
}

function ownershipError(state: MainState, plugin: string, skill: string): SkillsyncError {
  const b = state.bindings.get(skill);
  const owner = b ? `plugin ${b.plugin}` : 'a locally managed skill';
  return new SkillsyncError(
    'EOWNERSHIP',
    `skill '${skill}' of plugin ${plugin} already exists in the workspace as ${owner}; nothing was changed — give this one another name (skillsync enable ${plugin} --name ${skill}=${plugin}-${skill}, or names: { ${plugin}/${skill}: ${plugin}-${skill} } in the config), or adopt or remove that skill first`,
    { plugin, skill, owner: b?.plugin ?? null },
  );
}

/** Every skill name in the workspace by its case-folded key. */
// Per state object (main's state is parsed once per commit and never changed): a sync
// pass asks once per plugin, and rebuilding it over 10,000 skills each time was most of
// a no-op pass.
const caseIndexes = new WeakMap<MainState, Map<string, string>>();

export function caseIndex(state: MainState): Map<string, string> {
  let out = caseIndexes.get(state);
  if (out) return out;
  out = new Map<string, string>();
  for (const n of state.skills.keys()) out.set(foldedKey(n), n);
  for (const n of state.bindings.keys()) out.set(foldedKey(n), n);
  caseIndexes.set(state, out);
  return out;
}

function isSynced(state: MainState, m: PluginManifest): boolean {
  const rec = state.plugins.get(m.id);
  if (!rec?.enabled || rec.paused || rec.version !== m.version) return false;
  return m.skills.every((s) => {
    if (rec.adoptedSkills.includes(s.name)) return true;
    const b = state.bindings.get(s.name);
    return b?.plugin === m.id && b.status === 'synced' && state.skills.has(s.name);
  });
}

export function enablePlugin(ctx: Ctx, id: string, caches: StatCaches): EnableResult {
  const manifest = discover(ctx).plugins.find((p) => p.id === id);
  if (!manifest) throw unknownPlugin(ctx, id);

  return mutate(ctx, `enable ${id}`, (state, txn) => {
    const result: EnableResult = { plugin: id, status: 'enabled', version: manifest.version, skills: [], warnings: manifest.skills.flatMap((s) => s.warnings.map((w) => `${s.name}: ${w}`)) };
    if (isSynced(state, manifest)) {
      result.status = 'already_enabled';
      return result;
    }
    const prevRec = state.plugins.get(id);
    const adopted = new Set(prevRec?.adoptedSkills ?? []);
    // Check everything before writing anything.
    const plan: { name: string; path: string; tree: string; restore: string | null; skip: boolean; safety: string }[] = [];
    const folded = caseIndex(state);
    for (const s of manifest.skills) {
      if (adopted.has(s.name)) continue;
      const twin = folded.get(foldedKey(s.name));
      if (twin && twin !== s.name) {
        throw new SkillsyncError(
          'EOWNERSHIP',
          `skill '${s.name}' of plugin ${id} differs only by case from '${twin}' already in the workspace; the two would collide on case-insensitive file systems — nothing was changed`,
          { plugin: id, skill: s.name, existing: twin },
        );
      }
      const b = state.bindings.get(s.name);
      const exists = state.skills.has(s.name);
      if ((exists || b) && b?.plugin !== id) throw ownershipError(state, id, s.name);
      const obs = readObservation(ctx, id, s.name);
      const snap = snapshotSkill(ctx, manifest, s, caches, obs.tree);
      recordObservation(txn, manifest, s.name, s.path, snap.tree, obs);
      if (b && b.status === 'synced' && exists) {
        plan.push({ name: s.name, path: s.path, tree: state.skills.get(s.name)!, restore: null, skip: true, safety: '' });
        continue;
      }
      if (b) {
        // Re-enable: bring back the last published version (it may hold local edits);
        // the next sync proposes whatever upstream changed meanwhile.
        const last = latestVersion(ctx, s.name);
        const lastTree = last ? lookupPath(ctx.store, ctx.store.readCommit(last.commit).tree, `skills/${s.name}`) : null;
        const tree = state.skills.get(s.name) ?? lastTree?.oid ?? b.acceptedTree;
        plan.push({ name: s.name, path: s.path, tree, restore: last?.version ?? null, skip: false, safety: '' });
        continue;
      }
      const report = safetyOf(ctx, snap.tree, s.name);
      if (report.blocked) {
        const worst = report.findings.filter((f) => !f.allowed && ctx.config.safety.block.includes(f.severity)).slice(0, 3);
        throw new SkillsyncError(
          'ESAFETY_BLOCKED',
          `plugin ${id} not enabled: skill '${s.name}' failed the safety check (${worst.map((f) => describeFinding(f, false)).join('; ')}); nothing was changed`,
          { plugin: id, skill: s.name, findings: report.findings },
        );
      }
      plan.push({ name: s.name, path: s.path, tree: snap.tree, restore: null, skip: false, safety: formatSafetyTrailer(report) });
    }

    const rec: PluginRecord = {
      id,
      enabled: true,
      paused: false,
      adopted: false,
      version: manifest.version,
      source: manifest.source.display,
      path: manifest.path,
      adoptedSkills: [...adopted].sort(),
    };
    txn.setPlugin(rec);
    let committed = false;
    for (const p of plan) {
      if (p.skip) {
        result.skills.push({ name: p.name, action: 'unchanged', version: null, tree: p.tree, safety: '' });
        continue;
      }
      const prev = state.bindings.get(p.name);
      txn.setSkill(p.name, p.tree);
      txn.setBinding(p.name, { skill: p.name, plugin: id, path: p.path, acceptedTree: prev?.acceptedTree ?? p.tree, status: 'synced' });
      if (p.restore) {
        commitRestore(txn, manifest, p.name, p.restore, p.tree);
        result.skills.push({ name: p.name, action: 'restored', version: p.restore, tree: p.tree, safety: '' });
      } else {
        const version = commitMirror(txn, manifest, p.name, p.tree, p.safety);
        result.skills.push({ name: p.name, action: 'mirrored', version, tree: p.tree, safety: p.safety });
      }
      committed = true;
    }
    if (!committed) txn.commit(`enable plugin ${id} ${manifest.version}`, '', { Plugin: id, 'Plugin-Version': manifest.version });
    return result;
  });
}

function commitMirror(txn: Txn, m: PluginManifest, skill: string, tree: string, safety: string): string {
  const version = nextVersion(txn.ctx, skill);
  const subject = `${skill} ${version}: mirror from ${m.id} ${m.version}`;
  const trailers = {
    Skill: skill,
    'Skill-Version': version,
    Plugin: m.id,
    'Plugin-Version': m.version,
    'Upstream-Tree': tree,
    'Merge-Mode': 'initial_mirror',
    Safety: safety || 'none',
  };
  const commit = txn.commit(subject, `Initial mirror of ${skill} from plugin ${m.id} (${m.source.display}).`, trailers);
  txn.tag(skill, version, commit, `${subject}\n\nSkill: ${skill}\nSkill-Version: ${version}\nPlugin: ${m.id}\nMerge-Mode: initial_mirror\n`);
  return version;
}

function commitRestore(txn: Txn, m: PluginManifest, skill: string, version: string, tree: string): void {
  txn.commit(`${skill} ${version}: restored, plugin ${m.id} enabled again`, '', {
    Skill: skill,
    'Skill-Version': version,
    Plugin: m.id,
    'Plugin-Version': m.version,
    'Local-Tree': tree,
    'Merge-Mode': 'restore',
  });
}
