// Targets end to end with the real CLI and a real HOME: copy-mode edits captured as
// versions, merged with upstream updates; symlink targets; foreign entries; renamed skills.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
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
});
