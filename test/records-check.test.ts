// checkRecords: every `.skillsync/` record on a root tree parses, is named after its
// file, and bindings point at a plugin record and a skill that exist. Trees are made
// with the real git CLI (hash-object, mktree) in a real repository.
import { afterEach, describe, expect, it } from 'vitest';
import { git, tempDir } from './helpers/git.js';
import { ObjectStore } from '../src/git/objects.js';
import { checkRecords } from '../src/workspace/checks.js';
import { DEFAULT_SAFETY_POLICY } from '../src/core/safety/index.js';

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function repo() {
  const t = tempDir('skillsync-records-');
  cleanup = t.cleanup;
  git(t.dir, ['init', '-q', '--bare', 'r.git']);
  const gitdir = `${t.dir}/r.git`;
  const blob = (text: string) => git(t.dir, ['--git-dir', gitdir, 'hash-object', '-w', '--stdin'], { input: text });
  const tree = (entries: [string, string, string][]) =>
    git(t.dir, ['--git-dir', gitdir, 'mktree'], { input: entries.map(([mode, name, oid]) => `${mode} ${mode === '040000' ? 'tree' : 'blob'} ${oid}\t${name}\n`).join('') });
  return { gitdir, blob, tree };
}

describe('checkRecords', () => {
  it('names each record that does not parse, names another file, or binds to what does not exist', () => {
    const r = repo();
    const skill = r.tree([['100644', 'SKILL.md', r.blob('---\nname: a\ndescription: A.\n---\n')]]);
    const plugins = r.tree([
      ['100644', 'good.json', r.blob(JSON.stringify({ id: 'good', enabled: true }))],
      ['100644', 'liar.json', r.blob(JSON.stringify({ id: 'someone-else', enabled: true }))],
      ['100644', 'broken.json', r.blob('{ nope')],
    ]);
    const bindings = r.tree([
      ['100644', 'a.json', r.blob(JSON.stringify({ plugin: 'good', acceptedTree: skill, status: 'synced' }))],
      ['100644', 'ghost.json', r.blob(JSON.stringify({ plugin: 'good', acceptedTree: skill, status: 'synced' }))],
      ['100644', 'orphan.json', r.blob(JSON.stringify({ skill: 'other', plugin: 'nobody', acceptedTree: skill, status: 'disabled' }))],
      ['100644', 'bad.json', r.blob('[]')],
    ]);
    const meta = r.tree([
      ['040000', 'plugins', plugins],
      ['040000', 'bindings', bindings],
    ]);
    const root = r.tree([
      ['040000', '.skillsync', meta],
      ['040000', 'skills', r.tree([['040000', 'a', skill]])],
    ]);
    const res = checkRecords({ store: new ObjectStore(r.gitdir), config: { safety: DEFAULT_SAFETY_POLICY } }, root);
    expect(res.ok).toBe(false);
    expect(res.problems.map((p) => [p.rule, p.message]).sort()).toEqual(
      [
        '".skillsync/bindings/bad.json": is not a valid binding record',
        '".skillsync/bindings/ghost.json": binds skills/"ghost", which does not exist',
        '".skillsync/bindings/orphan.json": binds to plugin "nobody", which has no record',
        '".skillsync/bindings/orphan.json": names skill "other", not "orphan"',
        '".skillsync/plugins/broken.json": is not a valid plugin record',
        '".skillsync/plugins/liar.json": names plugin "someone-else", not "liar"',
      ].map((m) => ['record', m]),
    );
  });
});
