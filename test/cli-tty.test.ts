// On a terminal (a real pty through util-linux `script`): tables with headers and aligned
// columns, relative times, a progress line for a long enable. Piped: none of that.
import { afterEach, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { BIN, makeEnv, skillMd, type Env } from './helpers/env.js';

let env: Env;
afterEach(() => env?.cleanup());

const hasScript = spawnSync('script', ['--version']).status === 0;

function tty(e: Env, ...args: string[]): string {
  const cmd = [process.execPath, BIN, '--config', e.config, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: e.root, encoding: 'utf8', env: { ...process.env, COLUMNS: '200' } });
  return r.stdout.replace(/\r\n/g, '\n');
}

it.skipIf(!hasScript)('tables, relative times and progress on a terminal; plain rows when piped', () => {
  env = makeEnv();
  for (const p of ['p1', 'p2', 'p3']) env.skill(p, `${p}-s`, { 'SKILL.md': skillMd(`${p}-s`) });
  const en = tty(env, 'enable', 'p1', 'p2', 'p3');
  expect(en).toMatch(/enabling: 1\/3 plugins, 1\/3 skills/);
  expect(en).toMatch(/3 of 3 plugin\(s\) enabled, 3 skill version\(s\) in [\d.]+ s/);
  const pl = tty(env, 'plugins');
  expect(pl).toMatch(/^PLUGIN \/ SKILL +VERSION +STATE +NOTE +SOURCE$/m);
  expect(pl).toMatch(/^ {2}p1-s +v0001 +synced/m);
  const log = tty(env, 'log');
  expect(log).toMatch(/^SKILL +VERSION +WHEN +COMMIT +MODE +SUBJECT$/m);
  expect(log).toMatch(/ just now | \d+ min ago /);
  // Piped: no header, tab-separated, ISO times, no progress.
  expect(env.ok('plugins')).not.toMatch(/PLUGIN/);
  expect(env.ok('log').split('\n')[0].split('\t')[2]).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
  const piped = env.run('enable', 'p1', 'p2', 'p3');
  expect(piped.stderr).not.toMatch(/enabling:/);
});
