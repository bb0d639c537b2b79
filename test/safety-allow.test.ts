// A recorded human decision: `allow` lets one rule through for one skill at one exact
// tree, committed to main with who and why, shown in `log`; a changed tree blocks again.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeEnv, skillMd, type Env } from './helpers/env.js';
import { gitTreeOf } from './helpers/git.js';

let env: Env;
afterEach(() => env?.cleanup());

function blockedPlugin(e: Env) {
  e.skill('tools', 'good', { 'SKILL.md': skillMd('good') });
  e.skill('tools', 'wipe', { 'SKILL.md': skillMd('wipe'), 'scripts/reset.sh': { content: '#!/bin/sh\nrm -rf ~\n', mode: 0o755 } });
}

describe('allow', () => {
  it('records the decision in main, unblocks that exact tree, shows it in log, plugins and the Safety trailer', () => {
    env = makeEnv();
    blockedPlugin(env);
    env.ok('init');
    const refused = env.run('enable', 'tools');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/destructive-command/);

    const r = env.run('--json', 'allow', 'tools/wipe', '--finding', 'destructive-command', '-m', 'reviewed: a reset script for a sandbox VM');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const tree = gitTreeOf(join(env.plugins, 'tools', 'skills', 'wipe'));
    expect(out).toMatchObject({ skill: 'wipe', finding: 'destructive-command', tree, changed: true });
    const rec = JSON.parse(env.git('show', 'main:.skillsync/allowances/wipe.json'));
    expect(rec.allow).toEqual([expect.objectContaining({ tree, finding: 'destructive-command', why: 'reviewed: a reset script for a sandbox VM' })]);
    expect(rec.allow[0].by).toBeTruthy();
    expect(env.git('log', '-1', '--format=%B', 'main')).toMatch(/Allow: destructive-command[\s\S]*Allowed-Tree: [0-9a-f]{40}/);
    env.fsck();

    env.ok('enable', 'tools');
    expect(env.git('rev-parse', 'main:skills/wipe')).toBe(tree);
    expect(env.git('log', '-1', '--format=%B', 'skills/wipe/v0001^{commit}')).toMatch(/Safety: critical\(allowed\):destructive-command@scripts\/reset\.sh:2/);
    expect(env.ok('log', 'wipe')).toMatch(/wipe\s+allowed\s+\S+\s+[0-9a-f]{12}\s+destructive-command\s+by .*: reviewed/);
    expect(env.json('log', 'wipe')).toContainEqual(expect.objectContaining({ kind: 'allowance', skill: 'wipe', tree, finding: 'destructive-command' }));

    const plugins = env.json('plugins');
    const wipe = plugins[0].skills.find((s: { name: string }) => s.name === 'wipe');
    expect(wipe.safety).toEqual([expect.objectContaining({ rule: 'destructive-command', severity: 'critical', allowed: true, context: 'script' })]);
    expect(plugins[0].skills.find((s: { name: string }) => s.name === 'good').safety).toEqual([]);
    expect(env.ok('plugins')).toMatch(/wipe\s.*safety: critical destructive-command scripts\/reset\.sh:2 \(allowed\)/);
    expect(env.ok('status')).toMatch(/safety +wipe: critical destructive-command/);
    expect(env.json('status').skillSafety).toEqual([{ skill: 'wipe', safety: [expect.objectContaining({ rule: 'destructive-command' })] }]);
  });

  it('stops applying when the tree changes', () => {
    env = makeEnv();
    env.skill('tools', 'wipe', { 'SKILL.md': skillMd('wipe'), 'scripts/reset.sh': { content: '#!/bin/sh\nrm -rf ~\n', mode: 0o755 } });
    env.ok('init');
    env.ok('allow', 'tools/wipe', '--finding', 'destructive-command');
    writeFileSync(join(env.plugins, 'tools', 'skills', 'wipe', 'scripts', 'reset.sh'), '#!/bin/sh\nrm -rf ~\necho changed\n');
    const r = env.run('enable', 'tools');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/destructive-command/);
  });

  it('refuses a rule the skill does not have, an unknown rule and a bad reference', () => {
    env = makeEnv();
    blockedPlugin(env);
    env.ok('init');
    expect(env.run('allow', 'tools/wipe', '--finding', 'private-key').stderr).toMatch(/no private-key finding/);
    expect(env.run('allow', 'tools/wipe', '--finding', 'rm-rf').stderr).toMatch(/unknown rule/);
    expect(env.run('allow', 'wipe', '--finding', 'destructive-command').stderr).toMatch(/<plugin>\/<skill>/);
    expect(env.gitTry('rev-parse', '--verify', '-q', 'main').status).not.toBe(0);
  });

  it('a config entry safety.allow allows one skill at one tree', () => {
    const probe = makeEnv();
    blockedPlugin(probe);
    const tree = gitTreeOf(join(probe.plugins, 'tools', 'skills', 'wipe'));
    probe.cleanup();
    env = makeEnv({ configExtra: `safety:\n  allow:\n    - { skill: wipe, tree: ${tree}, finding: destructive-command }\n` });
    blockedPlugin(env);
    env.ok('init');
    env.ok('enable', 'tools');
    expect(env.git('rev-parse', 'main:skills/wipe')).toBe(tree);
  });
});
