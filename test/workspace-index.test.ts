// The workspace index (cache/stat/index): one binary file for every plugin's stat
// entries. Real workspace, real files, real git as the oracle for trees; the crash is
// a real SIGKILL of a child process in the middle of writing the index.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeWorkspace, skillMd, type TestWorkspace } from './helpers/workspace.js';
import { gitTreeOf } from './helpers/git.js';
import { StatCaches, parseIndex } from '../src/workspace/stat-cache.js';
import { readMainState } from '../src/workspace/state.js';
import { readObservation } from '../src/workspace/observe.js';

let ws: TestWorkspace;
afterEach(() => ws?.cleanup());

const indexFile = () => join(ws.config.workspace, 'cache', 'stat', 'index');
const skillDir = (s: string) => join(ws.plugins, 'alpha', 'skills', s);

async function enabled(): Promise<void> {
  ws = makeWorkspace();
  ws.skill('alpha', 'one', { 'SKILL.md': skillMd('one'), 'references/a.md': 'aaaa\n' });
  ws.skill('alpha', 'two', { 'SKILL.md': skillMd('two') });
  age(ws.plugins);
  await ws.enable('alpha');
}

/** Files and folders last modified a minute ago: older than the racy window. */
function age(dir: string): void {
  const old = Date.now() / 1000 - 60;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) utimesSync(join(e.parentPath, e.name), old, old);
  utimesSync(dir, old, old);
}

/** The upstream tree that the last sync observed for alpha/one. */
const observed = (skill = 'one') => readObservation(ws.ctx(), 'alpha', skill).tree;

describe('workspace index', () => {
  it('is one file for every plugin, not rewritten by a no-op sync, and loads back to the same bytes', async () => {
    await enabled();
    await ws.sync();
    expect(readdirSync(join(ws.config.workspace, 'cache', 'stat'))).toEqual(['index']);
    const before = lstatSync(indexFile());
    await ws.sync();
    const after = lstatSync(indexFile());
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    const bytes = readFileSync(indexFile());
    const groups = parseIndex(bytes);
    expect([...groups.get('alpha')!.keys()].sort()).toEqual(['one', 'two']);
    const caches = new StatCaches(ws.ctx());
    expect(caches.get('alpha', 'one').get('references/a.md')?.size).toBe(5);
    expect(caches.encode().equals(bytes)).toBe(true);
  });

  it('racy rule: an entry recorded within the same tick as the edit is not trusted', async () => {
    await enabled();
    await ws.sync();
    const file = join(skillDir('one'), 'references', 'a.md');
    writeFileSync(file, 'bbbb\n'); // same size
    age(ws.plugins);
    const st = statSync(file);
    // The index as a pass would leave it had it hashed the old bytes in the same tick
    // as this write: the current stat, the old oid, hashed "now".
    const forge = (t: number) => {
      const c = new StatCaches(ws.ctx());
      const e = c.get('alpha', 'one').get('references/a.md')!;
      Object.assign(e, { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, ino: st.ino, hashedAt: t });
      c.touch('alpha');
      c.save();
    };
    forge(st.mtimeMs + 1);
    await ws.sync();
    const seen = observed();
    expect(seen).toBe(gitTreeOf(skillDir('one')));
    // Control: the same forged entry hashed long after the edit is trusted (stat-only,
    // as git trusts a clean index entry), so the pass keeps the old tree: the racy
    // rule alone made the pass above read the file.
    writeFileSync(file, 'cccc\n');
    age(ws.plugins);
    const st2 = statSync(file);
    const c = new StatCaches(ws.ctx());
    Object.assign(c.get('alpha', 'one').get('references/a.md')!, { mtimeMs: st2.mtimeMs, ctimeMs: st2.ctimeMs, size: st2.size, ino: st2.ino, hashedAt: st2.mtimeMs + 10_000 });
    c.touch('alpha');
    c.save();
    await ws.sync();
    expect(observed()).toBe(seen);
    expect(observed()).not.toBe(gitTreeOf(skillDir('one')));
  });

  it('a corrupt or truncated index is ignored and rebuilt; the trees stay right', async () => {
    await enabled();
    await ws.sync();
    const good = readFileSync(indexFile());
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
    for (const bad of [flipped, good.subarray(0, good.length - 7), Buffer.from('{"v":2,"files":{}}')]) {
      writeFileSync(indexFile(), bad);
      expect(() => parseIndex(readFileSync(indexFile()))).toThrow();
      writeFileSync(join(skillDir('one'), 'SKILL.md'), skillMd('one', `changed ${bad.length}\n`));
      age(ws.plugins);
      await ws.sync();
      expect(observed()).toBe(gitTreeOf(skillDir('one')));
      expect(() => parseIndex(readFileSync(indexFile()))).not.toThrow();
    }
    const state = readMainState(ws.ctx());
    expect(state.plugins.has('alpha')).toBe(true);
    ws.fsck();
  });

  it('a context keeps the index it read or wrote while the file is that one, and reads it again once another process replaced it', async () => {
    await enabled();
    await ws.sync();
    const entry = (n: number) => ({ mtimeMs: n, ctimeMs: n, size: n, ino: n, exec: false, oid: String(n).repeat(40).slice(0, 40), hashedAt: n });
    const ctx = ws.ctx(); // one long-lived context, as the daemon's pass thread has
    const mine = new StatCaches(ctx);
    mine.get('alpha', 'one').set('mine.md', entry(1));
    mine.touch('alpha', 'one');
    mine.save();
    const memo = ctx.statIndex;
    expect(memo?.bytes.equals(readFileSync(indexFile()))).toBe(true);
    // The next pass of this context works from what it wrote, without reading the file.
    const again = new StatCaches(ctx);
    expect(ctx.statIndex).toBe(memo);
    expect(again.get('alpha', 'one').get('mine.md')?.size).toBe(1);
    expect(again.get('alpha', 'one').get('references/a.md')?.size).toBe(5);
    // Another process (a fresh context) rewrites the index: the file is a new one, so it is read.
    const other = new StatCaches(ws.ctx());
    other.get('alpha', 'two').set('theirs.md', entry(2));
    other.touch('alpha', 'two');
    other.save();
    const after = new StatCaches(ctx);
    expect(ctx.statIndex).not.toBe(memo);
    expect(after.get('alpha', 'two').get('theirs.md')?.size).toBe(2);
    expect(after.get('alpha', 'one').get('mine.md')?.size).toBe(1);
  });

  it('a process killed while writing the index leaves the old index whole', async () => {
    await enabled();
    await ws.sync();
    const old = readFileSync(indexFile());
    // A child loads the index, changes an entry and is SIGKILLed after its first partial write().
    const mod = resolve('dist/workspace/stat-cache.js');
    const script = `
      import fs from 'node:fs';
      import { syncBuiltinESMExports } from 'node:module';
      const real = fs.writeSync;
      fs.writeSync = (fd, buf, off, len) => { real(fd, buf, off, Math.min(len, 64)); process.kill(process.pid, 'SIGKILL'); };
      syncBuiltinESMExports();
      const { StatCaches } = await import(${JSON.stringify(mod)});
      const ctx = { paths: { statCaches: ${JSON.stringify(join(ws.config.workspace, 'cache', 'stat'))} }, dryRun: false, log: { debug() {} } };
      const c = new StatCaches(ctx);
      c.get('alpha', 'one').set('new.md', { mtimeMs: 1, ctimeMs: 1, size: 1, ino: 1, exec: false, oid: '${'0'.repeat(40)}', hashedAt: 1 });
      c.touch('alpha');
      c.save();
    `;
    expect(existsSync(mod)).toBe(true); // npm test builds dist first
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.signal).toBe('SIGKILL');
    expect(readFileSync(indexFile()).equals(old)).toBe(true);
    expect(readdirSync(join(ws.config.workspace, 'cache', 'stat')).some((n) => n.startsWith('.tmp-index-'))).toBe(true);
    // The next command sweeps the partial temp file and works from the old index.
    writeFileSync(join(skillDir('two'), 'SKILL.md'), skillMd('two', 'after the crash\n'));
    age(ws.plugins);
    await ws.sync();
    expect(observed('two')).toBe(gitTreeOf(skillDir('two')));
    expect(new StatCaches(ws.ctx()).get('alpha', 'one').has('new.md')).toBe(false);
  });
});
