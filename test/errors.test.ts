// The error catalogue is complete and has no dead entries: every code thrown or
// recorded in src/ is listed with its kind, and every listed code is used somewhere.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { ERROR_CATALOGUE, SkillsyncError, errorAction, isErrorCode, toSkillsyncError } from '../src/core/errors.js';

const SRC = resolve(__dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every 'E…' string literal in src/, the catalogue block itself left out. */
function usedCodes(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    let text = readFileSync(file, 'utf8');
    text = text.replace(/\/\/ catalogue:begin[\s\S]*?\/\/ catalogue:end/, '');
    for (const m of text.matchAll(/['"`](E[A-Z][A-Z0-9_]+)['"`]/g)) out.set(m[1], [...(out.get(m[1]) ?? []), file.slice(SRC.length + 1)]);
  }
  return out;
}

const listed = new Set(Object.values(ERROR_CATALOGUE).flatMap((codes) => Object.keys(codes)));
// Codes of the operating system (ENOENT, EEXIST, ...) are compared against, not thrown by skillsync.
const systemCodes = new Set([...Object.keys(constants.errno), 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND']);

describe('error catalogue', () => {
  const used = usedCodes();

  it('lists every code used in src/', () => {
    const unlisted = [...used].filter(([c]) => !listed.has(c) && !systemCodes.has(c)).map(([c, files]) => `${c} (${files.join(', ')})`);
    expect(unlisted).toEqual([]);
  });

  it('lists no code that src/ never uses', () => {
    expect([...listed].filter((c) => !used.has(c))).toEqual([]);
  });

  it('lists each code once, in one layer', () => {
    const all = Object.values(ERROR_CATALOGUE).flatMap((codes) => Object.keys(codes));
    expect(all.length).toBe(new Set(all).size);
  });

  it('has no near-duplicate codes (same letters, different underscores)', () => {
    const byLetters = new Map<string, string[]>();
    for (const c of listed) byLetters.set(c.replace(/_/g, ''), [...(byLetters.get(c.replace(/_/g, '')) ?? []), c]);
    expect([...byLetters.values()].filter((v) => v.length > 1)).toEqual([]);
    expect(used.has('ENOTFOUND')).toBe(false);
  });
});

describe('errorAction', () => {
  const table: [string, unknown, { kind: string; retry: boolean; waitForChange: boolean; silent: boolean; abortPass: boolean }][] = [
    ['lock busy: retry, stops the pass', new SkillsyncError('ELOCKED', 'x'), { kind: 'retry', retry: true, waitForChange: false, silent: false, abortPass: true }],
    ['source changing: retry this plugin', new SkillsyncError('ESOURCE_CHANGING', 'x'), { kind: 'retry', retry: true, waitForChange: false, silent: false, abortPass: false }],
    ['broken manifest: stall', new SkillsyncError('EMANIFEST', 'x'), { kind: 'stall', retry: false, waitForChange: true, silent: false, abortPass: false }],
    ['bad record: stall', new SkillsyncError('ERECORD', 'x'), { kind: 'stall', retry: false, waitForChange: true, silent: false, abortPass: false }],
    ['safety block: stall', new SkillsyncError('ESAFETY_BLOCKED', 'x'), { kind: 'stall', retry: false, waitForChange: true, silent: false, abortPass: false }],
    ['stopping: ignore', new SkillsyncError('ESTOPPING', 'x'), { kind: 'ignore', retry: false, waitForChange: false, silent: true, abortPass: false }],
    ['explicit kind wins', new SkillsyncError('ESYMLINK', 'x', {}, 'retry'), { kind: 'retry', retry: true, waitForChange: false, silent: false, abortPass: false }],
    ['disk full (errno): retry, stops the pass', Object.assign(new Error('full'), { code: 'ENOSPC' }), { kind: 'retry', retry: true, waitForChange: false, silent: false, abortPass: true }],
    ['read-only fs (errno): stall, stops the pass', Object.assign(new Error('ro'), { code: 'EROFS' }), { kind: 'stall', retry: false, waitForChange: true, silent: false, abortPass: true }],
    ['unknown throw: internal, retried', new TypeError('boom'), { kind: 'retry', retry: true, waitForChange: false, silent: false, abortPass: false }],
    ['a recorded plugin failure {code}', { code: 'EMANIFEST_JSON', message: 'bad json' }, { kind: 'stall', retry: false, waitForChange: true, silent: false, abortPass: false }],
    ['a recorded failure with an unknown code', { code: 'EWHATEVER' }, { kind: 'retry', retry: true, waitForChange: false, silent: false, abortPass: false }],
  ];
  for (const [name, err, want] of table) it(name, () => expect(errorAction(err)).toMatchObject(want));

  it('keeps code and message', () => {
    const a = errorAction(new SkillsyncError('ECONFLICT', 'markers left; resolve them'));
    expect([a.code, a.message]).toEqual(['ECONFLICT', 'markers left; resolve them']);
    expect(toSkillsyncError(Object.assign(new Error('x'), { code: 'EPERM' })).code).toBe('EACCES');
    expect(isErrorCode('ECONFLICT')).toBe(true);
    expect(isErrorCode('ENOENT')).toBe(false);
  });
});
