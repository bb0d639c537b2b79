import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverAll, discoverPlugins } from '../src/plugins/discover.js';
import { createFsSource } from '../src/plugins/fs-source.js';
import type { DiscoveryResult, SourceTree } from '../src/plugins/types.js';
import { tempDir, writeTree } from './helpers/git.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('skillsync-discovery-'));
});
afterEach(() => cleanup());

const skill = (name: string, description = `The ${name} skill.`) => `---\nname: ${name}\ndescription: ${description}\n---\n# ${name}\n`;
const json = (v: unknown) => JSON.stringify(v, null, 2);

function discover(root: string, rootName?: string): DiscoveryResult {
  return discoverPlugins(createFsSource(root), rootName === undefined ? {} : { rootName });
}

/** Compact view of a result for assertions. */
function summary(r: DiscoveryResult) {
  return {
    plugins: r.plugins.map((p) => ({ id: p.id, version: p.version, format: p.format, path: p.path, skills: p.skills.map((s) => `${s.name}@${s.path}`) })),
    errors: r.errors.map((e) => `${e.code} ${e.pluginId ?? '-'} ${e.path}`),
  };
}

function codes(r: DiscoveryResult): string[] {
  return r.errors.map((e) => e.code);
}

describe('plugin directory formats', () => {
  it('.claude-plugin/plugin.json with the default skills/ folder', () => {
    writeTree(dir, {
      '.claude-plugin/plugin.json': json({ name: 'writing', version: '1.2.0', description: 'Writing helpers', author: { name: 'x' } }),
      'skills/commit-message/SKILL.md': skill('commit-message'),
      'skills/commit-message/scripts/check.sh': { content: '#!/bin/sh\n', mode: 0o755 },
      'skills/changelog/SKILL.md': skill('changelog'),
      'skills/README.md': 'not a skill',
      'commands/x.md': 'ignored',
    });
    const r = discover(dir);
    expect(r.errors).toEqual([]);
    expect(summary(r).plugins).toEqual([
      { id: 'writing', version: '1.2.0', format: 'claude', path: '', skills: ['changelog@skills/changelog', 'commit-message@skills/commit-message'] },
    ]);
    const p = r.plugins[0]!;
    expect(p.description).toBe('Writing helpers');
    expect(p.manifestPath).toBe('.claude-plugin/plugin.json');
    expect(p.skills.every((s) => s.warnings.length === 0)).toBe(true);
    expect(p.warnings).toEqual([]);
  });

  it('"skills" as a string or array adds to the default folder; entries may be a skill or a folder of skills', () => {
    writeTree(dir, {
      '.claude-plugin/plugin.json': json({ name: 'p', skills: ['./extra/one', './more/', './skills'] }),
      'skills/base/SKILL.md': skill('base'),
      'extra/one/SKILL.md': skill('one'),
      'more/two/SKILL.md': skill('two'),
      'more/three/SKILL.md': skill('three'),
    });
    const r = discover(dir);
    expect(r.errors).toEqual([]);
    expect(summary(r).plugins[0]!.skills).toEqual(['base@skills/base', 'one@extra/one', 'three@more/three', 'two@more/two']);
  });

  it('.codex-plugin/plugin.json with "skills": "./skills/"', () => {
    writeTree(dir, {
      '.codex-plugin/plugin.json': json({ name: 'agent-kit', version: '0.3.0', skills: './skills/', interface: { displayName: 'Kit' } }),
      'skills/spec/SKILL.md': skill('spec'),
    });
    expect(summary(discover(dir)).plugins).toEqual([{ id: 'agent-kit', version: '0.3.0', format: 'codex', path: '', skills: ['spec@skills/spec'] }]);
  });

  it('.cursor-plugin/plugin.json', () => {
    writeTree(dir, { '.cursor-plugin/plugin.json': json({ name: 'cur' }), 'skills/a/SKILL.md': skill('a') });
    expect(summary(discover(dir)).plugins[0]).toMatchObject({ id: 'cur', format: 'cursor', version: '0.0.0' });
  });

  it('.claude-plugin wins over .codex-plugin', () => {
    writeTree(dir, {
      '.claude-plugin/plugin.json': json({ name: 'claude-name' }),
      '.codex-plugin/plugin.json': json({ name: 'codex-name' }),
      'skills/a/SKILL.md': skill('a'),
    });
    expect(summary(discover(dir)).plugins[0]).toMatchObject({ id: 'claude-name', format: 'claude' });
  });

  it('a manifest without a name uses the folder name, with a warning', () => {
    writeTree(dir, { 'mine/.claude-plugin/plugin.json': json({ version: '1.0.0' }), 'mine/skills/a/SKILL.md': skill('a') });
    const r = discover(join(dir, 'mine'));
    expect(summary(r).plugins[0]).toMatchObject({ id: 'mine', format: 'claude' });
    expect(r.plugins[0]!.warnings.join()).toMatch(/no "name"/);
  });

  it('no manifest, a skills/ folder: id is the folder name', () => {
    writeTree(dir, { 'shell-helpers/skills/explain/SKILL.md': skill('explain') });
    expect(summary(discover(join(dir, 'shell-helpers')))).toEqual({
      plugins: [{ id: 'shell-helpers', version: '0.0.0', format: 'bare', path: '', skills: ['explain@skills/explain'] }],
      errors: [],
    });
  });

  it('rootName overrides the folder name of the root', () => {
    writeTree(dir, { 'skills/explain/SKILL.md': skill('explain') });
    expect(discover(dir, 'custom').plugins[0]!.id).toBe('custom');
  });

  it('a root SKILL.md is a single-skill plugin named after the folder', () => {
    writeTree(dir, { 'review-checklist/SKILL.md': skill('review-checklist'), 'review-checklist/scripts/run.sh': '#!/bin/sh\n' });
    expect(summary(discover(join(dir, 'review-checklist')))).toEqual({
      plugins: [{ id: 'review-checklist', version: '0.0.0', format: 'single-skill', path: '', skills: ['review-checklist@'] }],
      errors: [],
    });
  });

  it('a directory of plugins: each subfolder, one level, hidden and non-plugin folders skipped', () => {
    writeTree(dir, {
      'b-plugin/.claude-plugin/plugin.json': json({ name: 'b-plugin', version: '2.0.0' }),
      'b-plugin/skills/x/SKILL.md': skill('x'),
      'a-bare/skills/y/SKILL.md': skill('y'),
      'c-single/SKILL.md': skill('c-single'),
      'docs/README.md': 'not a plugin',
      'nested/deeper/skills/z/SKILL.md': skill('z'),
      '.git/HEAD': 'ref: refs/heads/main\n',
      'README.md': 'hi',
    });
    expect(summary(discover(dir))).toEqual({
      plugins: [
        { id: 'a-bare', version: '0.0.0', format: 'bare', path: 'a-bare', skills: ['y@a-bare/skills/y'] },
        { id: 'b-plugin', version: '2.0.0', format: 'claude', path: 'b-plugin', skills: ['x@b-plugin/skills/x'] },
        { id: 'c-single', version: '0.0.0', format: 'single-skill', path: 'c-single', skills: ['c-single@c-single'] },
      ],
      errors: [],
    });
  });

  it('plugins without skills are listed with a warning', () => {
    writeTree(dir, { 'hooks-only/.claude-plugin/plugin.json': json({ name: 'hooks-only' }), 'hooks-only/hooks/hooks.json': '{}' });
    const r = discover(dir);
    expect(summary(r).plugins).toEqual([{ id: 'hooks-only', version: '0.0.0', format: 'claude', path: 'hooks-only', skills: [] }]);
    expect(r.plugins[0]!.warnings.join()).toMatch(/no skills/);
  });

  it('skill subfolders without SKILL.md are skipped with a warning', () => {
    writeTree(dir, { 'skills/real/SKILL.md': skill('real'), 'skills/shared/util.py': 'x = 1\n' });
    const r = discover(dir, 'p');
    expect(summary(r).plugins[0]!.skills).toEqual(['real@skills/real']);
    expect(r.plugins[0]!.warnings.join()).toMatch(/skills\/shared has no SKILL\.md/);
  });

  it('the missing source root is an error', () => {
    const r = discover(join(dir, 'nope'));
    expect(codes(r)).toEqual(['ESOURCE_MISSING']);
    expect(r.errors[0]!.message).toMatch(/does not exist/);
  });
});

describe('marketplaces', () => {
  it('anthropics/skills layout: strict:false entries listing skills of a shared folder', () => {
    writeTree(dir, {
      '.claude-plugin/marketplace.json': json({
        name: 'example-market',
        owner: { name: 'Someone' },
        metadata: { description: 'x', version: '1.0.0' },
        plugins: [
          { name: 'document-skills', description: 'Docs', source: './', strict: false, skills: ['./skills/xlsx', './skills/pdf'] },
          { name: 'example-skills', source: './', strict: false, skills: ['./skills/art'], version: '0.9.0' },
        ],
      }),
      'skills/xlsx/SKILL.md': skill('xlsx'),
      'skills/pdf/SKILL.md': skill('pdf'),
      'skills/art/SKILL.md': skill('art'),
      'skills/unlisted/SKILL.md': skill('unlisted'),
    });
    const r = discover(dir);
    expect(summary(r)).toEqual({
      plugins: [
        { id: 'document-skills', version: '0.0.0', format: 'marketplace', path: '', skills: ['pdf@skills/pdf', 'xlsx@skills/xlsx'] },
        { id: 'example-skills', version: '0.9.0', format: 'marketplace', path: '', skills: ['art@skills/art'] },
      ],
      errors: [],
    });
    expect(r.plugins[0]!.manifestPath).toBe('.claude-plugin/marketplace.json');
    expect(r.plugins[0]!.description).toBe('Docs');
  });

  it('anthropics/claude-code layout: ./plugins/<name> sources with their own plugin.json', () => {
    writeTree(dir, {
      '.claude-plugin/marketplace.json': json({
        name: 'm',
        plugins: [
          { name: 'commit-commands', source: './plugins/commit-commands', version: '1.0.0' },
          { name: 'feature-dev', source: './plugins/feature-dev' },
        ],
      }),
      'plugins/commit-commands/.claude-plugin/plugin.json': json({ name: 'commit-commands', version: '1.2.3' }),
      'plugins/commit-commands/skills/commit/SKILL.md': skill('commit'),
      'plugins/feature-dev/.claude-plugin/plugin.json': json({ name: 'feature-dev-renamed' }),
      'plugins/feature-dev/skills/explore/SKILL.md': skill('explore'),
    });
    const r = discover(dir);
    expect(summary(r)).toEqual({
      plugins: [
        // plugin.json version wins over the entry's
        { id: 'commit-commands', version: '1.2.3', format: 'marketplace', path: 'plugins/commit-commands', skills: ['commit@plugins/commit-commands/skills/commit'] },
        { id: 'feature-dev', version: '0.0.0', format: 'marketplace', path: 'plugins/feature-dev', skills: ['explore@plugins/feature-dev/skills/explore'] },
      ],
      errors: [],
    });
    expect(r.plugins[1]!.warnings.join()).toMatch(/names the plugin "feature-dev-renamed"/);
  });

  it('entry version is used when plugin.json has none; entry skills supplement strict plugins', () => {
    writeTree(dir, {
      '.claude-plugin/marketplace.json': json({ name: 'm', plugins: [{ name: 'p', source: './p', version: '4.5.6', skills: ['./extra/e'] }] }),
      'p/.claude-plugin/plugin.json': json({ name: 'p' }),
      'p/skills/a/SKILL.md': skill('a'),
      'p/extra/e/SKILL.md': skill('e'),
    });
    expect(summary(discover(dir)).plugins).toEqual([{ id: 'p', version: '4.5.6', format: 'marketplace', path: 'p', skills: ['a@p/skills/a', 'e@p/extra/e'] }]);
  });

  it('metadata.pluginRoot is the base of bare source names; ./ sources stay relative to the root', () => {
    writeTree(dir, {
      '.claude-plugin/marketplace.json': json({
        name: 'm',
        metadata: { pluginRoot: './plugins' },
        plugins: [
          { name: 'bare-name', source: 'formatter' },
          { name: 'dotted', source: './plugins/linter' },
        ],
      }),
      'plugins/formatter/skills/fmt/SKILL.md': skill('fmt'),
      'plugins/linter/skills/lint/SKILL.md': skill('lint'),
    });
    expect(summary(discover(dir)).plugins.map((p) => p.path)).toEqual(['plugins/formatter', 'plugins/linter']);
  });

  it('Codex marketplace (.agents/plugins/marketplace.json) with local object sources', () => {
    writeTree(dir, {
      '.agents/plugins/marketplace.json': json({
        name: 'codex-market',
        interface: { displayName: 'Market' },
        plugins: [
          { name: 'note-taker', source: { source: 'local', path: './plugins/note-taker' }, policy: { installation: 'AVAILABLE' }, category: 'Productivity' },
          { name: 'remote', source: { source: 'url', url: 'https://example.com/p.git' } },
        ],
      }),
      'plugins/note-taker/.codex-plugin/plugin.json': json({ name: 'note-taker', version: '0.1.0', skills: './skills/' }),
      'plugins/note-taker/skills/notes/SKILL.md': skill('notes'),
    });
    const r = discover(dir);
    expect(summary(r)).toEqual({
      plugins: [{ id: 'note-taker', version: '0.1.0', format: 'marketplace', path: 'plugins/note-taker', skills: ['notes@plugins/note-taker/skills/notes'] }],
      errors: ['EREMOTE_SOURCE remote .agents/plugins/marketplace.json#plugins[1]'],
    });
  });

  it('remote sources are an error for that entry only; nothing is fetched', () => {
    writeTree(dir, {
      '.claude-plugin/marketplace.json': json({
        name: 'm',
        plugins: [
          { name: 'gh', source: { source: 'github', repo: 'owner/repo' } },
          { name: 'url', source: 'https://github.com/owner/repo.git' },
          { name: 'ssh', source: 'git@github.com:owner/repo.git' },
          { name: 'npm', source: { source: 'npm', package: '@x/y' } },
          { name: 'cmd', source: { source: 'command', command: 'touch /tmp/pwned' } },
          { name: 'local', source: './local' },
        ],
      }),
      'local/skills/s/SKILL.md': skill('s'),
    });
    const r = discover(dir);
    expect(r.plugins.map((p) => p.id)).toEqual(['local']);
    // Without a resolver (no fetched repositories) a repository entry cannot be read;
    // kinds skillsync never fetches say so in one line.
    expect(codes(r)).toEqual(['EREMOTE_UNSUPPORTED', 'EREMOTE_UNSUPPORTED', 'EREMOTE_UNSUPPORTED', 'EREMOTE_SOURCE', 'EREMOTE_SOURCE']);
    expect(r.errors.map((e) => e.pluginId)).toEqual(['ssh', 'npm', 'cmd', 'gh', 'url']);
    expect(r.errors[1]!.message).toMatch(/plugin "npm" \(.claude-plugin\/marketplace.json#plugins\[3\]\) uses an npm source, which skillsync does not fetch \(it would run install scripts\); mirror it into a git repository/);
    expect(r.errors[0]!.message).toMatch(/uses an ssh source/);
    expect(r.errors[3]!.message).toMatch(/another repository/);
  });

  it('entry problems: escaping, missing and unsafe sources; duplicates; non-objects', () => {
    writeTree(dir, {
      '.claude-plugin/marketplace.json': json({
        name: 'm',
        plugins: [
          { name: 'up', source: '../outside' },
          { name: 'abs', source: '/etc' },
          { name: 'missing', source: './nope' },
          { name: 'bad name', source: './ok' },
          'not an object',
          { name: 'ok', source: './ok' },
          { name: 'OK', source: './ok' },
          { name: 'nosource' },
          { name: 'escape-skill', source: './ok', strict: false, skills: ['../../etc'] },
        ],
      }),
      'ok/skills/s/SKILL.md': skill('s'),
    });
    const r = discover(dir);
    expect(r.plugins.map((p) => p.id)).toEqual(['ok']);
    expect(summary(r).errors).toEqual([
      'EPATH_ESCAPE up .claude-plugin/marketplace.json#plugins[0]',
      'EPATH_ESCAPE abs .claude-plugin/marketplace.json#plugins[1]',
      'ENAME_UNSAFE - .claude-plugin/marketplace.json#plugins[3]',
      'EMANIFEST - .claude-plugin/marketplace.json#plugins[4]',
      'EMANIFEST nosource .claude-plugin/marketplace.json#plugins[7]',
      'EPATH_ESCAPE escape-skill .claude-plugin/marketplace.json#plugins[8]',
      'EDUPLICATE_PLUGIN OK .claude-plugin/marketplace.json',
      'ENOT_FOUND missing nope', // stale entries are reported after the others
    ]);
  });

  it('invalid marketplace JSON is one error and no plugins', () => {
    writeTree(dir, { '.claude-plugin/marketplace.json': '{ "plugins": [ ', 'skills/a/SKILL.md': skill('a') });
    const r = discover(dir);
    expect(r.plugins).toEqual([]);
    expect(codes(r)).toEqual(['EMANIFEST_JSON']);
    expect(r.errors[0]!.message).toMatch(/not valid JSON/);
  });

  it('a marketplace without a plugins list is an error', () => {
    writeTree(dir, { '.claude-plugin/marketplace.json': json({ name: 'm', plugins: {} }) });
    expect(codes(discover(dir))).toEqual(['EMANIFEST']);
  });

  it('a marketplace inside a directory of plugins is followed (one level)', () => {
    writeTree(dir, {
      'market/.claude-plugin/marketplace.json': json({ name: 'm', plugins: [{ name: 'inner', source: './plugins/inner' }] }),
      'market/plugins/inner/skills/i/SKILL.md': skill('i'),
      'plain/skills/p/SKILL.md': skill('p'),
    });
    expect(summary(discover(dir)).plugins.map((p) => `${p.id}@${p.path}`)).toEqual(['inner@market/plugins/inner', 'plain@plain']);
  });
});

describe('broken plugins never hide the others', () => {
  function fleet(files: Record<string, string>) {
    writeTree(dir, { 'good/skills/g/SKILL.md': skill('g'), ...files });
    const r = discover(dir);
    expect(r.plugins.map((p) => p.id)).toContain('good');
    return r;
  }

  it('invalid JSON in plugin.json', () => {
    const r = fleet({ 'bad/.claude-plugin/plugin.json': '{"name": "bad",', 'bad/skills/x/SKILL.md': skill('x') });
    expect(summary(r).errors).toEqual(['EMANIFEST_JSON bad bad/.claude-plugin/plugin.json']);
  });

  it('a manifest that is not an object', () => {
    for (const v of ['[]', '"str"', 'null', '42']) {
      cleanup();
      ({ dir, cleanup } = tempDir('skillsync-discovery-'));
      const r = fleet({ 'bad/.claude-plugin/plugin.json': v });
      expect(codes(r), v).toEqual(['EMANIFEST']);
    }
  });

  it('a manifest name that is unsafe', () => {
    for (const name of ['../evil', 'a/b', '.hidden', '-rf', 'x.lock', 'a b', '']) {
      cleanup();
      ({ dir, cleanup } = tempDir('skillsync-discovery-'));
      const r = fleet({ 'bad/.claude-plugin/plugin.json': json({ name }), 'bad/skills/x/SKILL.md': skill('x') });
      expect(codes(r), name).toEqual(['ENAME_UNSAFE']);
      expect(r.errors[0]!.pluginId).toBeUndefined();
    }
  });

  it('a name of the wrong type and a skills field of the wrong type', () => {
    const r = fleet({
      'n/.claude-plugin/plugin.json': json({ name: 42 }),
      's/.claude-plugin/plugin.json': json({ name: 's', skills: { a: 1 } }),
    });
    expect(codes(r)).toEqual(['EMANIFEST', 'EMANIFEST']);
  });

  it('skills paths with .. or absolute', () => {
    const r = fleet({
      'up/.claude-plugin/plugin.json': json({ name: 'up', skills: ['../good/skills'] }),
      'abs/.claude-plugin/plugin.json': json({ name: 'abs', skills: '/etc' }),
      'url/.claude-plugin/plugin.json': json({ name: 'url', skills: ['https://example.com/skills'] }),
    });
    expect(summary(r).errors).toEqual([
      'EPATH_ESCAPE abs abs/.claude-plugin/plugin.json',
      'EPATH_ESCAPE up up/.claude-plugin/plugin.json',
      'EPATH_ESCAPE url url/.claude-plugin/plugin.json',
    ]);
  });

  it('a declared skills path that is missing, or lacks SKILL.md', () => {
    writeTree(dir, { 'empty/dir/.keep': '' });
    const r = fleet({
      'm/.claude-plugin/plugin.json': json({ name: 'm', skills: ['./nope'] }),
      'e/.claude-plugin/plugin.json': json({ name: 'e', skills: ['./empty'] }),
      'e/empty/README.md': 'no skill here',
    });
    expect(summary(r).errors).toEqual(['ESKILL_MISSING e e/empty', 'ESKILL_MISSING m m/nope']);
  });

  it('unsafe skill folder names', () => {
    const r = fleet({ 'bad/skills/ok/SKILL.md': skill('ok'), 'bad/skills/a b/SKILL.md': skill('a b'), 'bad/skills/x.lock/SKILL.md': skill('x') });
    expect(summary(r).errors).toEqual(['ENAME_UNSAFE bad bad/skills/a b', 'ENAME_UNSAFE bad bad/skills/x.lock']);
  });

  it('skills that collide, also only by case', () => {
    const r = fleet({
      'case/skills/PDF/SKILL.md': skill('PDF'),
      'case/skills/pdf/SKILL.md': skill('pdf'),
      'twice/.claude-plugin/plugin.json': json({ name: 'twice', skills: ['./other'] }),
      'twice/skills/tool/SKILL.md': skill('tool'),
      'twice/other/tool/SKILL.md': skill('tool'),
    });
    expect(summary(r).errors).toEqual(['ESKILL_COLLISION case case/skills/pdf', 'ESKILL_COLLISION twice twice/other/tool']);
    expect(r.errors[0]!.message).toMatch(/case-insensitive/);
  });

  it('duplicate plugin ids within a source: the first wins', () => {
    writeTree(dir, {
      'a/.claude-plugin/plugin.json': json({ name: 'same' }),
      'a/skills/x/SKILL.md': skill('x'),
      'b/.claude-plugin/plugin.json': json({ name: 'Same' }),
      'b/skills/y/SKILL.md': skill('y'),
    });
    const r = discover(dir);
    expect(summary(r)).toEqual({
      plugins: [{ id: 'same', version: '0.0.0', format: 'claude', path: 'a', skills: ['x@a/skills/x'] }],
      errors: ['EDUPLICATE_PLUGIN Same b/.claude-plugin/plugin.json'],
    });
  });

  it('bad front matter: ---js and alias bombs are errors, sloppy YAML is a warning', () => {
    const bomb = ['---', 'a: &a [x,x,x,x,x,x,x,x,x]'];
    for (let i = 1; i < 9; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
    bomb.push('---', '');
    const r = fleet({
      'js/skills/x/SKILL.md': '---js\n{ name: (globalThis.__skillsyncPwned = 1, "x") }\n---\n',
      'bomb/skills/x/SKILL.md': bomb.join('\n'),
      'sloppy/skills/x/SKILL.md': '---\nname: x\ndescription: Use when: always\n---\n',
    });
    expect((globalThis as any).__skillsyncPwned).toBeUndefined();
    expect(summary(r).errors).toEqual(['EFRONTMATTER_LIMIT bomb bomb/skills/x/SKILL.md', 'EFRONTMATTER_LANG js js/skills/x/SKILL.md']);
    const sloppy = r.plugins.find((p) => p.id === 'sloppy')!;
    expect(sloppy.skills[0]!.warnings.join()).toMatch(/invalid YAML/);
  });
});

describe('skill warnings', () => {
  it('agentskills naming rules and front matter checks are warnings', () => {
    writeTree(dir, {
      'skills/My_Skill/SKILL.md': skill('My_Skill'),
      'skills/mismatch/SKILL.md': skill('other-name'),
      'skills/nofm/SKILL.md': '# no front matter\n',
      'skills/nodesc/SKILL.md': '---\nname: nodesc\n---\n',
      'skills/bad-utf8/SKILL.md': Buffer.concat([Buffer.from('---\nname: bad-utf8\ndescription: '), Buffer.from([0xff]), Buffer.from('\n---\n')]) as unknown as string,
      'skills/crlf-bom/SKILL.md': '\ufeff---\r\nname: crlf-bom\r\ndescription: fine\r\n---\r\nbody\r\n',
    });
    const r = discover(dir, 'p');
    expect(r.errors).toEqual([]);
    const w = Object.fromEntries(r.plugins[0]!.skills.map((s) => [s.name, s.warnings.join(' | ')]));
    expect(w['My_Skill']).toMatch(/uppercase/);
    expect(w['mismatch']).toMatch(/differs from the folder name/);
    expect(w['nofm']).toMatch(/no front matter/);
    expect(w['nodesc']).toMatch(/no 'description'/);
    expect(w['bad-utf8']).toMatch(/UTF-8/);
    expect(w['crlf-bom']).toBe('');
  });

  it('skills are sorted by name in byte order', () => {
    writeTree(dir, { 'skills/b/SKILL.md': skill('b'), 'skills/a/SKILL.md': skill('a'), 'skills/Z/SKILL.md': skill('Z'), 'skills/é/SKILL.md': skill('é') });
    expect(discover(dir, 'p').plugins[0]!.skills.map((s) => s.name)).toEqual(['Z', 'a', 'b', 'é']);
  });
});

describe('symlinks are never followed', () => {
  it('a symlinked skill folder', () => {
    writeTree(dir, { 'outside/secret/SKILL.md': skill('secret'), 'p/skills/real/SKILL.md': skill('real') });
    symlinkSync(join(dir, 'outside/secret'), join(dir, 'p/skills/secret'));
    const r = discover(join(dir, 'p'));
    expect(r.plugins).toEqual([]);
    expect(summary(r).errors).toEqual(['ESYMLINK p skills/secret']);
  });

  it('a symlinked SKILL.md, skills folder, manifest and manifest folder', () => {
    writeTree(dir, {
      'src/SKILL.md': skill('x'),
      'src/plugin.json': json({ name: 'evil' }),
      'src/skills/x/SKILL.md': skill('x'),
      'fleet/md/skills/x/.keep': '',
      'fleet/skdir/.keep': '',
      'fleet/mf/.claude-plugin/.keep': '',
      'fleet/mf/skills/x/SKILL.md': skill('x'),
      'fleet/mfdir/skills/x/SKILL.md': skill('x'),
      'fleet/good/skills/g/SKILL.md': skill('g'),
    });
    symlinkSync(join(dir, 'src/SKILL.md'), join(dir, 'fleet/md/skills/x/SKILL.md'));
    symlinkSync(join(dir, 'src/skills'), join(dir, 'fleet/skdir/skills'));
    symlinkSync(join(dir, 'src/plugin.json'), join(dir, 'fleet/mf/.claude-plugin/plugin.json'));
    mkdirSync(join(dir, 'src/.claude-plugin'));
    writeFileSync(join(dir, 'src/.claude-plugin/plugin.json'), json({ name: 'evil2' }));
    symlinkSync(join(dir, 'src/.claude-plugin'), join(dir, 'fleet/mfdir/.claude-plugin'));
    const r = discover(join(dir, 'fleet'));
    expect(r.plugins.map((p) => p.id)).toEqual(['good']);
    expect(summary(r).errors).toEqual([
      'ESYMLINK md md/skills/x/SKILL.md',
      'ESYMLINK - mf/.claude-plugin/plugin.json',
      'ESYMLINK - mfdir/.claude-plugin',
      'ESYMLINK skdir skdir/skills',
    ]);
  });

  it('a declared skills path through a symlink', () => {
    writeTree(dir, { 'real/s/SKILL.md': skill('s'), 'p/.claude-plugin/plugin.json': json({ name: 'p', skills: ['./linked/s'] }) });
    symlinkSync(join(dir, 'real'), join(dir, 'p/linked'));
    expect(summary(discover(join(dir, 'p'))).errors).toEqual(['ESYMLINK p linked']);
  });

  it('a symlinked plugin in a directory of plugins, and a marketplace source through a symlink', () => {
    writeTree(dir, { 'elsewhere/skills/x/SKILL.md': skill('x'), 'fleet/good/skills/g/SKILL.md': skill('g') });
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'fleet/linked'));
    const r = discover(join(dir, 'fleet'));
    expect(r.plugins.map((p) => p.id)).toEqual(['good']);
    expect(summary(r).errors).toEqual(['ESYMLINK - linked']);

    writeTree(dir, { 'mk/.claude-plugin/marketplace.json': json({ name: 'm', plugins: [{ name: 'l', source: './plugins/l' }] }) });
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'mk/plugins'));
    expect(summary(discover(join(dir, 'mk'))).errors).toEqual(['ESYMLINK l plugins']);
  });

  it('a symlinked marketplace.json', () => {
    writeTree(dir, { 'm.json': json({ name: 'm', plugins: [] }), 'mk/.claude-plugin/.keep': '' });
    symlinkSync(join(dir, 'm.json'), join(dir, 'mk/.claude-plugin/marketplace.json'));
    expect(summary(discover(join(dir, 'mk'))).errors).toEqual(['ESYMLINK - .claude-plugin/marketplace.json']);
  });

  it('the configured root itself may be a symlink', () => {
    writeTree(dir, { 'releases/v1/skills/x/SKILL.md': skill('x') });
    symlinkSync(join(dir, 'releases/v1'), join(dir, 'current'));
    expect(summary(discover(join(dir, 'current')))).toMatchObject({ plugins: [{ id: 'current', skills: ['x@skills/x'] }], errors: [] });
  });
});

describe('discoverAll', () => {
  it('concatenates in order; an earlier source wins an id', () => {
    writeTree(dir, {
      'one/alpha/skills/a/SKILL.md': skill('a'),
      'one/broken/.claude-plugin/plugin.json': json({ name: 'broken' }),
      'one/broken/skills/bad name/SKILL.md': skill('x'),
      'two/ALPHA/skills/b/SKILL.md': skill('b'),
      'two/beta/skills/c/SKILL.md': skill('c'),
      'two/broken/skills/d/SKILL.md': skill('d'),
    });
    const r = discoverAll([createFsSource(join(dir, 'one')), createFsSource(join(dir, 'two'))]);
    expect(r.plugins.map((p) => `${p.id}@${p.source.display.endsWith('one') ? 1 : 2}`)).toEqual(['alpha@1', 'beta@2']);
    expect(summary(r).errors).toEqual(['ENAME_UNSAFE broken broken/skills/bad name']);
    // A duplicate in a later source hides nothing: one warning naming both.
    expect(r.warnings!.map((w) => `${w.code} ${w.pluginId}`)).toEqual(['EDUPLICATE_PLUGIN ALPHA', 'EDUPLICATE_PLUGIN broken']);
    expect(r.warnings![0]!.message).toMatch(/"ALPHA" is provided by .*one \(alpha\) and again by .*two \(ALPHA\); the earlier source wins/);
  });

  it('passes per-source options', () => {
    writeTree(dir, { 's/skills/a/SKILL.md': skill('a') });
    const r = discoverAll([createFsSource(join(dir, 's'))], () => ({ rootName: 'renamed' }));
    expect(r.plugins[0]!.id).toBe('renamed');
  });
});

describe('sources that are not directories on disk', () => {
  it('works with any SourceTree (an in-memory one here)', () => {
    const files: Record<string, string> = {
      '.claude-plugin/plugin.json': json({ name: 'mem', version: '1.0.0' }),
      'skills/a/SKILL.md': skill('a'),
    };
    const dirs = new Set(['', '.claude-plugin', 'skills', 'skills/a']);
    const src: SourceTree = {
      kind: 'git',
      display: '/srv/repo.git@main:plugins/mem',
      root: '/srv/repo.git',
      list(rel) {
        if (!dirs.has(rel)) return null;
        const prefix = rel === '' ? '' : rel + '/';
        const names = new Map<string, 'dir' | 'file'>();
        for (const d of dirs) if (d.startsWith(prefix) && d !== rel && !d.slice(prefix.length).includes('/')) names.set(d.slice(prefix.length), 'dir');
        for (const f of Object.keys(files)) if (f.startsWith(prefix) && !f.slice(prefix.length).includes('/')) names.set(f.slice(prefix.length), 'file');
        return [...names].sort().map(([name, type]) => ({ name, type, ...(type === 'file' ? { mode: 0o100644 } : {}) }));
      },
      stat: (rel) => (dirs.has(rel) ? 'dir' : rel in files ? 'file' : null),
      read: (rel) => (rel in files ? Buffer.from(files[rel]!) : null),
    };
    expect(summary(discoverPlugins(src)).plugins).toEqual([{ id: 'mem', version: '1.0.0', format: 'claude', path: '', skills: ['a@skills/a'] }]);
    delete files['.claude-plugin/plugin.json'];
    dirs.delete('.claude-plugin');
    expect(discoverPlugins(src).plugins[0]!.id).toBe('mem'); // rootName from the git sub-path
  });
});

// Discovery speed is measured by the benchmark (bench/), never asserted in a unit test.

describe('fixture sanity', () => {
  it('exec bits survive writeTree (used by the examples test)', () => {
    writeTree(dir, { 'x.sh': { content: '#!/bin/sh\n', mode: 0o755 } });
    chmodSync(join(dir, 'x.sh'), 0o755);
    expect(existsSync(join(dir, 'x.sh'))).toBe(true);
  });
});
