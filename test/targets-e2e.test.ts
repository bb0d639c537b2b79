// Targets end to end with the real CLI and a real HOME: copy-mode edits captured as
// versions, merged with upstream updates; symlink targets; foreign entries; renamed skills.
import { afterEach, describe, expect, it } from 'vitest';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, makeEnv, skillMd, type Env } from './helpers/env.js';

let env: Env;
afterEach(() => env?.cleanup());

const LINES = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

/** An env whose CLI runs with HOME inside the temp dir. */
function homeEnv(targets: string, names = ''): Env & { home: string; cli: (...a: string[]) => { code: number; stdout: string; stderr: string } } {
  const e = makeEnv({ configExtra: `targets:\n${targets}\n${names}` });
  const home = join(e.root, 'home');
  mkdirSync(join(home, '.claude'), { recursive: true });
  mkdirSync(join(home, '.agents'), { recursive: true });
  // The config is parsed by the CLI process: HOME must be set there.
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, '--config', e.config, ...args], { cwd: e.root, encoding: 'utf8', env: { ...process.env, HOME: home, CLAUDE_CONFIG_DIR: '', SKILLSYNC_DEBUG: '' } });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = (...args: string[]) => {
    const r = cli(...args);
    if (r.code !== 0) throw new Error(`skillsync ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  return Object.assign(e, { home, cli, ok, json: (...a: string[]) => JSON.parse(ok('--json', ...a)) });
}

describe('targets', () => {
  it('copy-mode claude target: an edit there becomes v0002 (local_edit), merges with an upstream update', () => {
    const e = homeEnv('  - { preset: claude, mode: copy }');
    env = e;
    e.skill('alpha', 'doc', { 'SKILL.md': skillMd('doc', LINES), 'notes.md': 'notes\n' });
    e.ok('enable', 'alpha');
    const folder = join(e.home, '.claude', 'skills', 'doc');
    expect(lstatSync(folder).isDirectory()).toBe(true);
    expect(readFileSync(join(folder, 'SKILL.md'), 'utf8')).toBe(skillMd('doc', LINES));
    // A person edits the skill where the agent reads it.
    writeFileSync(join(folder, 'SKILL.md'), skillMd('doc', LINES.replace('line 2\n', 'line 2 (mine)\n')));
    e.ok('sync');
    const log = e.json('log', 'doc');
    expect(log.map((v: any) => v.version)).toEqual(['v0002', 'v0001']);
    expect(log[0].mergeMode).toBe('local_edit');
    expect(e.git('log', '-1', '--format=%B', 'skills/doc/v0002^{commit}')).toMatch(/Merge-Mode: local_edit/);
    expect(e.git('show', 'main:skills/doc/SKILL.md')).toContain('line 2 (mine)');
    // Upstream changes another line; sync proposes a three-way merge; accept.
    writeFileSync(join(e.plugins, 'alpha', 'skills', 'doc', 'SKILL.md'), skillMd('doc', LINES.replace('line 9\n', 'line 9 (upstream)\n')));
    const s = e.json('sync');
    expect(s.plugins[0].skills[0].classification).toBe('three_way');
    e.ok('accept', 'alpha/doc');
    const main = e.git('show', 'main:skills/doc/SKILL.md');
    expect(main).toContain('line 2 (mine)');
    expect(main).toContain('line 9 (upstream)');
    const onDisk = readFileSync(join(folder, 'SKILL.md'), 'utf8');
    expect(onDisk).toContain('line 2 (mine)');
    expect(onDisk).toContain('line 9 (upstream)');
    expect(readFileSync(join(folder, 'notes.md'), 'utf8')).toBe('notes\n');
    e.fsck();
  });

  it('a foreign folder of the same name is left byte-identical and reported; a disabled plugin leaves, an adopted skill stays', () => {
    const e = homeEnv('  - agents\n  - { path: ./project/skills, mode: copy }');
    env = e;
    e.skill('alpha', 'doc', { 'SKILL.md': skillMd('doc') });
    e.skill('alpha', 'pdf', { 'SKILL.md': skillMd('pdf') });
    e.skill('alpha', 'keep', { 'SKILL.md': skillMd('keep') });
    const mine = join(e.home, '.agents', 'skills', 'doc');
    mkdirSync(mine, { recursive: true });
    writeFileSync(join(mine, 'SKILL.md'), 'my own doc skill\n');
    const before = readFileSync(join(mine, 'SKILL.md'));
    const st = lstatSync(join(mine, 'SKILL.md'));
    // The project folder's parent is missing: an error for that target only.
    e.ok('enable', 'alpha');
    expect(readFileSync(join(mine, 'SKILL.md')).equals(before)).toBe(true);
    expect(lstatSync(join(mine, 'SKILL.md')).mtimeMs).toBe(st.mtimeMs);
    expect(readlinkSync(join(e.home, '.agents', 'skills', 'pdf'))).toBe(join(e.workspace, 'live', 'skills', 'pdf'));
    const status = e.json('status');
    const [agents, project] = status.targets.targets;
    expect(agents.conflicts).toEqual([expect.objectContaining({ skill: 'doc' })]);
    expect(agents.managed).toBe(2);
    expect(project.error).toMatch(/project does not exist/);
    expect(e.ok('status')).toMatch(/conflict doc: a folder that skillsync did not create/);
    // The workspace works regardless; once the folder exists the target fills.
    mkdirSync(join(e.root, 'project'));
    e.ok('sync');
    expect(readdirSync(join(e.root, 'project', 'skills')).sort()).toEqual(['doc', 'keep', 'pdf']);
    e.ok('adopt', 'alpha', 'keep');
    e.ok('disable', 'alpha', '--yes');
    expect(readdirSync(join(e.root, 'project', 'skills'))).toEqual(['keep']);
    expect(readdirSync(join(e.home, '.agents', 'skills')).sort()).toEqual(['doc', 'keep']);
    expect(readFileSync(join(mine, 'SKILL.md')).equals(before)).toBe(true);
    e.fsck();
  });

  it('two plugins shipping `configure`: a names: entry enables both side by side, byte-identical, in the targets under their names', () => {
    const e = homeEnv('  - claude', 'names: { telegram/configure: telegram-configure }\n');
    env = e;
    const a = e.skill('slack', 'configure', { 'SKILL.md': skillMd('configure', 'Slack setup.\n') });
    const b = e.skill('telegram', 'configure', { 'SKILL.md': skillMd('configure', 'Telegram setup.\n'), 'run.sh': { content: 'echo hi\n', mode: 0o755 } });
    e.ok('enable', 'slack');
    e.ok('enable', 'telegram');
    const hash = (dir: string) => e.ok('hash', dir).trim();
    expect(e.git('rev-parse', 'main:skills/configure')).toBe(hash(a));
    expect(e.git('rev-parse', 'main:skills/telegram-configure')).toBe(hash(b));
    const binding = JSON.parse(e.git('show', 'main:.skillsync/bindings/telegram-configure.json'));
    expect(binding).toMatchObject({ plugin: 'telegram', path: 'telegram/skills/configure' });
    const skills = join(e.home, '.claude', 'skills');
    expect(readdirSync(skills).sort()).toEqual(['configure', 'telegram-configure']);
    expect(readFileSync(join(skills, 'telegram-configure', 'SKILL.md'), 'utf8')).toContain('Telegram setup.');
    expect(e.ok('status')).toMatch(/warning +skill telegram-configure \(telegram\/configure\): SKILL.md says name: configure/);
    // An upstream change of the renamed skill is proposed under its workspace name.
    writeFileSync(join(b, 'SKILL.md'), skillMd('configure', 'Telegram setup, v2.\n'));
    expect(e.json('sync').plugins.find((p: any) => p.id === 'telegram').skills).toEqual([expect.objectContaining({ name: 'telegram-configure', classification: 'fast_forward' })]);
    e.ok('accept', 'telegram/telegram-configure');
    expect(readFileSync(join(skills, 'telegram-configure', 'SKILL.md'), 'utf8')).toContain('v2.');
    e.fsck();
  });

  it('without a name the second plugin is refused, naming --name; enable --name keeps the choice', () => {
    const e = homeEnv('  - claude');
    env = e;
    e.skill('slack', 'configure', { 'SKILL.md': skillMd('configure') });
    e.skill('telegram', 'configure', { 'SKILL.md': skillMd('configure', 'tg\n') });
    e.ok('enable', 'slack');
    const r = e.cli('enable', 'telegram');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--name configure=/);
    e.ok('enable', 'telegram', '--name', 'configure=tg-configure');
    expect(e.git('rev-parse', 'main:skills/tg-configure')).toBe(e.git('rev-parse', 'refs/upstream/telegram/tg-configure^{tree}'));
    // Later passes keep the name (the binding remembers it): nothing is proposed.
    const s = e.json('sync');
    expect(s.plugins.find((p: any) => p.id === 'telegram').skills).toEqual([expect.objectContaining({ name: 'tg-configure', classification: 'unchanged' })]);
    expect(readdirSync(join(e.home, '.claude', 'skills')).sort()).toEqual(['configure', 'tg-configure']);
  });

  it('an edit that fails the checks is not published; the folder stays as the person left it and status says why', () => {
    const e = homeEnv('  - { preset: claude, mode: copy }');
    env = e;
    e.skill('alpha', 'doc', { 'SKILL.md': skillMd('doc') });
    e.ok('enable', 'alpha');
    const folder = join(e.home, '.claude', 'skills', 'doc');
    const bad = skillMd('doc', 'Clean up with: rm -rf ~/\n');
    writeFileSync(join(folder, 'SKILL.md'), bad);
    e.ok('sync');
    expect(e.json('log', 'doc').map((v: any) => v.version)).toEqual(['v0001']);
    expect(readFileSync(join(folder, 'SKILL.md'), 'utf8')).toBe(bad);
    const held = e.json('status').targets.targets[0].held;
    expect(held).toEqual([expect.objectContaining({ skill: 'doc', reason: expect.stringMatching(/destructive-command \(critical\)/) })]);
    // Fixing it publishes it.
    writeFileSync(join(folder, 'SKILL.md'), skillMd('doc', 'Fixed.\n'));
    e.ok('sync');
    expect(e.json('log', 'doc')[0]).toMatchObject({ version: 'v0002', mergeMode: 'local_edit' });
  });

  it('an update accepted while the folder holds an uncaptured edit never overwrites it: captured first, then merged', () => {
    const e = homeEnv('  - { preset: claude, mode: copy }');
    env = e;
    const up = e.skill('alpha', 'doc', { 'SKILL.md': skillMd('doc', LINES) });
    e.ok('enable', 'alpha');
    writeFileSync(join(up, 'SKILL.md'), skillMd('doc', LINES.replace('line 9\n', 'line 9 (upstream)\n')));
    expect(e.json('sync').plugins[0].skills[0].classification).toBe('fast_forward');
    // The edit lands after the proposal was made, and nothing ran since.
    const md = join(e.home, '.claude', 'skills', 'doc', 'SKILL.md');
    writeFileSync(md, readFileSync(md, 'utf8').replace('line 2\n', 'line 2 (mine)\n'));
    e.ok('accept', 'alpha/doc');
    const log = e.json('log', 'doc');
    expect(log.map((v: any) => [v.version, v.mergeMode])).toEqual([['v0003', 'three_way'], ['v0002', 'local_edit'], ['v0001', 'initial_mirror']]);
    for (const text of [e.git('show', 'main:skills/doc/SKILL.md'), readFileSync(md, 'utf8')]) {
      expect(text).toContain('line 2 (mine)');
      expect(text).toContain('line 9 (upstream)');
    }
    e.fsck();
  });
});
