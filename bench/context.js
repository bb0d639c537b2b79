// Shared state of one bench run: the temp root, the fleet, the skillsync runner, lazily
// built fixtures (an enabled workspace, a git repository over the same plugin files),
// and the collected rows, notes and failures.
import { mkdirSync, writeFileSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFleet } from './fleet.js';
import { timeCmd, mustRun, fmtMs } from './measure.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(REPO, 'bin', 'skillsync.js');

export const PRESETS = {
  default: {
    name: 'default',
    plugins: 200, skills: 50, files: 5,
    runs: 5, bigRuns: 3,
    mergeLines: [5000, 20000, 50000], scatteredLines: 50000, scatteredEdits: 500,
    historyDepths: [100, 10000],
    daemonIterations: 20, debounceMs: 50,
    enableBudgetS: 600,
  },
  quick: {
    name: 'quick',
    plugins: 20, skills: 20, files: 5,
    runs: 3, bigRuns: 2,
    mergeLines: [5000, 20000], scatteredLines: 20000, scatteredEdits: 200,
    historyDepths: [100, 1000],
    daemonIterations: 5, debounceMs: 50,
    enableBudgetS: 120,
  },
};

export class BenchContext {
  constructor({ preset, root, runs, daemonRounds, log }) {
    this.preset = { ...preset };
    if (daemonRounds) this.preset.daemonIterations = daemonRounds;
    if (runs) {
      this.preset.runs = runs;
      this.preset.bigRuns = runs;
      this.preset.enableBudgetS = Infinity; // runs asked for explicitly: no budget
    }
    this.root = root;
    this.rows = [];
    this.notes = [];
    this.failures = [];
    this.t0 = Date.now();
    this.logger = log ?? ((m) => process.stderr.write(m + '\n'));
    this._fleet = null;
    this._enabled = null;
    this._git = null;
    mkdirSync(root, { recursive: true });
  }

  log(msg) {
    const s = ((Date.now() - this.t0) / 1000).toFixed(1).padStart(6);
    this.logger(`[${s}s] ${msg}`);
  }

  row(r) {
    this.rows.push(r);
    const ratio = r.ratio == null || !Number.isFinite(r.ratio) ? '' : `  ratio ${r.ratio.toFixed(2)}x`;
    this.log(`  → ${r.work}: skillsync ${r.skillsync}${r.git ? `, git ${r.git}` : ''}${ratio}${r.met == null ? '' : r.met ? '  (met)' : '  (NOT met)'}`);
  }

  note(scenario, text) {
    this.notes.push({ scenario, text });
  }

  fail(scenario, text) {
    this.failures.push({ scenario, text });
    this.log(`  ! ${scenario}: ${text}`);
  }

  /** The plugin fleet of the preset, generated once per run. */
  fleet() {
    if (!this._fleet) {
      const { plugins, skills, files } = this.preset;
      this.log(`generating fleet: ${plugins} plugins x ${skills} skills x ${files} files`);
      const t = Date.now();
      this._fleet = generateFleet(join(this.root, 'plugins'), { plugins, skills, files, seed: 42 });
      this.log(`  ${this._fleet.files} files, ${(this._fleet.bytes / 1e6).toFixed(1)} MB in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    return this._fleet;
  }

  pluginIds() {
    return this.fleet().plugins.map((p) => p.id);
  }

  /** Writes <root>/<name>.yaml (workspace <root>/<name>-ws unless given) and returns {config, ws, gitdir}. */
  config(name, { sources, extra = '', ws: wsDir } = {}) {
    const ws = wsDir ?? join(this.root, `${name}-ws`);
    const config = join(this.root, `${name}.yaml`);
    const src = sources ?? [this.fleet().root];
    writeFileSync(config, `workspace: ${JSON.stringify(ws)}\nsources:\n${src.map((s) => `  - ${JSON.stringify(s)}`).join('\n')}\nlockTimeoutSeconds: 120\n${extra}`);
    return { name, config, ws, gitdir: join(ws, 'workspace.git') };
  }

  /** skillsync <args> with the given config; whole process, timed. */
  ss(cfg, args, opts = {}) {
    return timeCmd(process.execPath, [BIN, '--config', cfg.config, ...args], { cwd: this.root, ...opts });
  }

  ssOk(cfg, args, opts = {}) {
    return mustRun(process.execPath, [BIN, '--config', cfg.config, ...args], { cwd: this.root, ...opts });
  }

  /** A workspace with every plugin of the fleet enabled and one sync done (reused). */
  enabledWorkspace() {
    if (this._enabled) return this._enabled;
    const cfg = this.config('main');
    rmrf(cfg.ws);
    this.log('building the enabled workspace (init + enable all + sync)');
    this.ssOk(cfg, ['init']);
    const r = this.ssOk(cfg, ['enable', ...this.pluginIds()], { timeoutMs: 3600_000 });
    this.log(`  enable took ${fmtMs(r.ms)}`);
    this.ssOk(cfg, ['sync'], { timeoutMs: 600_000 });
    this._enabled = cfg;
    return cfg;
  }

  /** Hands over a workspace that already enabled every plugin (from the enable scenario). */
  adoptEnabledWorkspace(cfg) {
    this._enabled = cfg;
  }

  /** A git repository whose work tree is the plugins folder itself, everything committed. */
  gitRepo() {
    if (this._git) return this._git;
    const gitdir = join(this.root, 'plugins.git');
    const work = this.fleet().root;
    rmrf(gitdir);
    this.log('building the git repository over the plugin files (git add -A && git commit)');
    const g = (...a) => mustRun('git', ['--git-dir', gitdir, '--work-tree', work, ...a], { cwd: this.root, env: gitEnv() });
    g('init', '-q');
    g('add', '-A');
    g('commit', '-qm', 'fleet');
    this._git = { gitdir, work, git: (...a) => timeCmd('git', ['--git-dir', gitdir, '--work-tree', work, ...a], { cwd: this.root, env: gitEnv() }) };
    return this._git;
  }
}

/** A git environment that ignores the user's config, so every machine measures the same git. */
export function gitEnv(extra = {}) {
  return {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.invalid',
    GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.invalid',
    // No detached `git gc --auto` after committing 50,000 loose objects: it would run on,
    // untimed, loading the machine during the next measurements and racing the cleanup.
    GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'gc.auto', GIT_CONFIG_VALUE_0: '0',
    ...extra,
  };
}

/** Reads a ref's oid straight from the files (loose first, then packed-refs); null if absent. */
export function readRefFile(gitdir, ref) {
  try {
    const s = readFileSync(join(gitdir, ref), 'utf8').trim();
    if (s) return s;
  } catch {
    /* packed? */
  }
  try {
    const packed = readFileSync(join(gitdir, 'packed-refs'), 'utf8');
    for (const line of packed.split('\n')) {
      if (line.length > 41 && line.slice(41) === ref) return line.slice(0, 40);
    }
  } catch {
    /* none */
  }
  return null;
}

/** rm -rf that retries while something (a late writer) still fills the directory. */
export function rmrf(path) {
  rmSync(path, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
}

export { existsSync };

/**
 * Honest numbers: every skill's tree on skillsync's main must be the tree git computes
 * for the same folder. Returns a list of problems (empty when all agree).
 */
export function compareTrees(fleet, gitRepo, cfg) {
  const lines = (args) => mustRun('git', args, { env: gitEnv() }).stdout.toString('utf8').split('\n').filter(Boolean);
  const gitTrees = new Map();
  for (const l of lines(['--git-dir', gitRepo.gitdir, 'ls-tree', '-r', '-d', 'HEAD'])) {
    const [meta, path] = l.split('\t');
    gitTrees.set(path, meta.split(' ')[2]);
  }
  const ours = new Map();
  for (const l of lines(['--git-dir', cfg.gitdir, 'ls-tree', '-d', 'main', 'skills/'])) {
    const [meta, path] = l.split('\t');
    ours.set(path.slice('skills/'.length), meta.split(' ')[2]);
  }
  const problems = [];
  for (const p of fleet.plugins) {
    for (const s of p.skills) {
      const want = gitTrees.get(`${p.id}/skills/${s}`);
      const got = ours.get(s);
      if (want !== got) problems.push(`${p.id}/${s}: skillsync ${got ?? 'missing'}, git ${want ?? 'missing'}`);
    }
  }
  return problems;
}
