// Every command's --json shape, as the README documents it (more fields are allowed;
// these are relied on). One name per concept: `code` in errors, `safety` an array.
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeEnv, skillMd, type Env } from './helpers/env.js';
import { COMMANDS } from '../src/cli/table.js';

let env: Env;
afterAll(() => env?.cleanup());

const OID = expect.stringMatching(/^[0-9a-f]{40}$/);
const keys = (o: object) => Object.keys(o).sort();
const has = (o: Record<string, unknown>, ks: string[]) => {
  for (const k of ks) expect(o, `missing '${k}' in ${JSON.stringify(o).slice(0, 300)}`).toHaveProperty(k);
};
const seen = new Set<string>();
const j = (...args: string[]) => {
  seen.add(args[0]);
  const r = env.run('--json', ...args);
  expect([0, 3], `${args.join(' ')}: ${r.stderr}`).toContain(r.code);
  return JSON.parse(r.stdout);
};

describe('--json shapes', () => {
  it('every command', () => {
    env = makeEnv();
    env.skill('alpha', 'doc', { 'SKILL.md': skillMd('doc', 'a\nb\nc\n') });
    env.skill('alpha', 'other', { 'SKILL.md': skillMd('other') });
    has(j('init'), ['workspace', 'repository', 'created', 'config']);

    const en = j('enable', 'alpha');
    has(en[0], ['plugin', 'status', 'state', 'version', 'skills', 'warnings']);
    has(en[0].skills[0], ['name', 'action', 'version', 'tree', 'safety']);
    expect(Array.isArray(en[0].skills[0].safety)).toBe(true);

    const pl = j('plugins');
    has(pl[0], ['id', 'version', 'enabled', 'paused', 'status', 'source', 'skills']);
    has(pl[0].skills[0], ['name', 'status', 'acceptedTree', 'observedTree', 'localTree', 'version']);

    writeFileSync(join(env.plugins, 'alpha', 'skills', 'doc', 'SKILL.md'), skillMd('doc', 'a\nB\nc\n'));
    const sy = j('sync');
    expect(keys(sy)).toEqual(expect.arrayContaining(['plugins', 'errors', 'durationMs']));
    has(sy.plugins[0], ['id', 'status', 'skills']);
    has(sy.plugins[0].skills[0], ['name', 'classification', 'action']);
    expect(sy.plugins[0]).not.toHaveProperty('errorCode');

    const pr = j('proposals');
    expect(pr[0]).toMatchObject({ id: 'alpha/doc', plugin: 'alpha', skill: 'doc', branch: 'proposals/alpha/doc', mergeMode: 'fast_forward', conflicts: [], baseTree: OID, upstreamTree: OID, localTree: OID, commit: OID, status: 'open', safety: [] });

    const d = j('diff', 'alpha/doc');
    has(d, ['id', 'branch', 'base', 'tip', 'files']);
    has(d.files[0], ['path', 'status', 'oldMode', 'newMode', 'oldOid', 'newOid', 'binary', 'added', 'removed', 'hunks']);
    expect(j('diff', 'alpha/doc', '--stat').files[0]).not.toHaveProperty('hunks');

    const sh = j('show', 'alpha/doc');
    has(sh, ['id', 'plugin', 'skill', 'branch', 'status', 'mergeMode', 'baseTree', 'localTree', 'upstreamTree', 'mergedTree', 'commit', 'mergeBase', 'conflicts', 'safety', 'accept', 'files']);
    has(sh.accept, ['ok', 'version', 'fastForward', 'publishes', 'refused']);

    has(j('accept', 'alpha/doc', '--dry-run'), ['id', 'skill', 'version', 'commit', 'fastForward', 'dryRun']);
    has(j('accept', 'alpha/doc'), ['id', 'skill', 'version', 'commit', 'fastForward']);

    writeFileSync(join(env.plugins, 'alpha', 'skills', 'other', 'SKILL.md'), skillMd('other', 'x\n'));
    j('sync');
    has(j('reject', 'alpha/other'), ['id', 'upstreamTree', 'status']);
    has(j('rejected')[0], ['id', 'plugin', 'skill', 'mergeMode', 'upstreamTree', 'commit', 'date']);
    has(j('reject', 'alpha/other', '--undo'), ['id', 'upstreamTree', 'status']);

    const edit = join(env.root, 'edit');
    cpSync(join(env.plugins, 'alpha', 'skills', 'doc'), edit, { recursive: true });
    writeFileSync(join(edit, 'SKILL.md'), skillMd('doc', 'local\n'));
    const pub = j('publish', 'doc', '--from', edit);
    has(pub, ['skill', 'version', 'tree', 'status', 'safety']);
    expect(Array.isArray(pub.safety)).toBe(true);
    has(j('rollback', 'doc', 'v0001'), ['skill', 'version', 'tree', 'status', 'safety']);
    has(j('log', 'doc')[0], ['skill', 'version', 'commit', 'date', 'mergeMode', 'subject']);
    expect(j('log')[0].date).toMatch(/Z$/);

    const mine = join(env.root, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'SKILL.md'), skillMd('mine'));
    j('publish', 'mine', '--from', mine, '--new');
    has(j('remove', 'mine', '--yes'), ['skill', 'tree', 'status']);

    has(j('adopt', 'alpha', 'doc'), ['plugin', 'skill', 'status']);
    has(j('adopt', 'alpha', 'doc'), ['plugin', 'skill', 'status']);
    has(j('unadopt', 'alpha', 'doc'), ['plugin', 'skill', 'status', 'acceptedTree']);
    has(j('pause', 'alpha'), ['plugin', 'paused', 'changed', 'state']);
    has(j('resume', 'alpha'), ['plugin', 'paused', 'changed', 'state', 'sync']);

    const st = j('status');
    has(st, ['config', 'workspace', 'exists', 'main', 'skills', 'skillStates', 'plugins', 'proposals', 'discoveryErrors', 'lock', 'interruptedCommand', 'attention', 'targets', 'daemon']);
    has(st.proposals, ['open', 'edited', 'stale', 'conflicted']);

    has(j('disable', 'alpha', '--yes'), ['plugin', 'status', 'skills']);
    expect(j('fetch')).toEqual({ remotes: [], plugins: [] });
    env.skill('tools', 'wipe', { 'SKILL.md': skillMd('wipe'), 'scripts/reset.sh': { content: '#!/bin/sh\nrm -rf ~\n', mode: 0o755 } });
    has(j('allow', 'tools/wipe', '--finding', 'destructive-command', '-m', 'sandbox'), ['plugin', 'skill', 'finding', 'tree', 'changed', 'by', 'findings']);
    expect(j('hash', edit)).toEqual({ tree: OID, files: expect.any(Number) });
    writeFileSync(join(env.root, 'b'), 'x\n');
    writeFileSync(join(env.root, 'c'), 'y\n');
    expect(j('merge-file', '-p', join(env.root, 'c'), join(env.root, 'b'), join(env.root, 'c'))).toMatchObject({ conflicts: 0, content: 'y\n' });
    has(j('completion', 'bash'), ['shell', 'script']);
    has(j('help', 'sync'), ['command', 'help']);

    // Errors: {"error": {code, message}} on stdout, the exit code unchanged.
    const e = env.run('--json', 'accept', 'alpha/nope');
    expect(e.code).toBe(1);
    expect(JSON.parse(e.stdout)).toEqual({ error: { code: 'ENO_PROPOSAL', message: expect.any(String) } });

    // Every command but the foreground daemon (JSON log lines on stderr) was covered.
    expect(Object.keys(COMMANDS).filter((c) => !seen.has(c) && c !== 'daemon')).toEqual([]);
  }, 180_000);
});
