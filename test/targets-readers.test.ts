// Agents read targets while updates land: a reader in another process loops over a
// symlink target, a second agent folder and a copy-mode target during a run of accepts
// and must never find a missing or partial SKILL.md. Commands run in-process to keep it
// short: 20 accepts in npm test, 200 in npm run test:faults (SKILLSYNC_READER_ACCEPTS).
import { afterEach, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeEnv, skillMd, type Env } from './helpers/env.js';
import { loadConfig } from '../src/config.js';
import { openContext } from '../src/workspace/context.js';
import type { Logger } from '../src/log.js';
import { withLock } from '../src/workspace/mutate.js';
import { enablePlugin } from '../src/workspace/enable.js';
import { syncAll } from '../src/workspace/sync.js';
import { acceptProposal } from '../src/workspace/accept.js';
import { StatCaches } from '../src/workspace/stat-cache.js';

const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

let env: Env;
const oldHome = process.env.HOME;
afterEach(() => {
  process.env.HOME = oldHome;
  env?.cleanup();
});

const ACCEPTS = Number(process.env.SKILLSYNC_READER_ACCEPTS ?? 20);
const body = (i: number) => `version ${i}\n${'filler line for a longer file\n'.repeat(200)}END ${i}\n`;

// Reads each target's SKILL.md as fast as it can; a read that is missing or does not end
// with its own END line is a failure. Stops when the stop file appears.
const READER = `
const fs = require('fs');
const [files, stop, out] = [JSON.parse(process.argv[1]), process.argv[2], process.argv[3]];
let reads = 0, bad = [];
while (!fs.existsSync(stop)) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
  for (const f of files) {
    let s;
    try { s = fs.readFileSync(f, 'utf8'); } catch (e) { bad.push(f + ': ' + e.code); continue; }
    reads++;
    const m = /^---\\n[\\s\\S]*?---\\nversion (\\d+)\\n/.exec(s);
    if (!m || !s.endsWith('END ' + m[1] + '\\n')) bad.push(f + ': partial (' + s.length + ' bytes)');
  }
}
fs.writeFileSync(out, JSON.stringify({ reads, bad: bad.slice(0, 20), badCount: bad.length }));
`;

it(`a reader never sees a missing or partial SKILL.md across ${ACCEPTS} accepts (symlink, second agent folder, copy)`, async () => {
  env = makeEnv({ configExtra: 'targets:\n  - claude\n  - agents\n  - { path: ./copy-target, mode: copy }\n' });
  const home = join(env.root, 'home');
  mkdirSync(join(home, '.claude'), { recursive: true });
  mkdirSync(join(home, '.agents'), { recursive: true });
  mkdirSync(join(env.root, 'copy-target'));
  process.env.HOME = home;
  delete process.env.CLAUDE_CONFIG_DIR;
  const ctx = openContext(loadConfig({ file: env.config, explicit: true }), silentLogger, { create: true });
  const up = join(env.plugins, 'alpha', 'skills', 'doc', 'SKILL.md');
  env.skill('alpha', 'doc', { 'SKILL.md': skillMd('doc', body(0)) });
  await withLock(ctx, 'enable', () => enablePlugin(ctx, 'alpha', new StatCaches(ctx)));

  const files = [join(home, '.claude', 'skills', 'doc', 'SKILL.md'), join(home, '.agents', 'skills', 'doc', 'SKILL.md'), join(env.root, 'copy-target', 'doc', 'SKILL.md')];
  for (const f of files) expect(readFileSync(f, 'utf8')).toContain('version 0');
  // Both agent folders link to the same live entry.
  expect(readlinkSync(join(home, '.claude', 'skills', 'doc'))).toBe(join(env.workspace, 'live', 'skills', 'doc'));
  expect(readlinkSync(join(home, '.agents', 'skills', 'doc'))).toBe(join(env.workspace, 'live', 'skills', 'doc'));

  const stop = join(env.root, 'stop');
  const out = join(env.root, 'reader.json');
  const reader = spawn(process.execPath, ['-e', READER, JSON.stringify(files), stop, out], { stdio: 'inherit' });
  const done = new Promise((r) => reader.on('exit', r));
  for (let i = 1; i <= ACCEPTS; i++) {
    writeFileSync(up, skillMd('doc', body(i)));
    // An upstream file written long ago needs no settling time before it is read.
    utimesSync(up, new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
    await withLock(ctx, 'sync', () => syncAll(ctx));
    await withLock(ctx, 'accept', () => acceptProposal(ctx, 'alpha/doc'));
  }
  writeFileSync(stop, '');
  await done;
  const r = JSON.parse(readFileSync(out, 'utf8'));
  expect(r.bad).toEqual([]);
  expect(r.reads).toBeGreaterThan(3 * ACCEPTS);
  for (const f of files) expect(readFileSync(f, 'utf8')).toContain(`version ${ACCEPTS}\n`);
  expect(existsSync(join(env.root, 'copy-target', 'doc', '.git'))).toBe(false);
  env.fsck();
}, 60_000 + ACCEPTS * 3_000);
