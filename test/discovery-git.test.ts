// Discovery over the other kind of source (a local git repository at a ref) and over
// the bundled examples.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverAll, discoverPlugins } from '../src/plugins/discover.js';
import { createFsSource } from '../src/plugins/fs-source.js';
import { createGitSource } from '../src/plugins/git-source.js';
import { git, tempDir, writeTree } from './helpers/git.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('skillsync-discovery-git-'));
});
afterEach(() => cleanup());

const skill = (name: string) => `---\nname: ${name}\ndescription: The ${name} skill.\n---\n# ${name}\n`;

function commitAll(repo: string) {
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', 'plugins']);
}

describe('git sources', () => {
  it('a marketplace read from git objects, with a committed symlink refused', () => {
    const repo = join(dir, 'market');
    mkdirSync(repo);
    git(repo, ['init', '-q', '-b', 'main']);
    writeTree(repo, {
      '.claude-plugin/marketplace.json': JSON.stringify({
        name: 'm',
        plugins: [
          { name: 'good', source: './plugins/good', version: '2.0.0' },
          { name: 'linked', source: './plugins/linked' },
        ],
      }),
      'plugins/good/.claude-plugin/plugin.json': JSON.stringify({ name: 'good' }),
      'plugins/good/skills/alpha/SKILL.md': skill('alpha'),
      'plugins/linked/skills/real/SKILL.md': skill('real'),
    });
    symlinkSync('../../good/skills/alpha', join(repo, 'plugins/linked/skills/evil'));
    commitAll(repo);
    const r = discoverPlugins(createGitSource(repo, 'main'));
    expect(r.plugins.map((p) => `${p.id} ${p.version} ${p.skills.map((s) => s.path).join(',')}`)).toEqual(['good 2.0.0 plugins/good/skills/alpha']);
    expect(r.errors.map((e) => `${e.code} ${e.pluginId} ${e.path}`)).toEqual(['ESYMLINK linked plugins/linked/skills/evil']);
  });

  it('a bare plugin at the repository root is named after the repository', () => {
    const repo = join(dir, 'shell-kit');
    mkdirSync(repo);
    git(repo, ['init', '-q', '-b', 'main']);
    writeTree(repo, { 'skills/one/SKILL.md': skill('one') });
    commitAll(repo);
    expect(discoverPlugins(createGitSource(repo, 'main')).plugins.map((p) => p.id)).toEqual(['shell-kit']);
    // ... and after the sub-path when one is followed.
    writeTree(repo, { 'nested/kit/skills/two/SKILL.md': skill('two') });
    commitAll(repo);
    expect(discoverPlugins(createGitSource(repo, 'main', 'nested/kit')).plugins.map((p) => p.id)).toEqual(['kit']);
  });

  it('an fs source and a git source together: the first source wins an id', () => {
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    git(repo, ['init', '-q', '-b', 'main']);
    writeTree(repo, { 'tools/skills/a/SKILL.md': skill('a') });
    commitAll(repo);
    writeTree(dir, { 'local/tools/skills/b/SKILL.md': skill('b') });
    const r = discoverAll([createFsSource(join(dir, 'local')), createGitSource(repo, 'main')]);
    expect(r.plugins.map((p) => `${p.id}:${p.source.kind}`)).toEqual(['tools:fs']);
    expect(r.errors).toEqual([]);
    expect(r.warnings!.map((e) => e.code)).toEqual(['EDUPLICATE_PLUGIN']);
  });
});

describe('bundled examples (examples/plugins)', () => {
  const examples = fileURLToPath(new URL('../examples/plugins', import.meta.url));

  it('discover as a directory of plugins, in every format, without errors or warnings', () => {
    const r = discoverPlugins(createFsSource(examples));
    expect(r.errors).toEqual([]);
    expect(r.plugins.map((p) => ({ id: p.id, format: p.format, version: p.version, skills: p.skills.map((s) => s.name) }))).toEqual([
      { id: 'review-checklist', format: 'single-skill', version: '0.0.0', skills: ['review-checklist'] },
      { id: 'shell-helpers', format: 'bare', version: '0.0.0', skills: ['explain-command', 'safe-shell-scripts'] },
      { id: 'writing-tools', format: 'claude', version: '1.0.0', skills: ['changelog', 'commit-message'] },
    ]);
    for (const p of r.plugins) {
      expect(p.warnings, p.id).toEqual([]);
      for (const s of p.skills) expect(s.warnings, s.name).toEqual([]);
      expect(p.description ?? 'x').not.toBe('');
    }
  });

  it('keep their scripts executable', () => {
    for (const f of ['writing-tools/skills/commit-message/scripts/check-commit-msg.sh', 'shell-helpers/skills/safe-shell-scripts/templates/script.sh']) {
      expect(statSync(join(examples, f)).mode & 0o111, f).not.toBe(0);
    }
    const list = createFsSource(examples).list('writing-tools/skills/commit-message/scripts');
    expect(list).toEqual([{ name: 'check-commit-msg.sh', type: 'file', mode: 0o100755 }]);
  });
});
