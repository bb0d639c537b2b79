// The daemon watches copy-mode targets: a burst of saves in a target folder becomes one
// local_edit version without any command being run.
import { afterEach, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, makeEnv, skillMd, type Env } from './helpers/env.js';

let env: Env;
let child: ChildProcess | null = null;
afterEach(() => {
  child?.kill('SIGKILL');
  child = null;
  env?.cleanup();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('an edit saved in a copy-mode target is captured by the daemon as one version', async () => {
  env = makeEnv({ configExtra: 'debounceMs: 300\nlog: { level: info }\ntargets:\n  - { path: ./target, mode: copy }\n' });
  mkdirSync(join(env.root, 'target'));
  env.skill('alpha', 'doc', { 'SKILL.md': skillMd('doc'), 'references/notes.md': 'notes\n' });
  env.ok('enable', 'alpha');
  let err = '';
  child = spawn(process.execPath, [BIN, '--config', env.config, 'daemon'], { cwd: env.root, env: { ...process.env, SKILLSYNC_DEBUG: '' } });
  child.stderr!.on('data', (d) => (err += d));
  child.stdout!.on('data', () => {});
  const until = async (what: string, cond: () => boolean) => {
    const t = Date.now();
    while (!cond()) {
      if (Date.now() - t > 30_000) throw new Error(`timed out waiting for ${what}\n${err.slice(-3000)}`);
      await sleep(100);
    }
  };
  await until('the daemon to start', () => /daemon started/.test(err));
  // A burst of saves: several writes, each within the debounce window.
  const md = join(env.root, 'target', 'doc', 'SKILL.md');
  for (let i = 0; i < 5; i++) {
    appendFileSync(md, `Saved ${i}.\n`);
    await sleep(50);
  }
  writeFileSync(join(env.root, 'target', 'doc', 'references', 'mine.md'), 'mine\n');
  const versions = () => env.gitTry('tag', '-l', 'skills/doc/*').stdout.trim().split('\n');
  await until('the edit to be published', () => versions().length === 2);
  await sleep(1500); // no second version follows
  expect(versions()).toEqual(['skills/doc/v0001', 'skills/doc/v0002']);
  const main = env.git('show', 'main:skills/doc/SKILL.md');
  expect(main).toContain('Saved 4.');
  expect(env.git('show', 'main:skills/doc/references/mine.md')).toBe('mine');
  expect(env.git('log', '-1', '--format=%B', 'skills/doc/v0002^{commit}')).toMatch(/Merge-Mode: local_edit/);
  child.kill('SIGTERM');
  await new Promise((r) => child!.on('exit', r));
  child = null;
}, 90_000);
