// The git routes into main: a `git push` to the workspace is checked by its pre-receive
// hook, and a commit written straight into the repository (bypassing the hook) is
// checked by the next command: never tagged, never served, `status` says main is
// blocked at it until a person fixes main, and the last good version stays live.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { copyTree, rmTree } from './faults/lib.js';
import { cloneWorkspace, enabledToolsEnv, skillMd, snapshotFs, type Env } from './helpers/env.js';
import { git, gitTry } from './helpers/git.js';
import { blob, rawTree } from './helpers/craft.js';

const KEY = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW', 'QyNTUxOQAAACDx6d2Xb7m0aLzU7xq8n2p3r4s5t6u7v8w9x0y1z2A3BAAAAJgAAAAA', '-----END OPENSSH PRIVATE KEY-----', ''].join('\n');
const MARKED = `---\nname: alpha\ndescription: The alpha skill.\n---\n<<<<<<< ours\nmine\n=======\ntheirs\n>>>>>>> theirs\n`;

let env: Env;
let clone: string;

function liveTree(skill: string): string {
  return readlinkSync(join(env.workspace, 'live', 'skills', skill)).split('/').pop()!;
}

function commitIn(repo: string, files: Record<string, string>, message: string): string {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(repo, rel, '..'), { recursive: true });
    writeFileSync(join(repo, rel), content);
  }
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', message]);
  return git(repo, ['rev-parse', 'HEAD']);
}

function push(ref = 'main') {
  return gitTry(clone, ['push', 'origin', `HEAD:${ref}`]);
}

// One enabled workspace and clone, built once; each test starts from a copy of it at the
// same absolute path (records hold absolute paths).
let template: string;
beforeAll(() => {
  env = enabledToolsEnv();
  clone = cloneWorkspace(env, 'clone');
  template = `${env.root}.template`;
  copyTree(env.root, template);
});
beforeEach(() => {
  rmTree(env.root);
  copyTree(template, env.root);
});
afterAll(() => {
  env.cleanup();
  rmTree(template);
});

describe('pushes to main are checked by the pre-receive hook', () => {
  it('init installs a hook that names node and the program by absolute path; any command restores it', () => {
    const hook = join(env.gitdir, 'hooks', 'pre-receive');
    const text = readFileSync(hook, 'utf8');
    expect(text).toContain(`'${process.execPath}'`);
    expect(text).toMatch(/'\/[^']+\/dist\/pre-receive-main\.js'/);
    rmSync(hook);
    env.ok('status');
    expect(readFileSync(hook, 'utf8')).toBe(text);
  });

  const refused: { name: string; files: Record<string, string>; rule: RegExp }[] = [
    { name: 'unresolved conflict markers', files: { 'skills/alpha/SKILL.md': MARKED }, rule: /conflict-marker/ },
    { name: 'a private key', files: { 'skills/alpha/id_ed25519': KEY }, rule: /private-key/ },
    { name: 'a binding to a skill that does not exist', files: { '.skillsync/bindings/ghost.json': JSON.stringify({ plugin: 'tools', acceptedTree: '4b825dc642cb6eb9a060e54bf8d69288fbee4904', status: 'synced' }) }, rule: /record/ },
  ];
  for (const c of refused) {
    it(`a push with ${c.name} is refused naming commit, skill, path and rule`, () => {
      const before = env.refs();
      const commit = commitIn(clone, c.files, `bad: ${c.name}`);
      const r = push();
      expect(r.status, r.stderr).not.toBe(0);
      expect(r.stderr).toContain('pre-receive hook declined');
      const line = r.stderr.split('\n').find((l) => l.includes('skillsync: refusing main'))!;
      expect(line, r.stderr).toContain(commit.slice(0, 12));
      expect(line).toMatch(c.rule);
      expect(line).toContain(Object.keys(c.files)[0].split('/').slice(0, 2).join('/'));
      expect(env.refs()).toBe(before);
      env.fsck();
    });
  }

  it('a commit with markers followed by its fix in the same push is refused (every new commit is checked)', () => {
    const bad = commitIn(clone, { 'skills/alpha/SKILL.md': MARKED }, 'merge');
    commitIn(clone, { 'skills/alpha/SKILL.md': skillMd('alpha', 'Resolved.\n') }, 'resolve');
    const r = push();
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(bad.slice(0, 12));
  });

  it('a crafted tree with an entry named ".." is refused', () => {
    const gd = join(clone, '.git');
    const payload = rawTree(gd, [{ mode: '100644', name: 'pwned.txt', oid: blob(gd, 'x\n') }]);
    const alpha = rawTree(gd, [{ mode: '40000', name: '..', oid: payload }, { mode: '100644', name: 'SKILL.md', oid: blob(gd, skillMd('alpha')) }]);
    const head = git(clone, ['rev-parse', 'HEAD']);
    const skills = git(clone, ['rev-parse', 'HEAD:skills']);
    const skillsTree = git(clone, ['ls-tree', skills]).split('\n').map((l) => (l.endsWith('\talpha') ? `040000 tree ${alpha}\talpha` : l));
    const newSkills = git(clone, ['mktree', '--missing'], { input: skillsTree.join('\n') + '\n' });
    const root = git(clone, ['ls-tree', 'HEAD']).split('\n').map((l) => (l.endsWith('\tskills') ? `040000 tree ${newSkills}\tskills` : l));
    const c = git(clone, ['commit-tree', git(clone, ['mktree', '--missing'], { input: root.join('\n') + '\n' }), '-p', head, '-m', 'escape']);
    const r = gitTry(clone, ['push', 'origin', `${c}:refs/heads/main`]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/refusing main: commit [0-9a-f]{12}.*skill alpha: name: "skills\/alpha\/\.\."/);
    expect(existsSync(join(env.workspace, 'live', 'pwned.txt'))).toBe(false);
  });

  it('a good push passes and is tagged by the next sync; markers on a proposal branch are accepted', () => {
    commitIn(clone, { 'skills/alpha/SKILL.md': skillMd('alpha', 'Better.\n') }, 'edit alpha');
    const r = push();
    expect(r.status, r.stderr).toBe(0);
    env.ok('sync');
    expect(env.git('tag', '-l', 'skills/alpha/*').split('\n')).toEqual(['skills/alpha/v0001', 'skills/alpha/v0002']);
    commitIn(clone, { 'skills/alpha/SKILL.md': MARKED }, 'proposal with markers');
    expect(push('proposals/tools/alpha').status).toBe(0);
  });
});

describe('commits written into main directly (bypassing the hook)', () => {
  function directCommit(files: Record<string, string>, message: string): string {
    commitIn(clone, files, message);
    const c = git(clone, ['rev-parse', 'HEAD']);
    // Objects into the workspace without running hooks, then the ref moved by hand.
    git(clone, ['push', '-q', '--no-verify', env.gitdir, `HEAD:refs/bypass/tmp`], {});
    return c;
  }

  function moveMain(c: string) {
    env.git('update-ref', 'refs/heads/main', c);
    env.git('update-ref', '-d', 'refs/bypass/tmp');
  }

  it('are never tagged or served; status shows main blocked until a person fixes it', () => {
    const goodTree = liveTree('alpha');
    const tags = env.git('tag', '-l');
    const bad = directCommit({ 'skills/alpha/SKILL.md': MARKED, 'skills/beta/SKILL.md': skillMd('beta', 'Also changed.\n') }, 'merged with markers');
    moveMain(bad);
    const r = env.run('sync');
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^skillsync: main is blocked at commit ${bad.slice(0, 12)}, skill alpha: .*conflict markers.*fix main`));
    expect(env.git('tag', '-l')).toBe(tags);
    expect(liveTree('alpha')).toBe(goodTree);
    const stRun = env.run('--json', 'status');
    expect(stRun.code).toBe(3); // done, but main blocked needs a person
    const st = JSON.parse(stRun.stdout);
    expect(st.mainBlocked).toMatchObject({ commit: bad, at: bad, skill: 'alpha', rule: 'conflict-marker', path: 'skills/alpha/SKILL.md' });
    expect(env.run('status').stdout).toMatch(/^blocked {4}main is blocked at commit/m);
    // Other commands refuse to build on it too.
    expect(env.run('publish', 'alpha', '--from', join(env.plugins, 'tools', 'skills', 'alpha')).stderr).toMatch(/main is blocked/);
    // A person fixes main: the next sync unblocks, tags the fix (never the bad commit), serves it.
    const fix = directCommit({ 'skills/alpha/SKILL.md': skillMd('alpha', 'Resolved.\n') }, 'resolve');
    moveMain(fix);
    env.ok('sync');
    expect(env.json('status').mainBlocked).toBeNull();
    const tagged = env.git('tag', '-l', 'skills/*/v0002').split('\n');
    expect(tagged).toEqual(['skills/alpha/v0002', 'skills/beta/v0002']);
    for (const t of tagged) expect(env.git('rev-parse', `${t}^{commit}`)).toBe(fix);
    expect(liveTree('alpha')).toBe(env.git('rev-parse', 'main:skills/alpha'));
    env.fsck();
  });

  it('a private key written into main (a `git merge` of a refused proposal, say) is never tagged or served (class 2)', () => {
    const goodTree = liveTree('beta');
    const tags = env.git('tag', '-l');
    const bad = directCommit({ 'skills/beta/id_ed25519': KEY }, 'merge proposal with a key');
    moveMain(bad);
    const r = env.run('sync');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^skillsync: main is blocked at commit ${bad.slice(0, 12)}, skill beta: .*private-key`));
    expect(env.git('tag', '-l')).toBe(tags);
    expect(liveTree('beta')).toBe(goodTree);
    expect(existsSync(join(env.workspace, 'live', 'skills', 'beta', 'id_ed25519'))).toBe(false);
    env.fsck();
  });

  it('a tree entry ".." on main never makes a checkout write outside the workspace', () => {
    const gd = env.gitdir;
    const payload = rawTree(gd, [{ mode: '100644', name: 'pwned.txt', oid: blob(gd, 'x\n') }]);
    const alpha = rawTree(gd, [{ mode: '40000', name: '..', oid: payload }, { mode: '100644', name: 'SKILL.md', oid: blob(gd, skillMd('alpha')) }]);
    const skills = env.git('ls-tree', 'main:skills').split('\n').map((l) => (l.endsWith('\talpha') ? `040000 tree ${alpha}\talpha` : l));
    const st = gitTry(env.root, ['--git-dir', gd, 'mktree', '--missing'], skills.join('\n') + '\n').stdout.trim();
    const root = env.git('ls-tree', 'main').split('\n').map((l) => (l.endsWith('\tskills') ? `040000 tree ${st}\tskills` : l));
    const rt = gitTry(env.root, ['--git-dir', gd, 'mktree', '--missing'], root.join('\n') + '\n').stdout.trim();
    const c = env.git('commit-tree', rt, '-p', 'main', '-m', 'escape');
    env.git('update-ref', 'refs/heads/main', c);
    const before = snapshotFs(env.root, [env.workspace]);
    const r = env.run('sync');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/main is blocked at commit .*skill alpha: "skills\/alpha\/\.\."/);
    expect(snapshotFs(env.root, [env.workspace])).toEqual(before);
    expect(existsSync(join(env.workspace, 'live', 'pwned.txt'))).toBe(false);
    expect(existsSync(join(env.workspace, 'checkouts', 'pwned.txt'))).toBe(false);
  });
});
