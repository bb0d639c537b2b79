// What `status` says about targets, computed without writing anything: the plan of each
// target (conflicts, held and pending edits), the last error recorded for it, and the
// renamed skills whose SKILL.md still carries the upstream name.
import { parseFrontmatter } from '../core/frontmatter.js';
import { lookupPath } from '../git/tree-editor.js';
import type { Ctx } from '../workspace/context.js';
import { readMainState } from '../workspace/state.js';
import { StatCaches } from '../workspace/stat-cache.js';
import { readManifest } from './manifest.js';
import { upstreamFolder } from './names.js';
import { planFor, reportOf, servedSkills, type TargetReport } from './refresh.js';

export interface TargetsStatus {
  targets: TargetReport[];
  /** One line per renamed skill whose front matter `name:` is not its workspace name. */
  nameWarnings: string[];
}

export function targetsStatus(ctx: Ctx): TargetsStatus {
  const served = servedSkills(ctx);
  const caches = new StatCaches(ctx); // read only: never saved here
  const targets = (ctx.config.targets ?? []).map((t) => {
    const error = readManifest(ctx, t.path).error;
    try {
      return reportOf(t, planFor(ctx, t, served, caches), error);
    } catch (err) {
      return { path: t.path, label: t.label, mode: t.mode, managed: 0, conflicts: [], held: [], edits: [], warnings: [], error: error ?? (err as Error).message };
    }
  });
  return { targets, nameWarnings: nameWarnings(ctx) };
}

function nameWarnings(ctx: Ctx): string[] {
  const state = readMainState(ctx);
  const out: string[] = [];
  for (const b of state.bindings.values()) {
    if (upstreamFolder(b.path) === b.skill || b.status !== 'synced') continue;
    const tree = state.skills.get(b.skill);
    const md = tree ? lookupPath(ctx.store, tree, 'SKILL.md') : null;
    if (!md) continue;
    const name = parseFrontmatter(ctx.store.readBlob(md.oid)).data.name;
    if (typeof name === 'string' && name !== b.skill) {
      out.push(`skill ${b.skill} (${b.plugin}/${upstreamFolder(b.path)}): SKILL.md says name: ${JSON.stringify(name).slice(1, -1)}, so agents may list it under that name; edit name: in a copy-mode target (or skillsync publish) to make it ${b.skill}`);
    }
  }
  return out.sort();
}
