// Versions are per skill, commits are per command: an enable of 200 plugins is one
// commit with one tag per skill. npm test runs 200 x 10 = 2,000 skills (the live view's
// 10,000 checkouts and links alone take over a minute on a loaded 2-core machine);
// SKILLSYNC_SCALE_SKILLS=50 runs the full 10,000.
import { afterAll, describe, expect, it } from 'vitest';
import { makeWorkspace, type TestWorkspace } from './helpers/workspace.js';

const PLUGINS = Number(process.env.SKILLSYNC_SCALE_PLUGINS ?? 200);
const SKILLS = Number(process.env.SKILLSYNC_SCALE_SKILLS ?? 10);

let ws: TestWorkspace;
afterAll(() => ws?.cleanup(), 300_000);

describe(`enable of ${PLUGINS} plugins x ${SKILLS} skills`, () => {
  it('is one commit with one tag per skill', async () => {
    ws = makeWorkspace();
    const ids = Array.from({ length: PLUGINS }, (_, i) => `plugin-${i}`);
    for (const id of ids) ws.plugin(id, Array.from({ length: SKILLS }, (_, k) => `${id}-s${k}`), 'x\n');
    const r = await ws.enable(...ids);
    expect(r.filter((x) => x.status !== 'enabled')).toEqual([]);
    expect(ws.git('rev-list', '--count', 'main')).toBe('1');
    const tags = ws.git('for-each-ref', '--format=%(refname) %(*objectname)', 'refs/tags/skills/').split('\n');
    expect(tags).toHaveLength(PLUGINS * SKILLS);
    const head = ws.git('rev-parse', 'main');
    expect(tags.every((t) => t.endsWith(` ${head}`))).toBe(true);
    expect(ws.git('ls-tree', '--name-only', 'main:skills').split('\n')).toHaveLength(PLUGINS * SKILLS);
    const s = `plugin-7-s3`;
    expect(ws.git('log', '--format=%H', '--', `skills/${s}`)).toBe(head);
    expect(ws.log(s).map((l) => [l.version, l.mergeMode])).toEqual([['v0001', 'initial_mirror']]);
    ws.fsck();
  }, 300_000);
});
