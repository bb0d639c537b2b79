// A plugin's skills/ folder opened once for all its skills (SkillParents): each skill
// folder is opened inside the held folder, never through a link, and refused or
// reported exactly as opening it from the source root component by component is.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers/git.js';
import { SkillParents, openSkillFolder, readSkillTree } from '../src/workspace/snapshot-read.js';
import { closeDir } from '../src/plugins/fs-at.js';
import { gitTreeOf } from './helpers/git.js';

let t: ReturnType<typeof tempDir>;
afterEach(() => t?.cleanup());

function source(): string {
  t = tempDir('skillsync-parents-');
  for (const s of ['one', 'two']) {
    mkdirSync(join(t.dir, 'src', 'p', 'skills', s), { recursive: true });
    writeFileSync(join(t.dir, 'src', 'p', 'skills', s, 'SKILL.md'), `${s}\n`);
  }
  return join(t.dir, 'src');
}

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  return null;
};

describe('skill folders opened inside their held parent', () => {
  it('reads each skill as the root-by-component open does', () => {
    const root = source();
    const parents = new SkillParents();
    try {
      for (const s of ['one', 'two']) {
        const dir = parents.open(root, `p/skills/${s}`);
        try {
          expect(readSkillTree(dir).oid).toBe(gitTreeOf(join(root, 'p', 'skills', s)));
        } finally {
          closeDir(dir);
        }
      }
    } finally {
      parents.close();
    }
  });

  it('holds the folder it opened: skills/ replaced afterwards is not the one read', () => {
    const root = source();
    const parents = new SkillParents();
    try {
      closeDir(parents.open(root, 'p/skills/one'));
      // skills/ moved away and a new one with other content put at its path.
      renameSync(join(root, 'p', 'skills'), join(t.dir, 'moved'));
      mkdirSync(join(root, 'p', 'skills', 'two'), { recursive: true });
      writeFileSync(join(root, 'p', 'skills', 'two', 'SKILL.md'), 'other\n');
      const dir = parents.open(root, 'p/skills/two');
      try {
        expect(readSkillTree(dir).oid).toBe(gitTreeOf(join(t.dir, 'moved', 'two')));
      } finally {
        closeDir(dir);
      }
    } finally {
      parents.close();
    }
  });

  it('a skill folder that is a link, or missing, is refused with the same error as without a held parent', () => {
    const root = source();
    mkdirSync(join(t.dir, 'outside'));
    rmSync(join(root, 'p', 'skills', 'two'), { recursive: true });
    symlinkSync(join(t.dir, 'outside'), join(root, 'p', 'skills', 'two'));
    const parents = new SkillParents();
    try {
      closeDir(parents.open(root, 'p/skills/one'));
      for (const rel of ['p/skills/two', 'p/skills/gone', 'q/skills/x']) {
        const held = errorOf(() => parents.open(root, rel));
        expect(held).not.toBeNull();
        expect(held).toEqual(errorOf(() => openSkillFolder(root, rel)));
      }
      expect(errorOf(() => parents.open(root, 'p/skills/two'))!.code).toBe('ESYMLINK');
    } finally {
      parents.close();
    }
  });
});

describe('subfolders opened without an lstat first', () => {
  it('a cached subfolder now a link is refused, now a file is read as a file', () => {
    const root = source();
    const skill = join(root, 'p', 'skills', 'one');
    mkdirSync(join(skill, 'refs'));
    writeFileSync(join(skill, 'refs', 'a.md'), 'a\n');
    const cache = new Map();
    const open = () => openSkillFolder(root, 'p/skills/one');
    let dir = open();
    try {
      expect(readSkillTree(dir, { cache }).oid).toBe(gitTreeOf(skill));
    } finally {
      closeDir(dir);
    }
    rmSync(join(skill, 'refs'), { recursive: true });
    symlinkSync(join(t.dir, 'src'), join(skill, 'refs'));
    dir = open();
    try {
      expect(errorOf(() => readSkillTree(dir, { cache }))!.code).toBe('ESYMLINK');
    } finally {
      closeDir(dir);
    }
    rmSync(join(skill, 'refs'));
    writeFileSync(join(skill, 'refs'), 'now a file\n');
    dir = open();
    try {
      expect(readSkillTree(dir, { cache }).oid).toBe(gitTreeOf(skill));
    } finally {
      closeDir(dir);
    }
  });
});
