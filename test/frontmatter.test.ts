import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import matter from 'gray-matter';
import { parseFrontmatter, parseFrontmatterOrThrow, parseSimpleYaml } from '../src/core/frontmatter.js';
import { SkillsyncError } from '../src/core/errors.js';
import { tempDir } from './helpers/git.js';

const g = globalThis as Record<string, unknown>;

afterEach(() => {
  delete g.__skillsyncPwned;
});

describe('parseFrontmatter: ordinary SKILL.md', () => {
  it('parses name, description and the body', () => {
    const r = parseFrontmatter('---\nname: pdf\ndescription: Work with PDF files.\n---\n# PDF\n\nBody.\n');
    expect(r).toEqual({ data: { name: 'pdf', description: 'Work with PDF files.' }, body: '# PDF\n\nBody.\n', hasFrontmatter: true });
  });

  it('accepts Buffers, explicit yaml/yml fences and nested metadata', () => {
    const r = parseFrontmatter(Buffer.from('---yaml\nname: x\nmetadata:\n  author: me\n  tags: [a, b]\n---\nbody'));
    expect(r.error).toBeUndefined();
    expect(r.data).toEqual({ name: 'x', metadata: { author: 'me', tags: ['a', 'b'] } });
    expect(parseFrontmatter('--- yml \nname: y\n---\n').data).toEqual({ name: 'y' });
  });

  it('text without front matter is all body', () => {
    expect(parseFrontmatter('# Title\n---\nname: x\n---\n')).toEqual({ data: {}, body: '# Title\n---\nname: x\n---\n', hasFrontmatter: false });
    expect(parseFrontmatter('')).toEqual({ data: {}, body: '', hasFrontmatter: false });
    // A thematic break of four dashes is not a fence.
    expect(parseFrontmatter('----\nname: x\n----\n').hasFrontmatter).toBe(false);
  });

  it('an empty block gives empty data', () => {
    expect(parseFrontmatter('---\n---\nbody')).toEqual({ data: {}, body: 'body', hasFrontmatter: true });
    expect(parseFrontmatter('---\n# only a comment\n---\nbody').data).toEqual({});
  });

  it('strips a UTF-8 BOM (Buffer and string)', () => {
    const text = '---\nname: bom\n---\nhi';
    expect(parseFrontmatter(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])).data).toEqual({ name: 'bom' });
    expect(parseFrontmatter('\ufeff' + text).data).toEqual({ name: 'bom' });
  });

  it('accepts CRLF line ends', () => {
    const r = parseFrontmatter('---\r\nname: crlf\r\ndescription: "two words"\r\n---\r\nline 1\r\nline 2\r\n');
    expect(r.error).toBeUndefined();
    expect(r.data).toEqual({ name: 'crlf', description: 'two words' });
    expect(r.body).toBe('line 1\r\nline 2\r\n');
  });

  it('YAML 1.2 core schema: no timestamps, no yes/no booleans, no custom tags executed', () => {
    const r = parseFrontmatter('---\nd: 2024-01-01\ny: yes\nf: !!js/function "function () { return 1 }"\n---\n');
    expect(r.data).toEqual({ d: '2024-01-01', y: 'yes', f: 'function () { return 1 }' });
  });
});

describe('parseFrontmatter: nothing shared between calls', () => {
  it('mutating a result does not change the next parse of the same text', () => {
    const text = '---\nname: shared\nlist: [1, 2]\nmeta: {a: 1}\n---\nbody';
    const a = parseFrontmatter(text);
    (a.data as any).name = 'changed';
    (a.data as any).list.push(3);
    (a.data as any).meta.a = 99;
    const b = parseFrontmatter(text);
    expect(b.data).toEqual({ name: 'shared', list: [1, 2], meta: { a: 1 } });
    expect(b.data).not.toBe(a.data);
  });

  it('is not poisoned by gray-matter callers that use its cache', () => {
    const text = '---\nname: cached\n---\n';
    const cached = matter(text); // no options: gray-matter caches by content
    cached.data.name = 'poisoned';
    expect(parseFrontmatter(text).data).toEqual({ name: 'cached' });
  });
});

describe('parseFrontmatter: hostile input', () => {
  it.each(['js', 'javascript', 'JS', 'coffee', 'coffeescript', 'cson', 'json', 'toml', 'eval', 'constructor', 'toString', '__proto__'])(
    'refuses the ---%s fence without running it',
    (lang) => {
      const code = `{ name: (globalThis.__skillsyncPwned = "${lang}") }`;
      const r = parseFrontmatter(`---${lang}\n${code}\n---\nbody`);
      expect(r.code).toBe('EFRONTMATTER_LANG');
      expect(r.error).toMatch(/not allowed/);
      expect(r.data).toEqual({});
      expect(r.body).toBe('body');
      expect(g.__skillsyncPwned).toBeUndefined();
    },
  );

  it('does not execute code that would write a file', () => {
    const { dir, cleanup } = tempDir();
    try {
      const marker = join(dir, 'pwned');
      const code = `---js\n{ name: require('fs').writeFileSync(${JSON.stringify(marker)}, 'x') || 'pwned' }\n---\n`;
      const r = parseFrontmatter(code);
      expect(r.code).toBe('EFRONTMATTER_LANG');
      expect(existsSync(marker)).toBe(false);
      // The same text through plain gray-matter would evaluate it: that is what we guard against.
      expect(() => matter(code.replace("require('fs')", '(globalThis.__skillsyncPwned = 1, {writeFileSync(){}})'))).not.toThrow();
      expect(g.__skillsyncPwned).toBe(1);
    } finally {
      cleanup();
    }
  });

  it('a billion-laughs alias bomb is an error, not an OOM', () => {
    const lines = ['---', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) {
      const p = String.fromCharCode(96 + i);
      const n = String.fromCharCode(97 + i);
      lines.push(`${n}: &${n} [${Array(9).fill('*' + p).join(',')}]`);
    }
    lines.push('---', 'body');
    const t = Date.now();
    const r = parseFrontmatter(lines.join('\n'));
    expect(Date.now() - t).toBeLessThan(2000);
    expect(r.code).toBe('EFRONTMATTER_LIMIT');
    expect(r.error).toMatch(/alias/);
    expect(r.data).toEqual({});
  });

  it('a few aliases are fine', () => {
    const r = parseFrontmatter('---\nbase: &b {x: 1}\none: *b\ntwo: *b\n---\n');
    expect(r.data).toEqual({ base: { x: 1 }, one: { x: 1 }, two: { x: 1 } });
    // Aliased nodes are copies, not shared objects.
    expect((r.data as any).one).not.toBe((r.data as any).two);
  });

  it.each([
    ['flow sequences', (n: number) => 'a: ' + '['.repeat(n) + ']'.repeat(n), [40, 500, 20000]],
    ['flow mappings', (n: number) => 'a: ' + '{a: '.repeat(n) + '1' + '}'.repeat(n), [40, 500, 20000]],
    ['block mappings', (n: number) => Array.from({ length: n }, (_, i) => ' '.repeat(i) + 'k:').join('\n'), [40, 500, 2000]],
    ['compact sequences', (n: number) => 'a:\n' + '- '.repeat(n) + 'x', [40, 500, 20000]],
  ] as const)('deep nesting of %s is an error', (_, make, sizes) => {
    for (const n of sizes) {
      const text = `---\n${make(n)}\n---\n`;
      const t = Date.now();
      const r = parseFrontmatter(text, { maxBytes: 1 << 30 });
      expect(Date.now() - t).toBeLessThan(1000);
      expect(r.code, `${n}`).toBe('EFRONTMATTER_LIMIT');
      expect(r.error).toMatch(/nested more than 32 levels/);
    }
  });

  it('nesting within the limit is fine', () => {
    const r = parseFrontmatter('---\na: ' + '['.repeat(10) + '1' + ']'.repeat(10) + '\n---\n');
    expect(r.error).toBeUndefined();
  });

  it('an oversized block is an error', () => {
    const r = parseFrontmatter('---\ndescription: "' + 'x'.repeat(200_000) + '"\n---\n');
    expect(r.code).toBe('EFRONTMATTER_LIMIT');
  });

  it('invalid UTF-8 is an error', () => {
    const bad = Buffer.concat([Buffer.from('---\nname: '), Buffer.from([0xc3, 0x28]), Buffer.from('\n---\n')]);
    const r = parseFrontmatter(bad);
    expect(r.code).toBe('EFRONTMATTER_ENCODING');
    expect(r.error).toMatch(/UTF-8/);
    expect(parseFrontmatter('---\nname: a\ud800\n---\n').code).toBe('EFRONTMATTER_ENCODING');
  });

  it('__proto__ keys are refused (no prototype games)', () => {
    const r = parseFrontmatter('---\n__proto__: {polluted: true}\n---\n');
    expect(r.code).toBe('EFRONTMATTER');
    expect(({} as any).polluted).toBeUndefined();
    expect(parseFrontmatter('---\nmeta:\n  __proto__: {x: 1}\n---\n').code).toBe('EFRONTMATTER');
  });

  it('syntax errors, duplicate keys, non-mappings and unclosed fences are errors, not throws', () => {
    const cases = [
      '---\nname: [unclosed\n---\n',
      '---\nname: a\nname: b\n---\n',
      '---\n- a\n- b\n---\n',
      '---\njust a string\n---\n',
      '---\nname: x\nno closing fence\n',
      '---',
      '---\ndescription: Use this when: things happen\n---\n',
    ];
    for (const c of cases) {
      const r = parseFrontmatter(c);
      expect(r.code, c).toBe('EFRONTMATTER');
      expect(r.error).toBeTruthy();
      expect(r.error).not.toContain('\n');
      expect(r.data).toEqual({});
    }
  });

  it('parseFrontmatterOrThrow throws SkillsyncError with the code', () => {
    expect(() => parseFrontmatterOrThrow('---js\n{}\n---\n', {}, 'skills/x/SKILL.md')).toThrow(SkillsyncError);
    try {
      parseFrontmatterOrThrow('---js\n{}\n---\n', {}, 'skills/x/SKILL.md');
    } catch (e) {
      expect((e as SkillsyncError).code).toBe('EFRONTMATTER_LANG');
      expect((e as Error).message).toMatch(/^skills\/x\/SKILL\.md: /);
    }
    expect(parseFrontmatterOrThrow('---\nname: ok\n---\n').data).toEqual({ name: 'ok' });
  });
});

describe('fast path agrees with gray-matter + yaml', () => {
  const keys = ['name', 'description', 'license', 'allowed-tools', 'x_y', 'true', 'null', 'a'];
  const values = [
    'pdf',
    'Extract text, tables and forms from PDF files.',
    "Don't panic",
    'C# and F# helpers',
    'a # comment',
    'key: value inside',
    'ends with colon:',
    'R&D *tools* !important %x @y `z`',
    '"double quoted"',
    "'single quoted'",
    '"with \\" escape"',
    "'it''s'",
    '"tab\there"',
    'true',
    'False',
    'null',
    '~',
    '123',
    '1.0',
    '0x1F',
    '.inf',
    '-dash first',
    '[a, b]',
    '{a: 1}',
    'café ünïcode 写作',
    'yes',
    'multiple   inner   spaces',
    'trailing spaces   ',
    '',
    '|',
    '>',
    '&anchor value',
    '*alias',
    'has\u00a0nbsp',
    'url: https://example.com',
    'https://example.com/x',
    'a -b',
    "mixed 'quotes\" here",
  ];
  const extraLines = ['', '# a comment', '  indented: 1', '- item', 'name: dup', '...', '%YAML 1.2', '\t'];

  it('parseSimpleYaml equals YAML.parse whenever it answers', async () => {
    const YAML = await import('yaml');
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let answered = 0;
    for (let i = 0; i < 3000; i++) {
      const lines: string[] = [];
      const n = 1 + rand(4);
      for (let j = 0; j < n; j++) {
        if (rand(6) === 0) lines.push(extraLines[rand(extraLines.length)]!);
        else lines.push(`${keys[rand(keys.length)]}: ${values[rand(values.length)]}`);
      }
      const block = lines.join('\n');
      const fast = parseSimpleYaml(block);
      if (fast === null) continue;
      answered++;
      let full: unknown;
      try {
        full = YAML.parse(block, { schema: 'core', uniqueKeys: true, prettyErrors: false });
      } catch (e) {
        throw new Error(`fast path accepted what yaml refuses: ${JSON.stringify(block)}: ${(e as Error).message}`);
      }
      expect(fast, JSON.stringify(block)).toEqual(full ?? {});
    }
    expect(answered).toBeGreaterThan(300);
  });

  it('parseFrontmatter equals gray-matter with the yaml package for simple files', async () => {
    const YAML = await import('yaml');
    const texts = [
      '---\nname: pdf\ndescription: Work with PDFs.\n---\n# PDF\n',
      '---\r\nname: crlf\r\ndescription: "quoted"\r\n---\r\nbody\r\n',
      '---yaml\nname: x\n---\n\nbody after blank line',
      '---\n---\nempty',
      '---\n# only comment\n---\n',
      '---\nname: a\n---',
      '--- \nname: spaced fence\n---\nb',
      '---\nname: x\n---\nbody\n---\nmore\n',
      '---\nlicense: Apache-2.0\nallowed-tools: Bash Read\n---\n',
    ];
    for (const text of texts) {
      const ours = parseFrontmatter(text);
      // (yaml itself trips over the '\r' left before a CRLF closing fence; both sides normalize it)
      const theirs = matter(text, { engines: { yaml: (s: string) => (YAML.parse(s.replace(/\r\n/g, '\n').replace(/\r$/, '')) ?? {}) as object } });
      expect(ours.error, text).toBeUndefined();
      expect(ours.data, text).toEqual(theirs.data);
      expect(ours.body, text).toBe(theirs.content);
    }
  });
});
