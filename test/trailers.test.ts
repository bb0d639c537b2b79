// Trailers: git's path quoting, one parser for the final block, and no value that can
// forge or cut off a trailer.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MERGE_MODES,
  formatConflict,
  formatMessage,
  formatTagMessage,
  parseConflict,
  parseTrailers,
  parseVersionTrailers,
  quotePath,
  trailerMap,
  trailerValues,
  unquotePath,
  versionSubject,
  versionTrailers,
} from '../src/core/trailers.js';
import { git, tempDir } from './helpers/git.js';

const NASTY = ['plain.md', 'a\n\nMerge-Mode: fast_forward', 'tab\tx', 'q"uote', 'back\\slash', 'esc\x1b[31mred', 'é-ü', 'colon: value', 'bell\x07', 'del\x7f', 'ctl\x01'];

describe('quotePath', () => {
  it('quotes exactly as git does (core.quotePath)', () => {
    const { dir, cleanup } = tempDir();
    try {
      git(dir, ['init', '-q']);
      for (const n of NASTY) writeFileSync(join(dir, n), 'x');
      git(dir, ['add', '-A']);
      const fromGit = git(dir, ['ls-files'], { raw: true }).split('\n').filter(Boolean).sort();
      expect(NASTY.map(quotePath).sort()).toEqual(fromGit);
    } finally {
      cleanup();
    }
  });

  it('round-trips, and quotes what a trailer line would lose (edge spaces)', () => {
    for (const n of [...NASTY, ' lead', 'trail ', '', '"', '\\']) expect(unquotePath(quotePath(n))).toBe(n);
    expect(quotePath('trail ')).toBe('"trail "');
    expect(quotePath('plain')).toBe('plain');
  });
});

describe('parse and format', () => {
  it('no value can add a trailer or cut the block', () => {
    const forged = 'x.bin\n\nMerge-Mode: fast_forward\nSafety: none';
    const msg = formatMessage('proposal: doc update', 'Body.', [
      ['Proposal-Mode', 'three_way'],
      ['Plugin-Version', '1.0\n\nMerge-Mode: initial_mirror'],
      ['Conflict', formatConflict(forged, 'binary')],
      ['Conflict', formatConflict('SKILL.md', 'content')],
    ]);
    const t = parseTrailers(msg);
    expect(trailerMap(t)['Merge-Mode']).toBeUndefined();
    expect(trailerMap(t)['Plugin-Version']).toBe('1.0\n\nMerge-Mode: initial_mirror');
    expect(trailerValues(t, 'Conflict').map(parseConflict)).toEqual([
      { path: forged, kind: 'binary' },
      { path: 'SKILL.md', kind: 'content' },
    ]);
    // git itself sees the same trailers
    const { dir, cleanup } = tempDir();
    try {
      const out = git(dir, ['interpret-trailers', '--parse'], { input: msg });
      expect(out.split('\n')).toHaveLength(4);
      expect(out).not.toMatch(/^Merge-Mode/m);
    } finally {
      cleanup();
    }
  });

  it('reads only the final paragraph, and only when it is all trailers', () => {
    expect(parseTrailers('subject\n\nMerge-Mode: three_way\n\nJust text.\n')).toEqual([]);
    expect(parseTrailers('subject\n\nMerge-Mode: three_way\nnot a trailer\n')).toEqual([]);
    expect(parseTrailers('Merge-Mode: three_way\n')).toEqual([]);
    expect(parseTrailers('subject\n\nUnknown-Key: x\n')).toEqual([]);
    expect(parseTrailers('subject\n\nbody\n\nSkill: a\nMerge-Mode: rollback\n')).toEqual([
      ['Skill', 'a'],
      ['Merge-Mode', 'rollback'],
    ]);
  });

  it('groups versions of a many-skill commit', () => {
    const a = { skill: 'a', version: 'v0001', mode: 'initial_mirror' as const, plugin: 'p', upstreamTree: '1'.repeat(40), safety: 'none' };
    const b = { skill: 'b', version: 'v0007', mode: 'restore' as const, plugin: 'p', safety: 'none' };
    const msg = formatMessage('enable p 1.0: 2 skills', '', [...versionTrailers(a), ...versionTrailers(b)]);
    expect(parseVersionTrailers(parseTrailers(msg))).toEqual([a, b]);
  });

  it('names every merge mode once and formats subjects and tag messages', () => {
    expect(Object.keys(MERGE_MODES)).toEqual([...new Set(Object.keys(MERGE_MODES))]);
    expect(versionSubject({ skill: 'commit-message', version: 'v0009', mode: 'three_way', plugin: 'writing-tools', pluginVersion: '1.2.0' })).toBe(
      'commit-message v0009: update from writing-tools 1.2.0 (three_way)',
    );
    const tag = formatTagMessage({ skill: 's', version: 'v0002', mode: 'local_edit', subject: 's v0002: house\nstyle' });
    expect(tag.split('\n')[0]).toBe('s v0002: house style');
    expect(trailerMap(parseTrailers(tag))).toMatchObject({ Skill: 's', 'Skill-Version': 'v0002', 'Merge-Mode': 'local_edit' });
  });
});
