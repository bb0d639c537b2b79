#!/usr/bin/env node
// The real-marketplace check (issue 11, Done when): serves local bare mirrors of a real
// marketplace and of the repositories its entries point to with the tests' smart-HTTP
// server (git http-backend on 127.0.0.1, github.com's path layout), points skillsync at
// them through urlRewrites, enables every plugin and compares each skill's tree with
// `git rev-parse <sha>:<path>` in the mirror. Prints counts; exit 1 on any skillsync
// failure (an entry whose repository or pinned commit the mirror lacks is counted apart).
// Usage: node test/real/marketplace-real.js [--mirror /work/.mirror] [--market owner/name]
//        [--only id,id] [--keep] [--json] [--repin] [--location .agents/plugins/marketplace.json]
// --location: read that marketplace file (Codex's, Cursor's); the others are removed in a
// derived commit so that skillsync must find that one.
// A repository without any marketplace file (openai/skills) is one plain source: every
// folder with a SKILL.md in it must come out as a skill with the same tree.
// --repin: an entry whose pinned commit the mirror lacks (the mirror is older than the
// pin) is re-pinned to the mirror's tip of its ref, in a derived marketplace commit
// served instead of the original, so that every mirrored repository is exercised.
// Skips (exit 0) when the marketplace mirror is absent; needs `npm run build` first.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGitServer } from '../helpers/http-git-server.js';

const BIN = fileURLToPath(new URL('../../bin/skillsync.js', import.meta.url));
// What the issue says must be refused (safety findings, links, submodules, unsafe tree entries): counted, not failures.
const REFUSALS = /\[(ESAFETY_BLOCKED|ESYMLINK|ESUBMODULE|ETREE_ENTRY)\]/;
const LOCATIONS = ['.claude-plugin/marketplace.json', '.agents/plugins/marketplace.json', '.cursor-plugin/marketplace.json'];

function args(argv) {
  const o = { mirror: '/work/.mirror', market: 'anthropics/claude-plugins-official', only: null, keep: false, json: false, repin: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--mirror') o.mirror = argv[++i];
    else if (a === '--market') o.market = argv[++i];
    else if (a === '--only') o.only = new Set(argv[++i].split(','));
    else if (a === '--keep') o.keep = true;
    else if (a === '--json') o.json = true;
    else if (a === '--repin') o.repin = true;
    else if (a === '--location') o.location = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

const gitIn = (dir, a) => execFileSync('git', ['--git-dir', dir, ...a], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 }).trim();
const gitOk = (dir, a) => { try { return gitIn(dir, a); } catch { return null; } };

/** name -> [{path, tree}] of every folder under <sha>:<path> that holds a SKILL.md. */
function skillFolders(dir, sha, path) {
  const out = new Map();
  const ls = gitOk(dir, ['ls-tree', '-r', '-t', '--full-tree', sha, '--', ...(path ? [path + '/'] : [])]) ?? '';
  const trees = new Map();
  const files = [];
  for (const line of ls.split('\n')) {
    const m = /^\d+ (\w+) ([0-9a-f]{40})\t(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === 'tree') trees.set(m[3], m[2]);
    else if (m[3].endsWith('/SKILL.md')) files.push(m[3].slice(0, -'/SKILL.md'.length));
  }
  for (const f of files) {
    const name = f.split('/').pop();
    out.set(name, [...(out.get(name) ?? []), { path: f, tree: trees.get(f) }]);
  }
  return out;
}

/** owner/name of a github URL or owner/repo string, or null. */
function ownerRepo(s) {
  const m = /^(?:https:\/\/github\.com\/)?([A-Za-z0-9][\w.-]*)\/([\w.-]+?)(?:\.git)?\/?$/.exec(s);
  return m ? `${m[1]}/${m[2]}` : null;
}

/** What an entry asks for: kind, repository (owner/name or '.'), path in it, ref, sha. */
function classify(entry, pluginRoot) {
  const s = entry.source;
  if (typeof s === 'string') {
    const rel = s.startsWith('./') || s.startsWith('../') ? s : `${pluginRoot ? pluginRoot.replace(/\/+$/, '') + '/' : './'}${s}`;
    return { kind: 'local', repo: '.', path: rel.replace(/^\.\//, '').replace(/\/+$/, '') };
  }
  if (!s || typeof s !== 'object') return { kind: 'invalid' };
  const kind = s.source;
  // Codex writes a folder as {source: "local", path: "./"}.
  if (kind === 'local' && typeof s.path === 'string') return { kind, repo: '.', path: s.path.replace(/^\.\/?/, '').replace(/\/+$/, '') };
  if (kind === 'github') return { kind, repo: ownerRepo(s.repo ?? ''), path: '', ref: s.ref, sha: s.sha };
  if (kind === 'url' || kind === 'git-subdir') {
    const repo = s.url === './' || s.url === '.' ? '.' : ownerRepo(s.url ?? '');
    // A `url` entry may carry a `path` too (claude-plugins-official has four).
    return { kind, repo, path: String(s.path ?? '').replace(/^\.\//, '').replace(/\/+$/, ''), ref: s.ref, sha: s.sha, url: s.url };
  }
  return { kind: String(kind ?? 'invalid') };
}

function run(cfg, ...a) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, '--config', cfg, ...a], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

async function main() {
  const o = args(process.argv.slice(2));
  const mirrorOf = (repo) => join(o.mirror, repo.replace('/', '+'), 'repo');
  const marketDir = mirrorOf(o.market);
  if (!existsSync(marketDir)) {
    console.log(`skip: no mirror of ${o.market} under ${o.mirror}`);
    return 0;
  }
  const head = gitIn(marketDir, ['rev-parse', 'HEAD']);
  const present = LOCATIONS.filter((l) => gitOk(marketDir, ['cat-file', '-e', `HEAD:${l}`]) !== null);
  const location = o.location ?? present[0];
  if (location && !present.includes(location)) throw new Error(`${o.market} has no ${location}`);
  const drop = o.location ? present.filter((l) => l !== location) : [];
  const manifest = location ? JSON.parse(gitIn(marketDir, ['show', `HEAD:${location}`])) : { plugins: [] };
  const pluginRoot = manifest.metadata?.pluginRoot;

  // github.com's layout under one root: github/<owner>/<name>(.git) -> the bare mirror.
  const tmp = mkdtempSync(join(tmpdir(), 'marketplace-real-'));
  const srv = join(tmp, 'srv');
  for (const d of readdirSync(o.mirror)) {
    const plus = d.indexOf('+');
    if (plus < 1 || !existsSync(join(o.mirror, d, 'repo'))) continue;
    const owner = join(srv, 'github', d.slice(0, plus));
    mkdirSync(owner, { recursive: true });
    for (const n of [d.slice(plus + 1), `${d.slice(plus + 1)}.git`]) symlinkSync(join(o.mirror, d, 'repo'), join(owner, n));
  }
  const server = await startGitServer(srv);
  const cfg = join(tmp, 'skillsync.yaml');
  writeFileSync(cfg, [
    `workspace: ${join(tmp, 'ws')}`,
    'sources:',
    `  - github: ${o.market}`,
    `urlRewrites: { "https://github.com/": "${server.base}github/" }`,
    'fetch: { timeoutSeconds: 300, maxBytes: 4294967296 }',
    'lockTimeoutSeconds: 120',
    '',
  ].join('\n'));

  const report = { market: `${o.market}@${head.slice(0, 12)} (${location ?? 'no marketplace: one plain source'})`, entries: {}, discovered: 0, enabled: 0, skills: 0, identical: 0, repinned: 0, notInMirror: [], unmirrored: [], nameTaken: [], refused: [], failures: [] };
  const fail = (id, why) => report.failures.push(`${id}: ${why}`);
  const expected = new Map();
  for (const e of manifest.plugins ?? []) {
    if (o.only && !o.only.has(e.name)) continue;
    const c = classify(e, pluginRoot);
    report.entries[c.kind] = (report.entries[c.kind] ?? 0) + 1;
    if (!['local', 'github', 'url', 'git-subdir'].includes(c.kind)) continue;
    const repo = c.repo === '.' ? o.market : c.repo;
    const dir = repo && mirrorOf(repo);
    if (!dir || !existsSync(dir)) {
      report.notInMirror.push(`${e.name}: no mirror of ${repo ?? c.url}`);
      continue;
    }
    const tip = gitOk(dir, ['rev-parse', `${c.ref ?? 'HEAD'}^{commit}`]);
    let sha = c.repo === '.' && !c.sha ? head : c.sha ?? tip;
    if (!sha || gitOk(dir, ['cat-file', '-e', `${sha}^{commit}`]) === null) {
      if (!o.repin || !tip || typeof e.source !== 'object') {
        report.notInMirror.push(`${e.name}: ${repo} lacks commit ${sha ?? c.ref}`);
        continue;
      }
      e.source.sha = sha = tip;
      report.repinned++;
    }
    if (c.path && gitOk(dir, ['cat-file', '-e', `${sha}:${c.path}`]) === null) {
      report.notInMirror.push(`${e.name}: ${repo} has no ${c.path} at ${sha.slice(0, 12)}${report.repinned && e.source.sha === sha ? ' (re-pinned)' : ''}`);
      continue;
    }
    expected.set(e.name, { ...c, dir, sha, repoName: repo });
  }
  // A snapshot lacks files of 4 MiB and more: its server cannot send such a commit
  // (git clone fails the same way), and every entry of that repository shares the fetch.
  const broken = new Map();
  for (const w of expected.values()) {
    const missing = (gitOk(w.dir, ['rev-list', '--objects', '--no-walk', '--missing=print', w.sha]) ?? '').split('\n').filter((l) => l.startsWith('?')).length;
    if (missing) broken.set(w.repoName, `the mirror of ${w.repoName} lacks ${missing} object(s) of ${w.sha.slice(0, 12)}`);
  }
  for (const [id, w] of [...expected]) {
    if (!broken.has(w.repoName)) continue;
    report.notInMirror.push(`${id}: ${broken.get(w.repoName)}`);
    expected.delete(id);
  }
  if (report.repinned || drop.length) {
    // A derived marketplace commit on top of the mirror's (objects shared by alternates).
    const derived = join(srv, 'github', `${o.market}.git`);
    rmSync(derived, { force: true });
    rmSync(join(srv, 'github', o.market), { force: true });
    execFileSync('git', ['init', '-q', '--bare', derived]);
    writeFileSync(join(derived, 'objects', 'info', 'alternates'), `${join(marketDir, 'objects')}\n`);
    const env = { ...process.env, GIT_INDEX_FILE: join(tmp, 'market.index'), GIT_AUTHOR_NAME: 'real', GIT_AUTHOR_EMAIL: 'real@example.com', GIT_COMMITTER_NAME: 'real', GIT_COMMITTER_EMAIL: 'real@example.com' };
    const g = (a, input) => execFileSync('git', ['--git-dir', derived, ...a], { env, input, encoding: 'utf8' }).trim();
    const blob = g(['hash-object', '-w', '--stdin'], JSON.stringify(manifest, null, 2) + '\n');
    g(['read-tree', head]);
    g(['update-index', '--cacheinfo', `100644,${blob},${location}`]);
    if (drop.length) g(['update-index', '--index-info'], drop.map((l) => `0 ${'0'.repeat(40)}\t${l}\n`).join('')); // mode 0 removes, no work tree needed
    const commit = g(['commit-tree', g(['write-tree']), '-p', head, '-m', `derived: ${report.repinned} entries re-pinned, ${drop.join(', ') || 'no file'} removed`]);
    g(['update-ref', 'refs/heads/main', commit]);
    g(['symbolic-ref', 'HEAD', 'refs/heads/main']);
    symlinkSync(derived, join(srv, 'github', o.market));
    for (const w of expected.values()) if (w.repo === '.') Object.assign(w, { dir: derived, sha: w.sha === head ? commit : w.sha });
  }

  const fetched = await run(cfg, 'fetch');
  // Remotes the mirror lacks are unreachable by design; a checked plugin's failure shows below.
  report.unreachableRemotes = fetched.err.split('\n').filter((l) => / is unreachable: /.test(l)).length;
  const listed = await run(cfg, '--json', 'plugins');
  const plugins = JSON.parse(listed.out || '[]');
  const byId = new Map(plugins.filter((p) => p.id).map((p) => [p.id, p]));
  const errorsById = new Map(plugins.filter((p) => !p.id && p.error?.plugin).map((p) => [p.error.plugin, p.error]));
  if (!location) {
    // One plain source: whatever it holds is checked against every SKILL.md folder of the repository.
    for (const id of byId.keys()) expected.set(id, { kind: 'local', repo: '.', path: '', dir: marketDir, sha: head, repoName: o.market });
    report.entries.plain = byId.size;
  }
  for (const [id] of expected) {
    if (byId.has(id)) report.discovered++;
    else if (errorsById.has(id) && REFUSALS.test(`[${errorsById.get(id).code}]`)) {
      report.refused.push(`${id}: ${errorsById.get(id).message} [${errorsById.get(id).code}]`);
      expected.delete(id);
    } else {
      fail(id, `not discovered${errorsById.has(id) ? `: ${errorsById.get(id).message} [${errorsById.get(id).code}]` : ''}`);
      expected.delete(id);
    }
  }
  const ids = [...expected.keys()];
  const en = await run(cfg, '--json', 'enable', ...ids);
  let results = [];
  try {
    results = JSON.parse(en.out || '[]');
  } catch {
    fail('(enable)', `exit ${en.code}: ${en.err.trim().split('\n')[0]}`);
  }
  const gitdir = join(tmp, 'ws', 'workspace.git');
  const wsTree = (skill) => gitOk(gitdir, ['rev-parse', `main:skills/${skill}`]);
  for (const r of Array.isArray(results) ? results : [results]) {
    const want = expected.get(r.plugin);
    if (!want) continue;
    if (r.status !== 'enabled' && r.status !== 'already_enabled') {
      const why = typeof r.error === 'object' && r.error !== null ? `${r.error.message} [${r.error.code}]` : `${r.error ?? ''}${r.code ? ` [${r.code}]` : ''}`;
      // Two plugins of one marketplace may ship a skill of the same name: the later one is refused (a rename is the user's choice).
      if (/\[EOWNERSHIP\]/.test(why)) report.nameTaken.push(`${r.plugin}: ${why}`);
      else if (REFUSALS.test(why)) report.refused.push(`${r.plugin}: ${why}`);
      else fail(r.plugin, `${r.status}: ${why}`);
      continue;
    }
    report.enabled++;
    // The oracle: folders holding a SKILL.md in the upstream tree at the sha, by folder name.
    const folders = skillFolders(want.dir, want.sha, want.path);
    for (const s of r.skills ?? []) {
      report.skills++;
      const name = typeof s === 'string' ? s : s.name;
      const got = wsTree(name);
      const candidates = folders.get(name) ?? [];
      const hit = candidates.find((c) => c.tree === got);
      if (hit) report.identical++;
      else fail(`${r.plugin}/${name}`, `tree ${got ?? '(none)'} in the workspace; at ${want.sha.slice(0, 12)}: ${candidates.map((c) => `${c.path} ${c.tree}`).join(', ') || 'no folder of that name with a SKILL.md'}`);
      folders.delete(name);
    }
    for (const [name, c] of folders) report.unmirrored.push(`${r.plugin}: ${c.map((x) => x.path).join(', ')} (${name}) has a SKILL.md but is no skill of the plugin`);
  }
  await server.close();
  if (!o.keep) rmSync(tmp, { recursive: true, force: true });
  else report.kept = tmp;
  if (o.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`marketplace ${report.market}`);
    console.log(`entries by type: ${Object.entries(report.entries).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (o.repin) console.log(`re-pinned to the mirror's tip (the mirror is older than the pin): ${report.repinned}`);
    console.log(`not in the mirror (skipped): ${report.notInMirror.length}`);
    for (const n of report.notInMirror) console.log(`  - ${n}`);
    console.log(`skillsync fetch: ${report.unreachableRemotes} remote(s) unreachable (absent or incomplete mirrors, commits newer than the mirror)`);
    console.log(`checked ${report.discovered + report.failures.filter((f) => f.includes('not discovered')).length}: discovered ${report.discovered}, enabled ${report.enabled}, skills ${report.skills}, identical trees ${report.identical}`);
    console.log(`SKILL.md folders that are no skill (templates, examples; not a failure): ${report.unmirrored.length}`);
    for (const n of report.unmirrored) console.log(`  - ${n}`);
    console.log(`refused because an earlier plugin has a skill of the same name (EOWNERSHIP, not a failure): ${report.nameTaken.length}`);
    for (const n of report.nameTaken) console.log(`  - ${n}`);
    console.log(`refused by design (safety check, symlink, submodule, unsafe tree entry): ${report.refused.length}`);
    for (const n of report.refused) console.log(`  - ${n.slice(0, 240)}`);
    console.log(`failures: ${report.failures.length}`);
    for (const f of report.failures) console.log(`  - ${f}`);
  }
  return report.failures.length ? 1 : 0;
}

main().then((c) => process.exit(c), (e) => {
  console.error(e);
  process.exit(2);
});
