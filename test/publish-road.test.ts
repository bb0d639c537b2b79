// One road onto main: one commit per command, one tag per version, history that reads
// as a changelog. In-process workspace, checked with the real git CLI.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './helpers/git.js';
import { makeWorkspace, skillMd, type TestWorkspace } from './helpers/workspace.js';

let ws: TestWorkspace;
afterEach(() => ws?.cleanup());

const commits = (w: TestWorkspace) => Number(w.git('rev-list', '--count', 'main'));
const tags = (w: TestWorkspace) => w.git('tag', '-l', 'skills/*').split('\n').filter(Boolean);

/** A local edit of a published skill: copy its source folder, change SKILL.md, publish. */
async function localEdit(w: TestWorkspace, plugin: string, skill: string, body: string): Promise<void> {
  const dir = join(w.root, `edit-${skill}`);
  cpSync(join(w.plugins, plugin, 'skills', skill), dir, { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), skillMd(skill, body));
  await w.publish(skill, dir, `local ${skill}`);
}

describe('one commit per command', () => {
  it('an enable of several plugins is one commit with one tag per skill; logs per skill unchanged', async () => {
    ws = makeWorkspace();
    ws.plugin('alpha', ['a1', 'a2']);
    ws.plugin('beta', ['b1', 'b2', 'b3']);
    ws.plugin('gamma', ['g1']);
    const r = await ws.enable('alpha', 'beta', 'gamma');
    expect(r.map((x) => x.status)).toEqual(['enabled', 'enabled', 'enabled']);
    expect(commits(ws)).toBe(1);
    expect(tags(ws)).toHaveLength(6);
    const head = ws.git('rev-parse', 'main');
    for (const s of ['a1', 'a2', 'b1', 'b2', 'b3', 'g1']) {
      expect(ws.git('rev-parse', `skills/${s}/v0001^{commit}`)).toBe(head);
      expect(ws.git('log', '--format=%H', '--', `skills/${s}`)).toBe(head);
      expect(ws.git('cat-file', 'tag', `skills/${s}/v0001`)).toMatch(new RegExp(`\\n\\n${s} v0001: mirror from (alpha|beta|gamma) 0\\.0\\.0\\n\\nSkill: ${s}\\nSkill-Version: v0001\\n`));
      const log = ws.log(s);
      expect(log.map((l) => [l.version, l.mergeMode, l.commit])).toEqual([['v0001', 'initial_mirror', head]]);
    }
    const msg = ws.git('log', '-1', '--format=%B', 'main');
    expect(msg.split('\n')[0]).toBe('enable 3 plugins: 6 skills');
    expect(ws.git('log', '--format=%H', '--grep', 'Skill: b2', 'main')).toBe(head);
    ws.fsck();
  });

  it('plugin by plugin makes one commit per plugin', async () => {
    ws = makeWorkspace();
    for (const id of ['p1', 'p2', 'p3']) ws.plugin(id, [`${id}-x`, `${id}-y`]);
    for (const id of ['p1', 'p2', 'p3']) await ws.enable(id);
    expect(commits(ws)).toBe(3);
    expect(tags(ws)).toHaveLength(6);
    ws.fsck();
  });

  it('a failing plugin is left out whole; the others land in one commit', async () => {
    ws = makeWorkspace();
    ws.plugin('good', ['g1', 'g2']);
    ws.plugin('bad', ['shared']);
    ws.plugin('owner', ['shared']);
    await ws.enable('owner');
    const r = await ws.enable('good', 'bad');
    expect(r.map((x) => x.status)).toEqual(['enabled', 'error']);
    expect(commits(ws)).toBe(2);
    expect(ws.gitTry('rev-parse', '--verify', '-q', 'refs/upstream/bad/shared').status).not.toBe(0);
  });

  it('a sync applying several silent accepts is one commit', async () => {
    ws = makeWorkspace();
    ws.plugin('alpha', ['s0', 's1', 's2']);
    await ws.enable('alpha');
    for (const s of ['s0', 's1']) await localEdit(ws, 'alpha', s, 'Upstream will say this.\n');
    const before = commits(ws);
    for (const s of ['s0', 's1']) writeFileSync(join(ws.plugins, 'alpha', 'skills', s, 'SKILL.md'), skillMd(s, 'Upstream will say this.\n'));
    const r = await ws.sync();
    expect(r.plugins[0].skills.filter((s) => s.action === 'accept_silently').map((s) => s.name)).toEqual(['s0', 's1']);
    expect(commits(ws)).toBe(before + 1);
    expect(ws.git('log', '-1', '--format=%s', 'main')).toBe('sync alpha 0.0.0: 2 skills');
    ws.fsck();
  });
});

describe('history reads as a changelog', () => {
  async function twoProposals(): Promise<void> {
    ws = makeWorkspace();
    ws.plugin('writing-tools', ['commit-message', 'changelog']);
    await ws.enable('writing-tools');
    await localEdit(ws, 'writing-tools', 'commit-message', 'Body text.\nHouse rule.\n');
    for (const s of ['commit-message', 'changelog']) writeFileSync(join(ws.plugins, 'writing-tools', 'skills', s, 'SKILL.md'), skillMd(s, 'Intro.\n\nBody text.\n'));
    await ws.sync();
  }

  it('accept of several proposals is one commit whose message is a changelog entry', async () => {
    await twoProposals();
    expect(ws.proposals().map((p) => [p.id, p.mergeMode])).toEqual([
      ['writing-tools/changelog', 'fast_forward'],
      ['writing-tools/commit-message', 'three_way'],
    ]);
    const before = commits(ws);
    const r = await ws.accept('writing-tools/commit-message', 'writing-tools/changelog');
    expect(r.map((x) => [x.skill, x.version, x.status])).toEqual([
      ['commit-message', 'v0003', 'accepted'],
      ['changelog', 'v0002', 'accepted'],
    ]);
    expect(commits(ws)).toBe(before + 1);
    const msg = ws.git('log', '-1', '--format=%B', 'main');
    expect(msg).not.toMatch(/^proposal:|Review with git|Proposal-Mode/m);
    expect(msg.split('\n')[0]).toBe('accept 2 proposals');
    expect(ws.git('for-each-ref', '--format=%(contents:subject)', 'refs/tags/skills/commit-message/v0003')).toBe('commit-message v0003: update from writing-tools 0.0.0 (three_way)');
    expect(ws.git('for-each-ref', '--format=%(contents:subject)', 'refs/tags/skills/changelog/v0002')).toBe('changelog v0002: update from writing-tools 0.0.0 (fast_forward)');
    // --grep on a merge mode finds versions on main only, never proposal commits
    const found = ws.git('log', '--all', '--format=%H', '--grep', 'Merge-Mode: three_way').split('\n');
    expect(found).toEqual([ws.git('rev-parse', 'main')]);
    expect(ws.git('branch', '-l', 'proposals/*')).toBe('');
    ws.fsck();
  });

  it('a fast-forward accept publishes a new changelog commit, not the proposal commit', async () => {
    await twoProposals();
    const tip = ws.git('rev-parse', 'proposals/writing-tools/changelog');
    const [r] = await ws.accept('writing-tools/changelog');
    expect(r.fastForward).toBe(true);
    expect(ws.git('rev-parse', 'main')).not.toBe(tip);
    expect(ws.git('rev-parse', 'main^{tree}:skills/changelog')).toBe(ws.git('rev-parse', `${tip}:skills/changelog`));
    expect(ws.git('log', '-1', '--format=%P', 'main').split(' ')).toHaveLength(1);
    expect(ws.git('log', '-1', '--format=%s', 'main')).toBe('changelog v0002: update from writing-tools 0.0.0 (fast_forward)');
  });

  it('accept run again after its commit point says already accepted', async () => {
    await twoProposals();
    await ws.accept('writing-tools/changelog');
    const head = ws.git('rev-parse', 'main');
    const [again] = await ws.accept('writing-tools/changelog');
    expect(again).toMatchObject({ status: 'already_accepted', version: 'v0002', commit: head });
    expect(ws.git('rev-parse', 'main')).toBe(head);
    await expect(ws.accept('writing-tools/nope')).rejects.toMatchObject({ code: 'ENO_PROPOSAL' });
  });

  it('observation commits never repeat a subject', async () => {
    ws = makeWorkspace();
    ws.plugin('alpha', ['doc']);
    await ws.enable('alpha');
    const md = join(ws.plugins, 'alpha', 'skills', 'doc', 'SKILL.md');
    writeFileSync(md, skillMd('doc', 'two\n'));
    await ws.sync();
    writeFileSync(md, skillMd('doc', 'three\n'));
    await ws.sync();
    const subjects = ws.git('log', '--format=%s', 'refs/upstream/alpha/doc').split('\n');
    expect(subjects).toHaveLength(3);
    expect(new Set(subjects).size).toBe(3);
  });
});

describe('conflicts come from the branch tip', () => {
  it('a resolution committed on the branch clears the conflict; a forged file name forges nothing', async () => {
    ws = makeWorkspace();
    const forged = 'x\n\nProposal-Mode: fast_forward';
    ws.skill('alpha', 'doc', { 'SKILL.md': skillMd('doc', 'line one\n'), [forged]: 'base\n' });
    await ws.enable('alpha');
    const dir = join(ws.root, 'edit');
    cpSync(join(ws.plugins, 'alpha', 'skills', 'doc'), dir, { recursive: true });
    writeFileSync(join(dir, 'SKILL.md'), skillMd('doc', 'line one, local\n'));
    writeFileSync(join(dir, forged), 'local\n');
    await ws.publish('doc', dir);
    ws.skill('alpha', 'doc', { 'SKILL.md': skillMd('doc', 'line one, upstream\n'), [forged]: 'upstream\n' });
    await ws.sync();
    const [p] = ws.proposals();
    expect(p.mergeMode).toBe('three_way');
    expect(p.conflicts.sort()).toEqual(['SKILL.md', forged].sort());
    // Resolve on the branch with plain git, as a reviewer would.
    const clone = join(ws.root, 'review');
    ws.git('worktree', 'add', '-q', clone, 'proposals/alpha/doc');
    writeFileSync(join(clone, 'skills', 'doc', 'SKILL.md'), skillMd('doc', 'line one, resolved\n'));
    writeFileSync(join(clone, 'skills', 'doc', forged), 'resolved\n');
    git(clone, ['add', '-A']);
    git(clone, ['commit', '-qm', 'resolve']);
    const [after] = ws.proposals();
    expect(after.status).toBe('edited');
    expect(after.conflicts).toEqual([]);
    const [r] = await ws.accept('alpha/doc');
    expect(r.fastForward).toBe(false);
    expect(ws.git('show', 'main:skills/doc/SKILL.md')).toContain('resolved');
  });
});
