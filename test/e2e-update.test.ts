// sync, classification, proposals, accept/reject, review with plain git.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeEnv, skillMd, type Env } from './helpers/env.js';
import { git } from './helpers/git.js';

let env: Env;
afterEach(() => env?.cleanup());

const LINES = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

function setup(extra?: string): Env {
  const e = makeEnv({ configExtra: extra });
  e.skill('alpha', 'doc', { 'SKILL.md': skillMd('doc', LINES), 'notes.md': 'notes\n' });
  e.skill('alpha', 'other', { 'SKILL.md': skillMd('other') });
  e.ok('enable', 'alpha');
  return e;
}

function publishLocal(e: Env, skill: string, edit: (s: string) => string) {
  const dir = join(e.root, `edit-${skill}-${Date.now()}`);
  cpSync(join(e.workspace, 'live', 'skills', skill), dir, { recursive: true, dereference: true });
  const f = join(dir, 'SKILL.md');
  const cur = e.git('show', `main:skills/${skill}/SKILL.md`) + '\n';
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const p of e.git('ls-tree', '-r', '--name-only', `main:skills/${skill}`).split('\n')) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), e.git('show', `main:skills/${skill}/${p}`) + '\n');
  }
  writeFileSync(f, edit(cur));
  e.ok('publish', skill, '--from', dir, '-m', 'local edit');
}

const upstream = (e: Env, skill: string, content: string) => writeFileSync(join(e.plugins, 'alpha', 'skills', skill, 'SKILL.md'), content);

describe('sync and proposals', () => {
  it('three-way: local edit + upstream change → merged proposal → accept → new version; no local edit lost', () => {
    env = setup();
    publishLocal(env, 'doc', (s) => s.replace('line 2\n', 'line 2 (local)\n'));
    upstream(env, 'doc', skillMd('doc', LINES.replace('line 10\n', 'line 10 (upstream)\n')));
    const res = env.json('sync');
    const doc = res.plugins[0].skills.find((s: any) => s.name === 'doc');
    expect(doc.classification).toBe('three_way');
    expect(res.plugins[0].skills.find((s: any) => s.name === 'other').classification).toBe('unchanged');
    const [p] = env.json('proposals');
    expect(p).toMatchObject({ id: 'alpha/doc', plugin: 'alpha', skill: 'doc', branch: 'proposals/alpha/doc', mergeMode: 'three_way', conflicts: [], status: 'open' });
    expect(p.localTree).toBe(env.git('rev-parse', 'main:skills/doc'));
    expect(p.upstreamTree).toBe(env.git('rev-parse', 'refs/upstream/alpha/doc^{tree}'));
    const merged = env.git('show', 'proposals/alpha/doc:skills/doc/SKILL.md');
    expect(merged).toContain('line 2 (local)');
    expect(merged).toContain('line 10 (upstream)');
    // the branch is one commit on main carrying the binding moved to the new upstream tree
    expect(env.git('rev-parse', 'proposals/alpha/doc^')).toBe(env.git('rev-parse', 'main'));
    expect(JSON.parse(env.git('show', 'proposals/alpha/doc:.skillsync/bindings/doc.json')).acceptedTree).toBe(p.upstreamTree);
    const acc = env.json('accept', 'alpha/doc');
    expect(acc.version).toBe('v0003');
    expect(env.git('show', 'main:skills/doc/SKILL.md')).toBe(merged);
    expect(env.git('log', '-1', '--format=%B', 'skills/doc/v0003^{commit}')).toMatch(/Merge-Mode: three_way/);
    expect(env.gitTry('rev-parse', '--verify', '-q', 'refs/heads/proposals/alpha/doc').status).not.toBe(0);
    expect(env.json('sync').plugins[0].status).toBe('synced');
    expect(env.json('log', 'doc').map((v: any) => v.version)).toEqual(['v0003', 'v0002', 'v0001']);
    env.fsck();
  });

  it('fast-forward and already_applied', () => {
    env = setup();
    upstream(env, 'other', skillMd('other', 'new body\n'));
    expect(env.json('sync').plugins[0].skills.find((s: any) => s.name === 'other').classification).toBe('fast_forward');
    env.ok('accept', 'alpha/other');
    expect(env.git('rev-parse', 'main:skills/other')).toBe(env.git('rev-parse', 'refs/upstream/alpha/other^{tree}'));
    // local publishes exactly what upstream will have: accepted silently, no proposal
    publishLocal(env, 'doc', () => skillMd('doc', 'same on both sides\n'));
    upstream(env, 'doc', skillMd('doc', 'same on both sides\n'));
    const s = env.json('sync').plugins[0].skills.find((x: any) => x.name === 'doc');
    expect(s.classification).toBe('already_applied');
    expect(env.json('proposals')).toHaveLength(0);
    expect(JSON.parse(env.git('show', 'main:.skillsync/bindings/doc.json')).acceptedTree).toBe(env.git('rev-parse', 'main:skills/doc'));
    env.fsck();
  });

  it('accept of several proposals on the command line is one commit with a tag per skill; a refused one stops them all', () => {
    env = setup();
    upstream(env, 'other', skillMd('other', 'new body\n'));
    upstream(env, 'doc', skillMd('doc', LINES + 'more\n'));
    env.ok('sync');
    const before = env.git('rev-list', '--count', 'main');
    expect(env.run('accept', 'alpha/doc', 'alpha/nope').code).toBe(1);
    expect(env.git('rev-list', '--count', 'main')).toBe(before);
    const out = env.ok('accept', 'alpha/doc', 'alpha/other');
    expect(out).toMatch(/^alpha\/doc: accepted as doc v0002 \(fast-forward [0-9a-f]{12}\)\nalpha\/other: accepted as other v0002 /);
    expect(env.git('rev-list', '--count', 'main')).toBe(String(Number(before) + 1));
    expect(env.git('rev-parse', 'skills/doc/v0002^{commit}')).toBe(env.git('rev-parse', 'skills/other/v0002^{commit}'));
    const again = env.json('accept', 'alpha/doc', 'alpha/other');
    expect(again.map((r: any) => r.status)).toEqual(['already_accepted', 'already_accepted']);
    env.fsck();
  });

  it('a conflicted proposal is refused until resolved', () => {
    env = setup();
    publishLocal(env, 'doc', (s) => s.replace('line 5\n', 'line 5 local\n'));
    upstream(env, 'doc', skillMd('doc', LINES.replace('line 5\n', 'line 5 upstream\n')));
    expect(env.run('sync').code).toBe(3); // done, but a conflict needs you
    const [p] = env.json('proposals');
    expect(p.conflicts).toEqual(['SKILL.md']);
    const text = env.git('show', 'proposals/alpha/doc:skills/doc/SKILL.md');
    expect(text).toContain('<<<<<<< local');
    expect(text).toContain('>>>>>>> upstream');
    const r = env.run('accept', 'alpha/doc');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/conflict markers in SKILL.md/);
  });

  it('supersede: a newer upstream change replaces an untouched proposal', () => {
    env = setup();
    upstream(env, 'other', skillMd('other', 'first\n'));
    env.ok('sync');
    const first = env.json('proposals')[0].commit;
    upstream(env, 'other', skillMd('other', 'second\n'));
    const s = env.json('sync').plugins[0].skills.find((x: any) => x.name === 'other');
    expect(s.action).toBe('proposal_replaced');
    const [p] = env.json('proposals');
    expect(p.commit).not.toBe(first);
    expect(env.git('show', 'proposals/alpha/other:skills/other/SKILL.md')).toContain('second');
    // the upstream history keeps both observations
    expect(env.git('rev-list', '--count', 'refs/upstream/alpha/other')).toBe('3');
  });

  it('stale: a proposal someone committed to is never overwritten; the newer update waits', () => {
    env = setup();
    upstream(env, 'other', skillMd('other', 'first\n'));
    env.ok('sync');
    const clone = join(env.root, 'clone');
    git(env.root, ['clone', '-q', env.gitdir, clone]);
    git(clone, ['checkout', '-q', 'proposals/alpha/other']);
    writeFileSync(join(clone, 'skills', 'other', 'SKILL.md'), skillMd('other', 'first, reviewed by a person\n'));
    git(clone, ['commit', '-qam', 'review tweak']);
    git(clone, ['push', '-q', 'origin', 'proposals/alpha/other']);
    const humanTip = env.git('rev-parse', 'proposals/alpha/other');
    upstream(env, 'other', skillMd('other', 'second\n'));
    const s = env.json('sync').plugins[0].skills.find((x: any) => x.name === 'other');
    expect(s.action).toBe('proposal_stale');
    expect(env.git('rev-parse', 'proposals/alpha/other')).toBe(humanTip);
    expect(env.json('proposals')[0].status).toBe('stale');
  });

  it('reject: that upstream tree is not proposed again, a newer one is', () => {
    env = setup();
    upstream(env, 'other', skillMd('other', 'unwanted\n'));
    env.ok('sync');
    env.ok('reject', 'alpha/other');
    expect(env.json('proposals')).toHaveLength(0);
    const s = env.json('sync').plugins[0].skills.find((x: any) => x.name === 'other');
    expect(s.action).toBe('rejected_earlier');
    expect(env.json('proposals')).toHaveLength(0);
    upstream(env, 'other', skillMd('other', 'better\n'));
    env.ok('sync');
    expect(env.json('proposals').map((p: any) => p.id)).toEqual(['alpha/other']);
  });

  it('skills added and removed upstream are proposed as additions and removals', () => {
    env = setup();
    env.skill('alpha', 'fresh', { 'SKILL.md': skillMd('fresh') });
    rmSync(join(env.plugins, 'alpha', 'skills', 'other'), { recursive: true });
    const res = env.json('sync').plugins[0].skills;
    expect(res.find((s: any) => s.name === 'fresh').classification).toBe('added');
    expect(res.find((s: any) => s.name === 'other').classification).toBe('removed');
    const props = env.json('proposals');
    expect(props.map((p: any) => `${p.id}:${p.mergeMode}`).sort()).toEqual(['alpha/fresh:addition', 'alpha/other:removal']);
    // nothing changes on main until a person accepts
    expect(env.gitTry('cat-file', '-e', 'main:skills/other').status).toBe(0);
    env.ok('accept', 'alpha/fresh');
    env.ok('accept', 'alpha/other');
    expect(env.git('cat-file', '-t', 'skills/fresh/v0001')).toBe('tag');
    expect(env.gitTry('cat-file', '-e', 'main:skills/other').status).not.toBe(0);
    expect(env.gitTry('cat-file', '-e', 'main:.skillsync/bindings/other.json').status).not.toBe(0);
    expect(JSON.parse(env.git('show', 'main:.skillsync/bindings/fresh.json')).plugin).toBe('alpha');
    expect(env.json('sync').plugins[0].status).toBe('synced');
    env.fsck();
  });

  it('a vanished source makes the plugin missing and deletes nothing', () => {
    env = setup();
    const main = env.git('rev-parse', 'main');
    renameSync(join(env.plugins, 'alpha'), join(env.root, 'alpha-away'));
    expect(env.json('sync').plugins[0].status).toBe('missing');
    expect(env.json('plugins').find((p: any) => p.id === 'alpha').status).toBe('missing');
    expect(env.git('rev-parse', 'main')).toBe(main);
  });

  it('policy: fast-forward updates applied without review', () => {
    env = setup('autoApplyFastForward: [alpha]\n');
    upstream(env, 'other', skillMd('other', 'auto\n'));
    const s = env.json('sync').plugins[0].skills.find((x: any) => x.name === 'other');
    expect(s.action).toBe('auto_apply');
    expect(s.version).toBe('v0002');
    expect(env.json('proposals')).toHaveLength(0);
    expect(env.git('show', 'main:skills/other/SKILL.md')).toContain('auto');
  });
});

describe('reviewed like branches', () => {
  it('resolve on the branch, git merge into main, push; the next sync tags the version and marks the binding synced', () => {
    env = setup();
    publishLocal(env, 'doc', (s) => s.replace('line 5\n', 'line 5 local\n'));
    upstream(env, 'doc', skillMd('doc', LINES.replace('line 5\n', 'line 5 upstream\n')));
    expect(env.run('sync').code).toBe(3); // done, but a conflict needs you
    const p = env.json('proposals')[0];
    const clone = join(env.root, 'clone');
    git(env.root, ['clone', '-q', env.gitdir, clone]);
    git(clone, ['checkout', '-q', 'proposals/alpha/doc']);
    writeFileSync(join(clone, 'skills', 'doc', 'SKILL.md'), skillMd('doc', LINES.replace('line 5\n', 'line 5 local and upstream\n')));
    git(clone, ['commit', '-qam', 'resolve conflict']);
    git(clone, ['checkout', '-q', 'main']);
    git(clone, ['merge', '-q', '--no-ff', '-m', 'Merge proposal alpha/doc', 'proposals/alpha/doc']);
    git(clone, ['push', '-q', 'origin', 'main']);
    const res = env.json('sync');
    expect(res.plugins[0].status).toBe('synced');
    expect(env.json('proposals')).toHaveLength(0);
    expect(env.git('rev-parse', 'skills/doc/v0003^{commit}')).toBe(env.git('rev-parse', 'main'));
    expect(JSON.parse(env.git('show', 'main:.skillsync/bindings/doc.json')).acceptedTree).toBe(p.upstreamTree);
    const skills = env.json('plugins').find((x: any) => x.id === 'alpha').skills;
    // The resolution keeps a local edit on top of the accepted upstream: `modified`.
    expect(skills.find((s: any) => s.name === 'doc')).toMatchObject({ status: 'modified', version: 'v0003' });
    expect(env.git('show', 'main:skills/doc/SKILL.md')).toContain('line 5 local and upstream');
    env.fsck();
  });

  it('accept makes a merge commit when main moved meanwhile', () => {
    env = setup();
    upstream(env, 'other', skillMd('other', 'upd\n'));
    env.ok('sync');
    publishLocal(env, 'doc', (s) => s + 'more\n');
    const r = env.json('accept', 'alpha/other');
    expect(r.fastForward).toBe(false);
    expect(env.git('rev-list', '--parents', '-1', 'main').split(' ')).toHaveLength(3);
    expect(env.git('show', 'main:skills/doc/SKILL.md')).toContain('more');
    expect(env.git('show', 'main:skills/other/SKILL.md')).toContain('upd');
    env.fsck();
  });
});

describe('crash recovery keeps the work of people', () => {
  it('a journaled branch delete is not replayed over a branch someone pushed to meanwhile', () => {
    env = setup();
    upstream(env, 'other', skillMd('other', 'first\n'));
    env.ok('sync');
    const generated = env.git('rev-parse', 'proposals/alpha/other');
    const clone = join(env.root, 'clone');
    git(env.root, ['clone', '-q', env.gitdir, clone]);
    git(clone, ['checkout', '-q', 'proposals/alpha/other']);
    writeFileSync(join(clone, 'skills', 'other', 'SKILL.md'), skillMd('other', 'reviewed\n'));
    git(clone, ['commit', '-qam', 'review']);
    git(clone, ['push', '-q', 'origin', 'proposals/alpha/other']);
    const human = env.git('rev-parse', 'proposals/alpha/other');
    // What a command killed after its commit point would leave: delete of the old tip.
    writeFileSync(
      join(env.workspace, 'journal.json'),
      JSON.stringify({ main: null, ops: [{ name: 'refs/heads/proposals/alpha/other', oid: null, expected: generated }], command: 'reject alpha/other', at: new Date().toISOString() }),
    );
    env.ok('sync');
    expect(env.git('rev-parse', 'proposals/alpha/other')).toBe(human);
  });
});

describe('git repository source', () => {
  it('follows a ref: a new commit upstream becomes a proposal', () => {
    env = makeEnv({ sources: ['{ git: ./market, ref: main }'] });
    const market = join(env.root, 'market');
    mkdirSync(join(market, 'gp', 'skills', 'g1'), { recursive: true });
    writeFileSync(join(market, 'gp', 'skills', 'g1', 'SKILL.md'), skillMd('g1'));
    git(market, ['init', '-q', '-b', 'main']);
    git(market, ['add', '-A']);
    git(market, ['commit', '-qm', 'init']);
    env.ok('enable', 'gp');
    writeFileSync(join(market, 'gp', 'skills', 'g1', 'SKILL.md'), skillMd('g1', 'v2 from git\n'));
    expect(env.json('sync').plugins[0].skills[0].classification).toBe('unchanged'); // not committed yet
    git(market, ['commit', '-qam', 'v2']);
    expect(env.json('sync').plugins[0].skills[0].classification).toBe('fast_forward');
    expect(env.git('rev-parse', 'refs/upstream/gp/g1^{tree}')).toBe(git(market, ['rev-parse', 'HEAD:gp/skills/g1']));
    env.ok('accept', 'gp/g1');
    expect(env.git('show', 'main:skills/g1/SKILL.md')).toContain('v2 from git');
    env.fsck();
  });
});
