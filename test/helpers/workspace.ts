// An in-process workspace for tests (as changesets' gitdir()): a temp dir with plugin
// folders and a workspace, commands run in this process under the real workspace lock
// with typed results, the real git CLI as the oracle, everything removed by cleanup().
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, type Config } from '../../src/config.js';
import type { Logger } from '../../src/log.js';
import { acceptProposals, type AcceptResult } from '../../src/workspace/accept.js';
import { openContext, type Ctx } from '../../src/workspace/context.js';
import { enablePlugins, type EnableFailure, type EnableResult } from '../../src/workspace/enable.js';
import { versionLog, type LogEntry } from '../../src/workspace/inspect.js';
import { withLock } from '../../src/workspace/mutate.js';
import { listProposals, type ProposalInfo } from '../../src/workspace/proposals.js';
import { publishSkill, rollbackSkill, type PublishResult } from '../../src/workspace/publish.js';
import { rejectProposal } from '../../src/workspace/reject.js';
import { StatCaches } from '../../src/workspace/stat-cache.js';
import { syncAll, type SyncResult } from '../../src/workspace/sync.js';
import { git, gitTry, tempDir } from './git.js';

export type Files = Record<string, string | { content: string; mode: number }>;

export interface TestWorkspace {
  root: string;
  plugins: string;
  gitdir: string;
  config: Config;
  /** Log lines of every command so far ("warn: ..."). */
  logs: string[];
  /** A fresh context, as each CLI command opens one. */
  ctx(): Ctx;
  /** Write files of plugins/<plugin>/skills/<skill>; returns the skill folder. */
  skill(plugin: string, skill: string, files: Files): string;
  /** A plugin with `skills` tiny skills named s0..s<n-1> (or the given names). */
  plugin(id: string, skills: number | string[], body?: string): void;
  enable(...ids: string[]): Promise<(EnableResult | EnableFailure)[]>;
  sync(...ids: string[]): Promise<SyncResult>;
  accept(...ids: string[]): Promise<AcceptResult[]>;
  reject(id: string): Promise<{ id: string; upstreamTree: string | null }>;
  publish(skill: string, from: string, message?: string): Promise<PublishResult>;
  rollback(skill: string, version: string): Promise<PublishResult>;
  proposals(): ProposalInfo[];
  log(skill?: string): LogEntry[];
  git(...args: string[]): string;
  gitTry(...args: string[]): { status: number; stdout: string; stderr: string };
  /** `git fsck --strict` of the workspace repository; throws when it complains. */
  fsck(): void;
  cleanup(): void;
}

export function skillMd(name: string, body = 'Body text.\n'): string {
  return `---\nname: ${name}\ndescription: The ${name} skill.\n---\n${body}`;
}

function write(root: string, files: Files): void {
  for (const [rel, spec] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    if (typeof spec === 'string') writeFileSync(p, spec);
    else writeFileSync(p, spec.content, { mode: spec.mode });
  }
}

export function makeWorkspace(opts: { config?: Record<string, unknown> } = {}): TestWorkspace {
  const { dir, cleanup } = tempDir('skillsync-ws-');
  const plugins = join(dir, 'plugins');
  mkdirSync(plugins, { recursive: true });
  const config = parseConfig({ workspace: './ws', sources: ['./plugins'], lockTimeoutSeconds: 20, ...opts.config }, dir, null);
  const logs: string[] = [];
  const log: Logger = {
    error: (m) => void logs.push(`error: ${m}`),
    warn: (m) => void logs.push(`warn: ${m}`),
    info: (m) => void logs.push(`info: ${m}`),
    debug: () => {},
  };
  const gitdir = join(config.workspace, 'workspace.git');
  const ctx = () => openContext(config, log, { create: true });
  /** One command: a fresh context, the workspace lock, the stat caches saved after. */
  const command = <T>(name: string, fn: (c: Ctx, caches: StatCaches) => T): Promise<T> => {
    const c = ctx();
    return withLock(c, name, () => {
      const caches = new StatCaches(c);
      try {
        return fn(c, caches);
      } finally {
        caches.save();
      }
    });
  };
  const ws: TestWorkspace = {
    root: dir,
    plugins,
    gitdir,
    config,
    logs,
    ctx,
    skill(plugin, skill, files) {
      const at = join(plugins, plugin, 'skills', skill);
      write(at, files);
      return at;
    },
    plugin(id, skills, body) {
      const names = typeof skills === 'number' ? Array.from({ length: skills }, (_, i) => `s${i}`) : skills;
      for (const n of names) write(join(plugins, id, 'skills', n), { 'SKILL.md': skillMd(n, body) });
    },
    enable: (...ids) => command(`enable ${ids.join(' ')}`, (c, caches) => enablePlugins(c, ids, caches)),
    sync: (...ids) => command('sync', (c) => syncAll(c, ids)),
    accept: (...ids) => command(`accept ${ids.join(' ')}`, (c) => acceptProposals(c, ids)),
    reject: (id) => command(`reject ${id}`, (c) => rejectProposal(c, id)),
    publish: (skill, from, message) => command(`publish ${skill}`, (c) => publishSkill(c, skill, from, message)),
    rollback: (skill, version) => command(`rollback ${skill}`, (c) => rollbackSkill(c, skill, version)),
    proposals: () => listProposals(ctx()),
    log: (skill) => versionLog(ctx(), skill),
    git: (...args) => git(dir, ['--git-dir', gitdir, ...args]),
    gitTry: (...args) => gitTry(dir, ['--git-dir', gitdir, ...args]),
    fsck() {
      const r = gitTry(dir, ['--git-dir', gitdir, 'fsck', '--strict', '--no-dangling']);
      if (r.status !== 0 || r.stderr.trim()) throw new Error(`git fsck --strict: ${r.stdout}${r.stderr}`);
    },
    cleanup,
  };
  return ws;
}
