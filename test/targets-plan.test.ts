// The target planner, rule by rule: desired (live view) × recorded (manifest) × disk → actions.
import { describe, expect, it } from 'vitest';
import { planTarget, type DiskEntry, type RecordedEntry } from '../src/targets/plan.js';
import type { TargetMode } from '../src/targets/config.js';
import { parseNames, parseTargets } from '../src/targets/config.js';
import { mapSkillNames, lookupFrom } from '../src/targets/names.js';
import type { PluginManifest } from '../src/plugins/types.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const E = 'e'.repeat(40);
const LINK = '/ws/live/skills/s';

type Row = [string, TargetMode, string | undefined, RecordedEntry | undefined, DiskEntry, unknown[]];

const rows: Row[] = [
  ['new skill, copy: written', 'copy', A, undefined, { kind: 'missing' }, [{ op: 'copy', tree: A, replaces: 'nothing' }]],
  ['new skill, symlink: linked', 'symlink', A, undefined, { kind: 'missing' }, [{ op: 'link', link: LINK }]],
  ['foreign folder: conflict, untouched', 'copy', A, undefined, { kind: 'dir', tree: A }, [{ op: 'conflict' }]],
  ['foreign file: conflict', 'symlink', A, undefined, { kind: 'other' }, [{ op: 'conflict' }]],
  ['foreign link elsewhere: conflict', 'symlink', A, undefined, { kind: 'symlink', link: '/x' }, [{ op: 'conflict' }]],
  ['unrecorded link to our live entry: claimed', 'symlink', A, undefined, { kind: 'symlink', link: LINK }, [{ op: 'record' }]],
  ['foreign entry of a skill we do not serve: nothing', 'copy', undefined, undefined, { kind: 'dir', tree: A }, []],
  ['copy up to date: nothing', 'copy', A, { mode: 'copy', tree: A }, { kind: 'dir', tree: A }, []],
  ['copy, new version: swapped', 'copy', B, { mode: 'copy', tree: A }, { kind: 'dir', tree: A }, [{ op: 'copy', tree: B, replaces: 'dir' }]],
  ['copy edited: captured, not overwritten', 'copy', B, { mode: 'copy', tree: A }, { kind: 'dir', tree: E }, [{ op: 'capture', base: A, tree: E }]],
  ['copy edited and held: held', 'copy', A, { mode: 'copy', tree: A, held: { tree: E, reason: 'r' } }, { kind: 'dir', tree: E }, [{ op: 'hold', reason: 'r' }]],
  ['held edit changed again: captured again', 'copy', A, { mode: 'copy', tree: A, held: { tree: E, reason: 'r' } }, { kind: 'dir', tree: B }, [{ op: 'capture', tree: B }]],
  ['edit equals what is served (captured, record lost): recorded', 'copy', E, { mode: 'copy', tree: A }, { kind: 'dir', tree: E }, [{ op: 'record', entry: { mode: 'copy', tree: E } }]],
  ['killed after the swap: recorded', 'copy', B, { mode: 'copy', tree: A, pending: B }, { kind: 'dir', tree: B }, [{ op: 'record', entry: { mode: 'copy', tree: B } }]],
  ['killed before the swap: swapped', 'copy', B, { mode: 'copy', tree: A, pending: B }, { kind: 'dir', tree: A }, [{ op: 'copy', tree: B }]],
  ['killed before a first write: written', 'copy', A, { mode: 'copy', tree: null, pending: A }, { kind: 'missing' }, [{ op: 'copy', replaces: 'nothing' }]],
  ['copy deleted by a person: written again', 'copy', A, { mode: 'copy', tree: A }, { kind: 'missing' }, [{ op: 'copy', tree: A }]],
  ['copy unreadable (a symlink inside): held', 'copy', A, { mode: 'copy', tree: A }, { kind: 'unreadable', reason: 'symlink in skill' }, [{ op: 'hold' }]],
  ['skill left while its folder is unreadable: kept, forgotten', 'copy', undefined, { mode: 'copy', tree: A }, { kind: 'unreadable', reason: 'x' }, [{ op: 'forget' }]],
  ['skill left (disabled plugin): copy removed', 'copy', undefined, { mode: 'copy', tree: A }, { kind: 'dir', tree: A }, [{ op: 'remove', kind: 'dir' }]],
  ['skill left while edited: kept, forgotten with a warning', 'copy', undefined, { mode: 'copy', tree: A }, { kind: 'dir', tree: E }, [{ op: 'forget' }]],
  ['our copy replaced by a file: forgotten', 'copy', A, { mode: 'copy', tree: A }, { kind: 'other' }, [{ op: 'forget' }]],
  ['link up to date: nothing', 'symlink', A, { mode: 'symlink', tree: null, link: LINK }, { kind: 'symlink', link: LINK }, []],
  ['link gone: linked again', 'symlink', A, { mode: 'symlink', tree: null, link: LINK }, { kind: 'missing' }, [{ op: 'link' }]],
  ['link replaced by a foreign folder: forgotten', 'symlink', A, { mode: 'symlink', tree: null, link: LINK }, { kind: 'dir', tree: A }, [{ op: 'forget' }]],
  ['skill left: link removed', 'symlink', undefined, { mode: 'symlink', tree: null, link: LINK }, { kind: 'symlink', link: LINK }, [{ op: 'remove', kind: 'symlink' }]],
  ['mode switched to copy: link replaced by a copy', 'copy', A, { mode: 'symlink', tree: null, link: LINK }, { kind: 'symlink', link: LINK }, [{ op: 'copy', replaces: 'symlink' }]],
  ['mode switched to symlink: unedited copy replaced by a link', 'symlink', A, { mode: 'copy', tree: A }, { kind: 'dir', tree: A }, [{ op: 'link' }]],
  ['mode switched to symlink: edited copy captured first', 'symlink', A, { mode: 'copy', tree: A }, { kind: 'dir', tree: E }, [{ op: 'capture' }]],
];

describe('planTarget', () => {
  it.each(rows)('%s', (_name, mode, want, rec, disk, expected) => {
    const actions = planTarget({
      mode,
      desired: new Map(want ? [['s', want]] : []),
      linkFor: () => LINK,
      recorded: new Map(rec ? [['s', rec]] : []),
      disk: new Map([['s', disk]]),
    });
    expect(actions).toHaveLength(expected.length);
    actions.forEach((a, i) => expect(a).toMatchObject({ skill: 's', ...(expected[i] as object) }));
  });

  it('plans every skill in name order', () => {
    const actions = planTarget({ mode: 'copy', desired: new Map([['b', A], ['a', A]]), linkFor: () => LINK, recorded: new Map(), disk: new Map() });
    expect(actions.map((a) => a.skill)).toEqual(['a', 'b']);
  });
});

describe('targets and names config', () => {
  it('presets, paths, modes, skills; errors name the key', () => {
    const t = parseTargets(['claude', 'agents', { path: './x', mode: 'copy', skills: ['pdf'] }, { preset: 'claude', mode: 'copy' }].slice(0, 3), '/base');
    expect(t[0]).toMatchObject({ mode: 'symlink', label: 'claude' });
    expect(t[0].path.endsWith('/skills')).toBe(true);
    expect(t[1].path.endsWith('/.agents/skills')).toBe(true);
    expect(t[2]).toMatchObject({ path: '/base/x', mode: 'copy', skills: ['pdf'] });
    expect(() => parseTargets(['cursor'], '/b')).toThrow(/targets\[0\]: unknown preset 'cursor'/);
    expect(() => parseTargets([{ path: 'x', mode: 'hard' }], '/b')).toThrow(/targets\[0\]\.mode/);
    expect(() => parseTargets([{ path: 'x', colour: 1 }], '/b')).toThrow(/targets\[0\]\.colour: unknown key/);
    expect(() => parseTargets([{ path: 'x', preset: 'claude' }], '/b')).toThrow(/exactly one of path or preset/);
    expect(() => parseTargets([{ path: 'x', skills: ['../up'] }], '/b')).toThrow(/targets\[0\]\.skills/);
    expect(() => parseTargets([{ path: '/x' }, { path: '/x/' }], '/b')).toThrow(/targets\[1\]: same folder/);
    expect(() => parseTargets('claude', '/b')).toThrow(/config: targets: must be a list/);
  });

  it('CLAUDE_CONFIG_DIR moves the claude preset', () => {
    const old = process.env.CLAUDE_CONFIG_DIR;
    process.env.CLAUDE_CONFIG_DIR = '/opt/claude-config';
    try {
      expect(parseTargets(['claude'], '/b')[0].path).toBe('/opt/claude-config/skills');
    } finally {
      if (old === undefined) delete process.env.CLAUDE_CONFIG_DIR;
      else process.env.CLAUDE_CONFIG_DIR = old;
    }
  });

  it('names: keys are <plugin>/<skill>, values skill names, each used once', () => {
    expect(parseNames({ 'telegram/configure': 'telegram-configure' })).toEqual({ 'telegram/configure': 'telegram-configure' });
    expect(() => parseNames({ configure: 'x' })).toThrow(/names\.configure: the key must be/);
    expect(() => parseNames({ 'a/b': '../x' })).toThrow(/names\.a\/b: '\.\.\/x' is not a skill name/);
    expect(() => parseNames({ 'a/b': 'x', 'c/d': 'x' })).toThrow(/names\.c\/d: 'x' is already the name of a\/b/);
  });

  it('mapSkillNames renames for the workspace and keeps the upstream path', () => {
    const m = { id: 'telegram', skills: [{ name: 'configure', path: 'telegram/skills/configure', warnings: [] }, { name: 'access', path: 'telegram/skills/access', warnings: [] }], warnings: [] } as unknown as PluginManifest;
    const [out] = mapSkillNames([m], lookupFrom({ config: { 'telegram/configure': 'telegram-configure' }, overrides: {}, bound: new Map() }));
    expect(out.skills[0]).toMatchObject({ name: 'telegram-configure', path: 'telegram/skills/configure' });
    expect(out.skills[0].warnings.join()).toMatch(/name: configure/);
    expect(out.skills[1]).toBe(m.skills[1]);
    expect(m.skills[0].name).toBe('configure'); // discovery's own objects are not changed
    // A rename onto a sibling's name is refused with a warning.
    const [clash] = mapSkillNames([m], lookupFrom({ config: { 'telegram/configure': 'access' }, overrides: {}, bound: new Map() }));
    expect(clash.skills[0].name).toBe('configure');
    expect(clash.warnings.join()).toMatch(/not renamed to 'access'/);
    // enable --name wins over the config; a binding keeps a name chosen earlier.
    const [o] = mapSkillNames([m], lookupFrom({ config: { 'telegram/configure': 'x' }, overrides: { telegram: { configure: 'y' } }, bound: new Map() }));
    expect(o.skills[0].name).toBe('y');
    const [b] = mapSkillNames([m], lookupFrom({ config: {}, overrides: {}, bound: new Map([['telegram\0telegram/skills/configure', 'tg-configure']]) }));
    expect(b.skills[0].name).toBe('tg-configure');
  });
});
