// The command line: every command's --help, exact usage errors, global options anywhere,
// JSON errors, completion scripts, and the pure state rules (table tests).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './helpers/env.js';
import { COMMANDS } from '../src/cli/table.js';
import { commandHelp } from '../src/cli/help.js';
import { pluginState, skillState, type PluginFacts, type SkillFacts } from '../src/core/states.js';
import { relativeTime, alignTable } from '../src/cli/output.js';
import { safetyList } from '../src/cli/safety-view.js';

function run(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: opts.cwd ?? tmpdir(), env: { ...process.env, SKILLSYNC_CONFIG: '', ...opts.env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('help', () => {
  it('every command has --help with its usage, flags and example, the same as `skillsync help <cmd>`', () => {
    for (const [name, c] of Object.entries(COMMANDS)) {
      const r = run([name, '--help']);
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toMatch(new RegExp(`^usage: skillsync ${name.replace('-', '\\-')}`));
      expect(r.stdout, name).toContain(`example:\n  ${c.example}`);
      for (const [flag, f] of Object.entries(c.flags ?? {})) {
        expect(r.stdout, `${name} --${flag}`).toContain(`--${flag}`);
        expect(r.stdout, `${name} --${flag}`).toContain(f.desc);
        if (f.short) expect(r.stdout).toContain(`-${f.short}, --${flag}`);
      }
      if (!c.light) expect(r.stdout, name).toContain('--config <file>');
      expect(commandHelp(name) + '\n', name).toBe(r.stdout);
      if (name === 'publish') expect(run(['help', name]).stdout).toBe(r.stdout);
      if (name === 'enable') expect(run(['-h', name]).stdout).toBe(r.stdout);
    }
  }, 240_000);

  it('the README command table lists every command with its example', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    for (const [name, c] of Object.entries(COMMANDS)) {
      expect(readme, name).toContain(`| \`${name}`);
      expect(readme, name).toContain(`\`${c.example}\``);
    }
  });

  it('top-level help lists every command, --version, the exit codes', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(r.stdout).toContain('--version');
    expect(r.stdout).toContain('3 done but something needs you');
    expect(run(['help']).stdout).toBe(r.stdout);
    expect(run(['--version']).stdout).toMatch(/^skillsync \d+\.\d+\.\d+\n$/);
    expect(JSON.parse(run(['--version', '--json']).stdout).version).toMatch(/^\d+\./);
  });
});

describe('usage errors', () => {
  it('an unknown option is named, exit 2, one line', () => {
    const r = run(['--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^skillsync: usage: unknown option --bogus; skillsync /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
    const c = run(['plugins', '--frm', 'x']);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/^skillsync: usage: unknown option --frm for 'plugins'; skillsync plugins/);
  });

  it('`--config plugins` says the value is missing; it never prints the whole help', () => {
    const r = run(['--config', 'plugins']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^skillsync: usage: option --config needs a value \(it took 'plugins', a command\)/);
    expect(r.stderr).not.toContain('commands:');
    const v = run(['plugins', '--config']);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/^skillsync: usage: option --config needs a value <file>/);
    const flagAsValue = run(['publish', 'x', '--from', '--json']);
    expect(flagAsValue.code).toBe(2);
    expect(flagAsValue.stderr).toMatch(/option --from needs a value/);
  });

  it('missing and extra arguments show the command synopsis; unknown commands are named', () => {
    const r = run(['enable']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^skillsync: usage: skillsync enable .*<plugin>\.\.\. \(missing <plugin>/);
    expect(run(['reject', 'a/b', 'c']).stderr).toMatch(/^skillsync: usage: skillsync reject .*\(unexpected argument 'c'/);
    const u = run(['frobnicate']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^skillsync: usage: unknown command 'frobnicate'/);
    expect(run(['json', '--yes']).code).toBe(2);
    expect(run(['status', '--json=1']).stderr).toMatch(/option --json takes no value/);
  });

  it('with --json, errors are {"error": {code, message}} on stdout, exit code unchanged', () => {
    const r = run(['--json', '--bogus']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: 'EUSAGE', message: expect.stringMatching(/^usage: unknown option --bogus/) } });
    const dir = mkdtempSync(join(tmpdir(), 'skillsync-cli-'));
    try {
      const n = run(['status', '--json'], { cwd: dir, env: { XDG_CONFIG_HOME: dir } });
      expect(n.code).toBe(1);
      expect(JSON.parse(n.stdout).error.code).toBe('ENOCONFIG');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('global options work before or after the command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skillsync-cli-'));
    try {
      writeFileSync(join(dir, 'c.yaml'), 'workspace: ./ws\nsources: []\n');
      for (const args of [['--config', join(dir, 'c.yaml'), 'plugins'], ['plugins', '--config', join(dir, 'c.yaml')], ['plugins', `--config=${join(dir, 'c.yaml')}`, '--json']]) {
        const r = run(args);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      }
      expect(JSON.parse(run(['plugins', '--json', '--config', join(dir, 'c.yaml')]).stdout)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('merge-file keeps git merge-file contract', () => {
  it('exit code = number of conflicts; -p to stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skillsync-mf-'));
    try {
      writeFileSync(join(dir, 'b'), 'a\nb\nc\n');
      writeFileSync(join(dir, 'x'), 'A\nb\nC\n');
      writeFileSync(join(dir, 'y'), 'a1\nb\nc1\n');
      writeFileSync(join(dir, 'b'), 'a\nb\nc\nd\ne\nf\n');
      writeFileSync(join(dir, 'x'), 'A\nb\nc\nd\ne\nF\n');
      writeFileSync(join(dir, 'y'), 'a1\nb\nc\nd\ne\nf1\n');
      const r = run(['merge-file', '-p', '-L', 'mine', join(dir, 'x'), join(dir, 'b'), join(dir, 'y')]);
      expect(r.stdout).toContain('<<<<<<< mine\nA\n');
      const g = spawnSync('git', ['merge-file', '-p', '-L', 'mine', join(dir, 'x'), join(dir, 'b'), join(dir, 'y')], { encoding: 'utf8' });
      expect(r.stdout.replaceAll(dir, '')).toBe(g.stdout.replaceAll(dir, ''));
      expect(g.status).toBe(2);
      expect(r.code).toBe(g.status);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('completion', () => {
  it('bash and zsh scripts name every command and flag, and bash parses them', () => {
    const b = run(['completion', 'bash']);
    expect(b.code).toBe(0);
    for (const [name, c] of Object.entries(COMMANDS)) {
      expect(b.stdout).toContain(name);
      for (const f of Object.keys(c.flags ?? {})) expect(b.stdout).toContain(`--${f}`);
    }
    const syntax = spawnSync('bash', ['-n'], { input: b.stdout, encoding: 'utf8' });
    expect(syntax.status, syntax.stderr).toBe(0);
    // Completing `skillsync pub` and `skillsync publish --f` in a real bash.
    const probe = `${b.stdout}\nCOMP_WORDS=(skillsync pub); COMP_CWORD=1; _skillsync; echo "\${COMPREPLY[@]}"\nCOMP_WORDS=(skillsync publish x --f); COMP_CWORD=3; _skillsync; echo "\${COMPREPLY[@]}"`;
    const out = spawnSync('bash', ['-c', probe], { encoding: 'utf8' }).stdout.split('\n');
    expect(out[0]).toBe('publish');
    expect(out[1]).toBe('--from --force');
    const z = run(['completion', 'zsh']);
    expect(z.code).toBe(0);
    expect(z.stdout).toMatch(/^#compdef skillsync/);
    expect(z.stdout).toContain("'merge-file:three-way text merge");
    expect(run(['completion', 'fish']).code).toBe(2);
  });
});

describe('states (pure)', () => {
  const rec = (o: Partial<{ enabled: boolean; paused: boolean; adopted: boolean }> = {}) => ({ enabled: true, paused: false, adopted: false, ...o });
  const P = (o: Partial<PluginFacts>): PluginFacts => ({ record: rec(), discovered: true, broken: false, pending: 0, ...o });
  it.each([
    ['never enabled', P({ record: null }), 'discovered'],
    ['never enabled, unreadable', P({ record: null, broken: true }), 'error'],
    ['enabled', P({}), 'synced'],
    ['proposal waiting', P({ pending: 2 }), 'update_pending'],
    ['paused is not synced', P({ record: rec({ paused: true }) }), 'paused'],
    ['disabled (disable also sets paused): disabled only', P({ record: rec({ enabled: false, paused: true }) }), 'disabled'],
    ['adopted', P({ record: rec({ enabled: false, adopted: true }) }), 'adopted'],
    ['gone from the sources', P({ discovered: false }), 'missing'],
    ['unreadable now', P({ broken: true, discovered: false }), 'error'],
  ])('plugin: %s', (_n, f, want) => expect(pluginState(f)).toBe(want));

  const B = { status: 'synced' as const, acceptedTree: 'a' };
  const S = (o: Partial<SkillFacts>): SkillFacts => ({ plugin: 'synced', binding: B, adopted: false, published: 'a', upstream: true, proposal: false, ...o });
  it.each([
    ['mirror', S({}), 'synced'],
    ['locally edited', S({ published: 'b' }), 'modified'],
    ['proposal', S({ proposal: true }), 'update_pending'],
    ['never enabled: available, not disabled', S({ plugin: 'discovered', binding: null, published: null }), 'available'],
    ['plugin disabled', S({ plugin: 'disabled', binding: { ...B, status: 'disabled' }, published: null }), 'disabled'],
    ['plugin missing', S({ plugin: 'missing' }), 'missing'],
    ['removed upstream', S({ upstream: false }), 'missing'],
    ['adopted', S({ adopted: true, binding: null }), 'adopted'],
    ['local skill', S({ plugin: null, binding: null }), 'local'],
    ['proposed addition', S({ binding: null, published: null, proposal: true }), 'update_pending'],
  ])('skill: %s', (_n, f, want) => expect(skillState(f)).toBe(want));
});

describe('output helpers', () => {
  it('relative times and aligned tables', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(relativeTime('2026-01-01T11:57:00Z', now)).toBe('3 min ago');
    expect(relativeTime('2026-01-01T11:59:50Z', now)).toBe('just now');
    expect(relativeTime('2026-01-01T09:00:00Z', now)).toBe('3 h ago');
    expect(relativeTime('2025-12-30T12:00:00Z', now)).toBe('2 days ago');
    expect(relativeTime('2025-06-01T08:30:00Z', now)).toBe('2025-06-01 08:30 UTC');
    expect(alignTable(['A', 'BB'], [['xxx', 'y'], ['z', 'w']])).toBe('A    BB\nxxx  y\nz    w');
  });

  it('safety is always an array of findings', () => {
    expect(safetyList('none')).toEqual([]);
    expect(safetyList('critical:private-key@a.pem; medium:invisible-unicode@SKILL.md:3,7,+2; +4 more')).toEqual([
      { rule: 'private-key', severity: 'critical', path: 'a.pem' },
      { rule: 'invisible-unicode', severity: 'medium', path: 'SKILL.md', line: 3 },
      { rule: 'invisible-unicode', severity: 'medium', path: 'SKILL.md', line: 7 },
    ]);
  });
});
