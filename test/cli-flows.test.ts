// Statuses that agree, the review flow (diff/show), --dry-run, publish guards, undo paths.
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { makeEnv, skillMd, snapshotFs, type Env } from './helpers/env.js';
import { git } from './helpers/git.js';

let env: Env;
afterEach(() => env?.cleanup());

const LINES = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

function setup(): Env {
  const e = makeEnv();
  e.skill('alpha', 'doc', { 'SKILL.md': skillMd('doc', LINES), 'notes.md': 'notes\n' });
  e.skill('alpha', 'other', { 'SKILL.md': skillMd('other') });
  e.skill('beta', 'solo', { 'SKILL.md': skillMd('solo') });
  e.ok('enable', 'alpha');
  return e;
}

const upstream = (e: Env, skill: string, content: string) => writeFileSync(join(e.plugins, 'alpha', 'skills', skill, 'SKILL.md'), content);

function localEdit(e: Env, skill: string, content: string): string {
  const dir = join(e.root, `edit-${skill}-${Math.random().toString(36).slice(2)}`);
  cpSync(join(e.plugins, 'alpha', 'skills', skill), dir, { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), content);
  return dir;
}

const plugin = (e: Env, id: string) => e.json('plugins').find((p: any) => p.id === id);
const skill = (e: Env, id: string, name: string) => plugin(e, id).skills.find((s: any) => s.name === name);

/** Everything a dry run must leave alone: refs, objects, the live view. */
function fingerprint(e: Env): string {
  const objects = snapshotFs(join(e.gitdir, 'objects'));
  const live = readdirSync(join(e.workspace, 'live', 'skills')).map((n) => `${n}->${readlinkSync(join(e.workspace, 'live', 'skills', n))}`);
  return JSON.stringify([e.refs(), [...objects.keys()].sort(), live.sort()]);
}

describe('statuses that agree', () => {
  it('paused, disabled, modified, missing, never enabled', () => {
    env = setup();
    expect(skill(env, 'beta', 'solo').status).toBe('available');
    expect(plugin(env, 'beta').status).toBe('discovered');
    env.ok('publish', 'doc', '--from', localEdit(env, 'doc', skillMd('doc', 'mine\n')));
    expect(skill(env, 'alpha', 'doc').status).toBe('modified');
    expect(skill(env, 'alpha', 'other').status).toBe('synced');
    env.ok('pause', 'alpha');
    expect(plugin(env, 'alpha').status).toBe('paused');
    expect(env.json('status').plugins).toEqual({ paused: 1, discovered: 1 });
    env.ok('resume', 'alpha');
    env.ok('disable', 'alpha', '--yes');
    const dis = plugin(env, 'alpha');
    expect(dis).toMatchObject({ status: 'disabled', paused: false });
    expect(dis.skills.map((s: any) => s.status)).toEqual(['disabled', 'disabled']);
    const text = env.ok('plugins');
    expect(text).not.toContain('(paused)');
    env.ok('enable', 'alpha');
    rmSync(join(env.plugins, 'alpha'), { recursive: true });
    expect(plugin(env, 'alpha').status).toBe('missing');
    expect(plugin(env, 'alpha').skills.map((s: any) => s.status)).toEqual(['missing', 'missing']);
  });

  it('enable says a proposal waits; a second adopt says it is adopted already; sync nope = enable nope', () => {
    env = setup();
    upstream(env, 'other', skillMd('other', 'new\n'));
    env.ok('sync');
    const again = env.ok('enable', 'alpha');
    expect(again).toMatch(/alpha: already enabled, update_pending \(1 proposal\(s\) wait/);
    expect(again).not.toMatch(/in sync/);
    expect(env.json('enable', 'alpha')[0]).toMatchObject({ status: 'already_enabled', state: 'update_pending' });
    env.ok('adopt', 'alpha', 'doc');
    const second = env.run('adopt', 'alpha', 'doc');
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/already adopted from plugin alpha/);
    expect(second.stdout).not.toMatch(/not bound/);
    const a = env.run('sync', 'nope');
    const b = env.run('enable', 'nope');
    expect(a.code).toBe(1);
    expect(b.code).toBe(1);
    expect(a.stderr).toBe(b.stderr);
    expect(a.stderr).toMatch(/^skillsync: unknown plugin 'nope'/);
  });

  it('a proposal merged with git is reported proposal_merged, not proposal_dropped', () => {
    env = setup();
    upstream(env, 'other', skillMd('other', 'Upstream v2.\n'));
    env.ok('sync');
    const clone = join(env.root, 'clone');
    git(env.root, ['clone', '-q', env.gitdir, clone]);
    git(clone, ['merge', '-q', '--no-ff', '-m', 'merge proposal', 'origin/proposals/alpha/other']);
    git(clone, ['push', '-q', 'origin', 'HEAD:main']);
    const s = env.json('sync').plugins[0].skills.find((x: any) => x.name === 'other');
    expect(s.action).toBe('proposal_merged');
  });
});

describe('review flow', () => {
  it('diff is the change against the merge base (git diff main...branch), also after main moved', () => {
    env = setup();
    upstream(env, 'doc', skillMd('doc', LINES.replace('line 20\n', 'line 20 upstream\n')));
    env.ok('sync');
    // main moves: another skill changes; two-dot diff would now show it, three-dot must not.
    env.ok('publish', 'other', '--from', localEdit(env, 'other', skillMd('other', 'moved main\n')));
    const mine = env.ok('diff', 'alpha/doc', '--no-color');
    const theirs = env.git('diff', '--no-color', 'main...proposals/alpha/doc');
    const strip = (s: string) => s.split('\n').filter((l) => !l.startsWith('index ')).join('\n').trimEnd();
    expect(strip(mine)).toBe(strip(theirs));
    expect(mine).not.toContain('skills/other');
    const stat = env.json('diff', 'alpha/doc', '--stat');
    expect(stat).toMatchObject({ id: 'alpha/doc', branch: 'proposals/alpha/doc', base: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(stat.files.map((f: any) => [f.path, f.status, f.added, f.removed])).toEqual([
      ['.skillsync/bindings/doc.json', 'modified', 1, 1],
      ['skills/doc/SKILL.md', 'modified', 1, 1],
    ]);
    expect(env.ok('diff', 'alpha/doc', '--stat')).toMatch(/2 files changed, 2 insertions\(\+\), 2 deletions\(-\)/);
  });

  it('show: trees, conflicts from the tip, safety findings, what accept would publish', () => {
    env = setup();
    env.ok('publish', 'doc', '--from', localEdit(env, 'doc', skillMd('doc', LINES.replace('line 5\n', 'line 5 local\n'))));
    upstream(env, 'doc', skillMd('doc', LINES.replace('line 5\n', 'line 5 upstream\n')));
    expect(env.run('sync').code).toBe(3);
    const s = env.json('show', 'alpha/doc');
    expect(s).toMatchObject({ id: 'alpha/doc', mergeMode: 'three_way', status: 'open', conflicts: ['SKILL.md'], safety: [], accept: { ok: false, refused: { code: 'ECONFLICT' } } });
    expect(s.localTree).toBe(env.git('rev-parse', 'main:skills/doc'));
    expect(s.upstreamTree).toBe(env.git('rev-parse', 'refs/upstream/alpha/doc^{tree}'));
    expect(s.mergedTree).toBe(env.git('rev-parse', 'proposals/alpha/doc:skills/doc'));
    // Resolve on the branch: show no longer reports the conflict and accept would publish v0003.
    const clone = join(env.root, 'clone');
    git(env.root, ['clone', '-q', '-b', 'proposals/alpha/doc', env.gitdir, clone]);
    writeFileSync(join(clone, 'skills', 'doc', 'SKILL.md'), skillMd('doc', LINES.replace('line 5\n', 'line 5 both\n')));
    git(clone, ['commit', '-qam', 'resolve']);
    git(clone, ['push', '-q', 'origin', 'HEAD:proposals/alpha/doc']);
    const r = env.json('show', 'alpha/doc');
    expect(r).toMatchObject({ status: 'edited', conflicts: [], accept: { ok: true, version: 'v0003', publishes: r.mergedTree } });
    expect(env.ok('show', 'alpha/doc')).toMatch(/accept +publishes doc v0003/);
  });
});

describe('--dry-run writes nothing', () => {
  it('enable, sync, accept, disable: what would change, no refs, no objects, no live view change', () => {
    env = setup();
    const before = fingerprint(env);
    const en = env.json('enable', 'beta', '--dry-run');
    expect(en[0]).toMatchObject({ plugin: 'beta', status: 'enabled', dryRun: true, skills: [{ name: 'solo', action: 'mirrored', version: 'v0001' }] });
    expect(fingerprint(env)).toBe(before);
    upstream(env, 'other', skillMd('other', 'new\n'));
    const sy = env.json('sync', '--dry-run');
    expect(sy.dryRun).toBe(true);
    expect(sy.plugins[0].skills.find((s: any) => s.name === 'other')).toMatchObject({ classification: 'fast_forward', action: 'proposal_opened' });
    expect(fingerprint(env)).toBe(before);
    env.ok('sync');
    const mid = fingerprint(env);
    expect(env.json('accept', 'alpha/other', '--dry-run')).toMatchObject({ id: 'alpha/other', version: 'v0002', dryRun: true });
    expect(env.ok('accept', 'alpha/other', '-n')).toMatch(/would be accepted as other v0002/);
    expect(fingerprint(env)).toBe(mid);
    expect(env.json('disable', 'alpha', '--dry-run')).toMatchObject({ status: 'disabled', skills: ['doc', 'other'], dryRun: true });
    expect(fingerprint(env)).toBe(mid);
    // The real commands still do it all afterwards.
    expect(env.json('accept', 'alpha/other').version).toBe('v0002');
    env.fsck();
  });
});

describe('publish guards and undo paths', () => {
  it('--new for a new skill, front matter name must match unless --force, bad YAML refused, bad names talk about the argument', () => {
    env = setup();
    const refs = env.refs();
    const dir = localEdit(env, 'doc', skillMd('doc', 'x\n'));
    const typo = env.run('publish', 'dco', '--from', dir);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/there is no skill 'dco' in the workspace; pass --new to create it/);
    const mism = env.run('publish', 'nope', '--from', dir, '--new');
    expect(mism.code).toBe(1);
    expect(mism.stderr).toMatch(/SKILL\.md says name: "?doc"? but you are publishing it as 'nope'/);
    expect(env.refs()).toBe(refs);
    expect(env.json('publish', 'nope', '--from', dir, '--new', '--force').version).toBe('v0001');
    writeFileSync(join(dir, 'SKILL.md'), '---\nname: doc\ndescription: [unclosed\n---\nbody\n');
    const bad = env.run('publish', 'doc', '--from', dir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/front matter does not parse/);
    const name = env.run('publish', '../x', '--from', dir);
    expect(name.stderr).toMatch(/^skillsync: <skill> argument "\.\.\/x" is not a usable skill name/);
    expect(name.stderr).not.toMatch(/skill folder/);
  });

  it('remove --yes retires a local skill; unadopt and reject --undo; rejected lists rejections', () => {
    env = setup();
    const mine = join(env.root, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'SKILL.md'), skillMd('mine'));
    env.ok('publish', 'mine', '--new', '--from', mine);
    expect(env.run('remove', 'mine').stderr).toMatch(/--yes/);
    expect(env.run('remove', 'doc', '--yes').stderr).toMatch(/belongs to plugin alpha/);
    expect(env.json('remove', 'mine', '--yes')).toMatchObject({ skill: 'mine', status: 'removed' });
    expect(env.gitTry('cat-file', '-e', 'main:skills/mine').status).not.toBe(0);
    expect(env.git('cat-file', '-t', 'skills/mine/v0001')).toBe('tag');

    env.ok('adopt', 'alpha', 'doc');
    expect(skill(env, 'alpha', 'doc').status).toBe('adopted');
    expect(env.json('unadopt', 'alpha', 'doc')).toMatchObject({ plugin: 'alpha', skill: 'doc', status: 'bound' });
    expect(skill(env, 'alpha', 'doc').status).toBe('synced');
    env.ok('adopt', 'alpha', 'doc');
    env.ok('adopt', '--undo', 'alpha', 'doc');
    expect(skill(env, 'alpha', 'doc').status).toBe('synced');

    upstream(env, 'other', skillMd('other', 'nope\n'));
    env.ok('sync');
    env.ok('reject', 'alpha/other');
    const rej = env.json('rejected');
    expect(rej).toEqual([expect.objectContaining({ id: 'alpha/other', plugin: 'alpha', skill: 'other', mergeMode: 'fast_forward', upstreamTree: env.git('rev-parse', 'refs/upstream/alpha/other^{tree}') })]);
    expect(env.json('sync').plugins[0].skills.find((s: any) => s.name === 'other').action).toBe('rejected_earlier');
    env.ok('reject', '--undo', 'alpha/other');
    expect(env.json('rejected')).toEqual([]);
    expect(env.json('sync').plugins[0].skills.find((s: any) => s.name === 'other').action).toBe('proposal_opened');
    expect(readFileSync(join(env.workspace, 'live', 'skills', 'doc', 'SKILL.md'), 'utf8')).toContain('line 1');
    env.fsck();
  });
});
