// What `publish` checks before anything is hashed: the name given on the command line,
// that a new skill is asked for on purpose (--new), and that SKILL.md's front matter
// parses and names the same skill (unless --force). A typo must not create a skill.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SkillsyncError } from '../core/errors.js';
import { displayName, unsafeNameReason } from '../core/names.js';
import { parseFrontmatter } from '../core/frontmatter.js';
import type { MainState } from './state.js';

export interface PublishIntent {
  skill: string;
  from: string;
  isNew: boolean;
  force: boolean;
}

/** Checks that need no workspace: the argument and the folder. */
export function checkPublishInput(i: PublishIntent): void {
  const reason = unsafeNameReason(i.skill);
  if (reason !== null) throw new SkillsyncError('ENAME_UNSAFE', `<skill> argument ${displayName(i.skill)} is not a usable skill name: it ${reason}; pass another name`, { name: i.skill, reason });
  if (!existsSync(i.from) || !statSync(i.from).isDirectory()) throw new SkillsyncError('ENOT_DIR', `--from ${i.from} is not a directory`, { path: i.from });
  const md = join(i.from, 'SKILL.md');
  if (!existsSync(md)) throw new SkillsyncError('ENO_SKILL_MD', `${i.from} has no SKILL.md at its top; a skill folder needs one`, { path: i.from });
  const fm = parseFrontmatter(readFileSync(md));
  if (fm.error !== undefined) {
    throw new SkillsyncError(fm.code ?? 'EFRONTMATTER', `${md}: the YAML front matter does not parse (${fm.error}); fix it, nothing was published`, { path: md });
  }
}

/** Checks against main: a skill that does not exist yet needs --new; then the front matter must name it. */
export function checkPublishTarget(state: MainState, i: PublishIntent): void {
  if (!state.skills.has(i.skill) && !state.bindings.has(i.skill) && !i.isNew) {
    const near = [...state.skills.keys()].filter((s) => s.startsWith(i.skill.slice(0, 2))).slice(0, 5);
    throw new SkillsyncError(
      'ENO_SKILL',
      `there is no skill '${i.skill}' in the workspace${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; pass --new to create it`,
      { skill: i.skill },
    );
  }
  const name = parseFrontmatter(readFileSync(join(i.from, 'SKILL.md'))).data.name;
  if (name !== undefined && name !== i.skill && !i.force) {
    throw new SkillsyncError(
      'ENAME_MISMATCH',
      `SKILL.md says name: ${displayName(name)} but you are publishing it as '${i.skill}'; publish it under that name, fix the front matter, or pass --force`,
      { skill: i.skill, frontmatterName: typeof name === 'string' ? name : null },
    );
  }
}

