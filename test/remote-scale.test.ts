// A marketplace of 100,000 entries (issue 10 class 15: `plugins` took 50 s of CPU):
// lookups by id and tree listings by name keep discovery linear, for a folder and for a
// git repository (what a fetched remote marketplace is; a folder shares the same
// lookups). No timing assertion: the test must simply finish well inside its timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './helpers/git.js';
import { makeEnv, skillMd, type Env } from './helpers/env.js';

const N = 100_000;
const REAL = 50; // entries whose folder exists; the others are stale
let envGit: Env;

function writeMarket(root: string): void {
  mkdirSync(join(root, '.claude-plugin'), { recursive: true });
  const plugins = [];
  for (let i = 0; i < N; i++) {
    plugins.push({ name: `p${i}`, source: `./plugins/p${i}` });
    if (i % (N / REAL) === 0) {
      mkdirSync(join(root, 'plugins', `p${i}`, 'skills', `s${i}`), { recursive: true });
      writeFileSync(join(root, 'plugins', `p${i}`, 'skills', `s${i}`, 'SKILL.md'), skillMd(`s${i}`));
    }
  }
  writeFileSync(join(root, '.claude-plugin', 'marketplace.json'), JSON.stringify({ name: 'big', owner: { name: 'b' }, plugins }));
}

beforeAll(() => {
  envGit = makeEnv({ sources: ['{git: ./market, ref: main}'] });
  const repo = join(envGit.root, 'market');
  git(envGit.root, ['init', '-q', '-b', 'main', repo]);
  writeMarket(repo);
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', 'big marketplace']);
});

afterAll(() => {
  envGit?.cleanup();
});

describe('a marketplace of 100,000 entries', () => {
  it(`plugins lists its ${REAL} real plugins and one error per stale entry`, async () => {
      const r = await envGit.runAsync('--json', 'plugins');
      expect(r.code, r.stderr.slice(0, 500)).toBe(0);
      const list = JSON.parse(r.stdout) as Array<{ id: string | null; skills: Array<{ name: string }>; error?: { code: string; plugin: string } }>;
      const found = list.filter((p) => p.id !== null);
      expect(found.length).toBe(REAL);
      expect(found[0]!.skills.map((s) => s.name)).toEqual(['s0']);
      const stale = list.filter((p) => p.id === null);
      expect(stale.length).toBe(N - REAL);
      expect(new Set(stale.map((p) => p.error!.code))).toEqual(new Set(['ENOT_FOUND']));
  }, 60_000);
});
