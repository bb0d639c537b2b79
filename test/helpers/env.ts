// An isolated skillsync setup for end-to-end tests: a temp dir with a plugins folder,
// a config, and a runner for the real built CLI (bin/skillsync.js).
import { spawnSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync, chmodSync, readdirSync, statSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { tempDir, git, gitTry } from './git.js';

export const BIN = process.env.SKILLSYNC_TEST_BIN ?? resolve(__dirname, '..', '..', 'bin', 'skillsync.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Env {
  root: string;
  plugins: string;
  workspace: string;
  gitdir: string;
  config: string;
  run(...args: string[]): RunResult;
  runAsync(...args: string[]): Promise<RunResult>;
  json<T = any>(...args: string[]): T;
  ok(...args: string[]): string;
  git(...args: string[]): string;
  gitTry(...args: string[]): { status: number; stdout: string; stderr: string };
  skill(plugin: string, skill: string, files: Record<string, string | { content: string; mode: number }>): string;
  fsck(): void;
  refs(): string;
  cleanup(): void;
}

export function skillMd(name: string, body = 'Body text.\n', extra = ''): string {
  return `---\nname: ${name}\ndescription: The ${name} skill.\n${extra}---\n${body}`;
}

export function makeEnv(opts: { configExtra?: string; sources?: string[] } = {}): Env {
  const { dir, cleanup } = tempDir('skillsync-e2e-');
  const plugins = join(dir, 'plugins');
  mkdirSync(plugins, { recursive: true });
  const workspace = join(dir, 'ws');
  const config = join(dir, 'skillsync.yaml');
  const sources = opts.sources ?? ['./plugins'];
  // Tests never reach the internet: every https remote goes to a port that refuses.
  const offline = opts.configExtra?.includes('urlRewrites') ? '' : 'urlRewrites: { "https://": "http://127.0.0.1:9/" }\n';
  writeFileSync(config, `workspace: ./ws\nsources:\n${sources.map((s) => `  - ${s}`).join('\n')}\nlockTimeoutSeconds: 20\n${offline}${opts.configExtra ?? ''}`);
  const gitdir = join(workspace, 'workspace.git');
  const run = (...args: string[]): RunResult => {
    const r = spawnSync(process.execPath, [BIN, '--config', config, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, SKILLSYNC_DEBUG: '' } });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const env: Env = {
    root: dir,
    plugins,
    workspace,
    gitdir,
    config,
    run,
    runAsync: (...args) =>
      new Promise((res) => {
        const p = spawn(process.execPath, [BIN, '--config', config, ...args], { cwd: dir });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (code) => res({ code: code ?? -1, stdout, stderr }));
      }),
    ok: (...args) => {
      const r = run(...args);
      if (r.code !== 0) throw new Error(`skillsync ${args.join(' ')} exited ${r.code}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    json: (...args) => JSON.parse(env.ok('--json', ...args)),
    git: (...args) => git(dir, ['--git-dir', gitdir, ...args]),
    gitTry: (...args) => gitTry(dir, ['--git-dir', gitdir, ...args]),
    skill(plugin, skill, files) {
      const base = join(plugins, plugin, 'skills', skill);
      for (const [rel, spec] of Object.entries(files)) {
        const p = join(base, rel);
        mkdirSync(dirname(p), { recursive: true });
        if (typeof spec === 'string') writeFileSync(p, spec);
        else {
          writeFileSync(p, spec.content);
          chmodSync(p, spec.mode);
        }
      }
      return base;
    },
    fsck() {
      const r = gitTry(dir, ['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling']);
      if (r.status !== 0) throw new Error(`git fsck --strict failed:\n${r.stdout}${r.stderr}`);
    },
    refs: () => gitTry(dir, ['--git-dir', gitdir, 'for-each-ref', '--format=%(refname) %(objectname)']).stdout,
    cleanup,
  };
  return env;
}

/** The workspace the hostile tests start from: plugin `tools` (skills alpha, beta), enabled. */
export function enabledToolsEnv(): Env {
  const env = makeEnv();
  env.skill('tools', 'alpha', { 'SKILL.md': skillMd('alpha') });
  env.skill('tools', 'beta', { 'SKILL.md': skillMd('beta') });
  env.ok('init');
  env.ok('enable', 'tools');
  return env;
}

/** `git clone` of the workspace repository into env.root/<name>; returns the clone's folder. */
export function cloneWorkspace(env: Env, name = `clone-${Math.random().toString(36).slice(2)}`): string {
  const dir = join(env.root, name);
  git(env.root, ['clone', '-q', env.gitdir, dir]);
  return dir;
}

/** Every file under a directory with its size and mtime: to prove nothing was written there. */
export function snapshotFs(root: string, skip: string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (skip.some((s) => p.startsWith(s))) continue;
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else out.set(p, `${st.size}:${st.mtimeMs}`);
    }
  };
  walk(root);
  return out;
}

export function rmrf(p: string) {
  rmSync(p, { recursive: true, force: true });
}
