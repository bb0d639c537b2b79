// `sync --dry-run` shows what the planner would do: the same rows, versions and
// proposals a real sync then produces, and nothing written (refs, objects, caches).
import { afterEach, describe, expect, it } from 'vitest';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeWorkspace, skillMd, type TestWorkspace } from './helpers/workspace.js';
import { dryRunContext } from '../src/workspace/dry-run.js';
import { withLock } from '../src/workspace/mutate.js';
import { syncAll, type SyncResult } from '../src/workspace/sync.js';

let ws: TestWorkspace;
afterEach(() => ws?.cleanup());

const rows = (r: SyncResult) => r.plugins.map(({ id, status, skills, errorCode }) => ({ id, status, errorCode, skills }));

describe('sync --dry-run', () => {
  it('reports exactly the plan the real sync then applies, and writes nothing', async () => {
    ws = makeWorkspace({ config: { autoApplyFastForward: ['beta'] } });
    ws.plugin('alpha', ['edited', 'upstream', 'gone', 'same']);
    ws.plugin('beta', ['ff']);
    await ws.enable('alpha', 'beta');
    // A local edit that upstream then changes too (three-way), an upstream-only change
    // (fast-forward proposal), a removal, an addition, and a policy fast-forward.
    const edit = join(ws.root, 'edit');
    cpSync(join(ws.plugins, 'alpha', 'skills', 'edited'), edit, { recursive: true });
    writeFileSync(join(edit, 'SKILL.md'), skillMd('edited', 'Body text.\nHouse rule.\n'));
    await ws.publish('edited', edit, 'local rule');
    writeFileSync(join(ws.plugins, 'alpha', 'skills', 'edited', 'SKILL.md'), skillMd('edited', 'Intro.\n\nBody text.\n'));
    writeFileSync(join(ws.plugins, 'alpha', 'skills', 'upstream', 'SKILL.md'), skillMd('upstream', 'New text.\n'));
    rmSync(join(ws.plugins, 'alpha', 'skills', 'gone'), { recursive: true });
    ws.skill('alpha', 'added', { 'SKILL.md': skillMd('added') });
    writeFileSync(join(ws.plugins, 'beta', 'skills', 'ff', 'SKILL.md'), skillMd('ff', 'Faster.\n'));

    const refs = ws.git('for-each-ref');
    const objects = ws.git('count-objects', '-v');
    const ctx = dryRunContext(ws.ctx());
    const dry = await withLock(ctx, 'sync', () => syncAll(ctx));
    expect(ws.git('for-each-ref')).toBe(refs);
    expect(ws.git('count-objects', '-v')).toBe(objects);

    const real = await ws.sync();
    expect(rows(dry)).toEqual(rows(real));
    // The plan covered every kind of row, so the comparison means something.
    const actions = new Set(real.plugins.flatMap((p) => p.skills.map((s) => s.action)));
    for (const a of ['proposal_opened', 'auto_apply', 'none']) expect(actions).toContain(a);
    expect(real.plugins.flatMap((p) => p.skills.map((s) => s.classification))).toEqual(expect.arrayContaining(['added', 'removed', 'three_way', 'fast_forward', 'unchanged']));
    expect(ws.git('for-each-ref')).not.toBe(refs);
    ws.fsck();
  });
});
