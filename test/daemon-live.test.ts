// The live view in the daemon's watch passes: a watch pass verifies the checkouts of the
// plugins it syncs plus a round-robin slice of the rest; full passes verify up to the
// whole budget. Real workspace, real checkouts edited on disk, the real job executor.
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeWorkspace, skillMd, type TestWorkspace } from './helpers/workspace.js';
import { JobExecutor } from '../src/daemon/jobs.js';
import { refreshLive } from '../src/workspace/txn.js';
import type { Logger } from '../src/log.js';

let ws: TestWorkspace;
afterEach(() => ws?.cleanup());

const live = (skill: string, file = 'SKILL.md') => join(ws.config.workspace, 'live', 'skills', skill, file);

/** Edit a checkout file the way anyone could: make it writable, append. */
function tamper(skill: string): void {
  chmodSync(live(skill), 0o644);
  appendFileSync(live(skill), 'tampered\n');
}

const intact = (skill: string) => readFileSync(live(skill), 'utf8') === skillMd(skill);

async function twoPlugins(): Promise<void> {
  ws = makeWorkspace();
  ws.skill('alpha', 'a1', { 'SKILL.md': skillMd('a1') });
  ws.skill('beta', 'b1', { 'SKILL.md': skillMd('b1') });
  ws.skill('beta', 'b2', { 'SKILL.md': skillMd('b2') });
  await ws.enable('alpha', 'beta');
}

describe('live view in watch passes', () => {
  it('a watch pass repairs an edited checkout of the plugin it syncs; the next full pass repairs any', async () => {
    await twoPlugins();
    const logs: string[] = [];
    const log: Logger = { error: (m) => void logs.push(m), warn: (m) => void logs.push(m), info: () => {}, debug: () => {} };
    const ex = new JobExecutor(log);
    expect((await ex.run({ type: 'configure', config: ws.config, level: 'info' })).ok).toBe(true);
    expect((await ex.run({ type: 'pass', waitMs: 5000 })).ok).toBe(true);
    tamper('a1');
    const r = await ex.run({ type: 'pass', ids: ['alpha'], waitMs: 5000, incremental: true });
    expect(r.ok).toBe(true);
    expect(intact('a1')).toBe(true);
    expect(logs.filter((l) => /live view: checkouts\/[0-9a-f]{40} \(skills\/a1\) was changed on disk/.test(l))).toHaveLength(1);
    // The next full pass (no scope) verifies everything again: an edit of beta's checkout is repaired.
    tamper('b2');
    expect((await ex.run({ type: 'pass', waitMs: 5000 })).ok).toBe(true);
    expect(intact('b2')).toBe(true);
  });

  it('outside its skills a watch pass verifies `entries` more checkout entries round robin; a full pass verifies all', async () => {
    await twoPlugins();
    const ctx = ws.ctx();
    tamper('a1');
    tamper('b1');
    // Nothing beyond its own skills: the edit of b1 is not looked at, a1's is repaired.
    ctx.liveScope = { skills: new Set(['a1']), entries: 0 };
    refreshLive(ctx);
    expect(intact('a1')).toBe(true);
    expect(intact('b1')).toBe(false);
    // A deleted link and a stray entry change live/skills itself: a watch pass lists it and repairs both.
    rmSync(join(ws.config.workspace, 'live', 'skills', 'b2'));
    mkdirSync(join(ws.config.workspace, 'live', 'skills', 'stray'));
    refreshLive(ctx);
    expect(intact('b2')).toBe(true);
    expect(existsSync(join(ws.config.workspace, 'live', 'skills', 'stray'))).toBe(false);
    expect(intact('b1')).toBe(false);
    // A link replaced by one to another checkout (a new symlink renamed over it) is put back too.
    const skills = join(ws.config.workspace, 'live', 'skills');
    symlinkSync(readlinkSync(join(skills, 'a1')), join(skills, '.other'));
    renameSync(join(skills, '.other'), join(skills, 'b2'));
    expect(intact('b2')).toBe(false);
    refreshLive(ctx);
    expect(intact('b2')).toBe(true);
    expect(ws.logs.some((l) => /live view: live\/skills\/b2 pointed at .*; restored/.test(l))).toBe(true);
    // One entry more per pass (a checkout here is 2 entries: its folder and SKILL.md):
    // every checkout is verified within as many passes as there are checkouts.
    ctx.liveScope = { skills: new Set(['a1']), entries: 1 };
    let passes = 0;
    while (!intact('b1') && passes < 3) {
      refreshLive(ctx);
      passes++;
    }
    expect(intact('b1')).toBe(true);
    // A pass without a scope (any command, the daemon's full passes) verifies every checkout.
    tamper('b2');
    delete ctx.liveScope;
    refreshLive(ctx);
    expect(intact('b2')).toBe(true);
    // One warning per repaired checkout: a1, b1, b2.
    expect(ws.logs.filter((l) => /live view: checkouts\/[0-9a-f]{40} \(skills\/(a1|b1|b2)\) was changed on disk/.test(l))).toHaveLength(3);
  });

  it('seals keep the paths they walk; a marker written before that is upgraded by the next verify, edits still found', async () => {
    await twoPlugins();
    const markerFile = join(ws.config.workspace, 'cache', 'live.json');
    const m = JSON.parse(readFileSync(markerFile, 'utf8'));
    expect(Object.values(m.seals).every((v) => /^\d+:[0-9a-f]{40}:[0-9a-f]{16}$/.test(v as string))).toBe(true);
    expect(Object.values(m.shapes)).toContainEqual(['SKILL.md']);
    // The marker as the previous version wrote it: entries:digest, no shapes.
    const old = { ...m, seals: Object.fromEntries(Object.entries(m.seals).map(([t, v]) => [t, (v as string).split(':').slice(0, 2).join(':')])) };
    delete old.shapes;
    writeFileSync(markerFile, JSON.stringify(old));
    tamper('b1');
    const ctx = ws.ctx();
    refreshLive(ctx);
    expect(intact('b1')).toBe(true);
    const now = JSON.parse(readFileSync(markerFile, 'utf8'));
    expect(Object.keys(now.seals).sort()).toEqual(Object.keys(m.seals).sort());
    expect(Object.values(now.seals).every((v) => /^\d+:[0-9a-f]{40}:[0-9a-f]{16}$/.test(v as string))).toBe(true);
    expect(now.shapes).toEqual(m.shapes);
  });
});
