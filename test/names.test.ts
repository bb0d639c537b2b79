import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { MAX_NAME_BYTES, NAME_COMPONENTS, NAME_MAX, foldedKey, skillNameWarnings, unsafeNameReason, validatePluginId, validateSkillName } from '../src/core/names.js';
import { SkillsyncError } from '../src/core/errors.js';

/** Does real git accept the name as a branch path component? */
function gitAccepts(name: string): boolean {
  const r = spawnSync('git', ['check-ref-format', `refs/heads/x/${name}`]);
  return r.status === 0;
}

const ACCEPTED = [
  'pdf',
  'My_Skill',
  'skill.v2',
  'docx-2',
  'a',
  '7zip',
  '_private',
  'mcp-builder',
  'web-artifacts-builder',
  'x.lock.y',
  'HEAD',
  'café',
  'über-tool',
  '写作助手',
  'навык',
  'a'.repeat(MAX_NAME_BYTES),
  'é'.repeat(Math.floor(MAX_NAME_BYTES / 2)), // just below the limit in bytes
];

const REFUSED: Array<[string, RegExp]> = [
  ['', /empty/],
  ['.', /relative path/],
  ['..', /relative path/],
  ['a/b', /path separator/],
  ['a\\b', /path separator/],
  ['a\0b', /control character \(U\+0000\)/],
  ['a\nb', /control character/],
  ['a\tb', /control character/],
  ['a\x7fb', /control character \(U\+007F\)/],
  ['a\u0085b', /control character/],
  ['-rf', /starts with '-'/],
  ['.git', /starts with '\.'/],
  ['.hidden', /starts with '\.'/],
  ['a..b', /'\.\.'/],
  ['a@{b', /'@\{'/],
  ['skill.', /ends with '\.'/],
  ['skill.lock', /\.lock/],
  ['skill.LOCK', /\.lock/],
  ['a b', /a space/],
  ['a~1', /'~'/],
  ['a^b', /'\^'/],
  ['a:b', /':'/],
  ['a?b', /'\?'/],
  ['a*b', /'\*'/],
  ['a[b', /'\['/],
  ['@', /'@'/],
  ['a@b', /'@'/],
  ['a$b', /'\$'/],
  ['a;b', /';'/],
  ['a|b', /'\|'/],
  ['a"b', /'"'/],
  ["a'b", /"'"|'''/],
  ['a#b', /'#'/],
  ['a%b', /'%'/],
  ['a!b', /'!'/],
  ['a+b', /'\+'/],
  ['a,b', /','/],
  ['a=b', /'='/],
  ['a&b', /'&'/],
  ['a<b', /'<'/],
  ['a{b', /'\{'/],
  ['a\u200bb', /U\+200B/], // zero-width space
  ['a\u202eb', /U\+202E/], // right-to-left override
  ['a\u00a0b', /U\+00A0/], // no-break space
  ['\u0301a', /starts with/], // leading combining mark
  ['cafe\u0301', /NFC/], // decomposed é
  ['a\ud800b', /surrogate/],
  ['a'.repeat(MAX_NAME_BYTES + 1), new RegExp(`${MAX_NAME_BYTES + 1} bytes`)],
  ['é'.repeat(Math.floor(MAX_NAME_BYTES / 2) + 1), new RegExp(`${(Math.floor(MAX_NAME_BYTES / 2) + 1) * 2} bytes`)],
  ['a'.repeat(251), /the limit is/], // refs/upstream/<plugin>/<name>.lock would not fit in NAME_MAX
  ['CON', /Windows/],
  ['nul', /Windows/],
  ['com1', /Windows/],
  ['lpt9.txt', /Windows/],
  ['aux.md', /Windows/],
];

describe('validatePluginId / validateSkillName', () => {
  it.each(ACCEPTED)('accepts %j', (name) => {
    expect(() => validatePluginId(name)).not.toThrow();
    expect(() => validateSkillName(name)).not.toThrow();
    expect(unsafeNameReason(name)).toBeNull();
  });

  it.each(REFUSED)('refuses %j', (name, reason) => {
    let err: unknown;
    try {
      validateSkillName(name);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SkillsyncError);
    expect((err as SkillsyncError).code).toBe('ENAME_UNSAFE');
    expect((err as SkillsyncError).message).toMatch(reason);
    expect((err as SkillsyncError).message).toMatch(/^unsafe skill name /);
    expect((err as SkillsyncError).message).not.toContain('\n');
    expect(() => validatePluginId(name)).toThrow(/^unsafe plugin id /);
  });

  it('refuses values that are not strings', () => {
    for (const v of [undefined, null, 42, {}, ['a']]) {
      expect(() => validatePluginId(v)).toThrow(SkillsyncError);
    }
  });

  it('messages never carry raw invisible characters', () => {
    try {
      validateSkillName('evil\u202etxt.exe');
    } catch (e) {
      expect((e as Error).message).not.toContain('\u202e');
      expect((e as Error).message).toContain('U+202E');
    }
  });

  it('every accepted name is a valid git ref component (real git)', () => {
    for (const name of ACCEPTED) expect(gitAccepts(name), name).toBe(true);
  });

  it('every name git refuses is refused too (real git)', () => {
    for (const [name] of REFUSED) {
      if (name.includes('\0')) continue; // cannot be passed as an argument
      if (!gitAccepts(name)) expect(unsafeNameReason(name), name).not.toBeNull();
    }
  });

  it('random names: accepted implies git accepts', () => {
    const alphabet = ['a', 'Z', '0', '.', '_', '-', '@', '{', '/', ' ', '~', 'é', 'ß', '.lock', '..', '\u0301', 'K'];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let accepted = 0;
    for (let i = 0; i < 300; i++) {
      const len = 1 + rand(6);
      let name = '';
      for (let j = 0; j < len; j++) name += alphabet[rand(alphabet.length)];
      if (unsafeNameReason(name) === null) {
        accepted++;
        expect(gitAccepts(name), JSON.stringify(name)).toBe(true);
      }
    }
    expect(accepted).toBeGreaterThan(20);
  });
});

describe('skillNameWarnings (agentskills.io rules)', () => {
  it.each([
    ['pdf', undefined, 0],
    ['pdf-processing', 'pdf-processing', 0],
    ['a1-b2', 'a1-b2', 0],
    ['café', 'café', 0],
  ])('no warnings for %j', (name, fm, n) => {
    expect(skillNameWarnings(name, fm)).toHaveLength(n);
  });

  it.each([
    ['PDF', /uppercase/],
    ['My_Skill', /'_'/],
    ['skill.v2', /'\.'/],
    ['x'.repeat(65), /65 characters/],
    ['pdf--tools', /consecutive hyphens/],
    ['pdf-', /starts or ends with '-'/],
    ['_x', /'_'/],
  ])('warns about %j', (name, re) => {
    const w = skillNameWarnings(name);
    expect(w.some((m) => re.test(m)), w.join(' | ')).toBe(true);
  });

  it('warns when the front matter name differs from the folder', () => {
    expect(skillNameWarnings('pdf', 'pdf-tools')).toEqual([expect.stringMatching(/differs from the folder name/)]);
    expect(skillNameWarnings('pdf', 42)).toEqual([expect.stringMatching(/not a string/)]);
    expect(skillNameWarnings('pdf', ' pdf ')).toEqual([]);
  });
});

describe('foldedKey', () => {
  it.each([
    ['PDF', 'pdf'],
    ['My_Skill', 'my_skill'],
    ['Straße', 'STRASSE'],
    ['\u212Aelvin', 'kelvin'], // KELVIN SIGN
    ['\uFB01le', 'file'], // ﬁ ligature
    ['café', 'CAFÉ'],
  ])('%j collides with %j', (a, b) => {
    expect(foldedKey(a)).toBe(foldedKey(b));
  });

  it('different names stay different', () => {
    expect(foldedKey('pdf')).not.toBe(foldedKey('pdf2'));
    expect(foldedKey('a-b')).not.toBe(foldedKey('a_b'));
  });
});

describe('one length limit for names', () => {
  it('leaves room for every component skillsync builds from a name', () => {
    const longest = 'a'.repeat(MAX_NAME_BYTES);
    for (const t of NAME_COMPONENTS) expect(Buffer.byteLength(t.replace('<name>', longest)), t).toBeLessThanOrEqual(NAME_MAX);
    expect(NAME_COMPONENTS.some((t) => Buffer.byteLength(t.replace('<name>', longest)) === NAME_MAX)).toBe(true);
    expect(unsafeNameReason(longest)).toBeNull();
    expect(unsafeNameReason(longest + 'a')).toMatch(/bytes long/);
  });
});
