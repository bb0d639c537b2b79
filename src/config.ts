// config/skillsync.yaml: parsed with the `yaml` package (no code, bounded aliases),
// validated key by key; an unknown or invalid key is an error that names it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { SkillsyncError } from './core/errors.js';
import { yaml } from './core/yaml.js';
import { writeFileAtomic } from './git/fsutil.js';
import { parseSafetyPolicy, type SafetyPolicy } from './core/safety/index.js';
import { REMOTE_KEYS, parseRemoteConfig, parseRemoteSource, type RemoteConfig } from './remote/config.js';
import { parseNames, parseTargets, type NameMap, type TargetSpec } from './targets/config.js';

export type SourceSpec =
  | { kind: 'fs'; path: string }
  | { kind: 'git'; gitdir: string; ref: string; path: string }
  /** A remote repository: `url` as written (github: owner/repo is its https URL); ref undefined = the remote's default branch. */
  | { kind: 'remote'; url: string; ref?: string; path: string };

export interface Config {
  /** The config file, when one was read. */
  file: string | null;
  /** How it was found (--config, SKILLSYNC_CONFIG, a default place) and every place looked at. */
  found?: ConfigSearch;
  workspace: string;
  sources: SourceSpec[];
  schedule: string;
  debounceMs: number;
  lockTimeoutSeconds: number;
  /** Daemon: quiet time after which the pass thread ends (its memory is given back). */
  passThreadIdleSeconds: number;
  log: { level: 'error' | 'warn' | 'info' | 'debug' };
  http: { listen: string } | null;
  safety: SafetyPolicy;
  /** Apply fast_forward updates without review: true for all plugins or a list of plugin ids. */
  autoApplyFastForward: boolean | string[];
  /** Daemon: enable newly discovered plugins (true or a list of ids). */
  autoEnable: boolean | string[];
  /** Folders agents read, each filled with the published skills. */
  targets: TargetSpec[];
  /** `<plugin>/<upstream skill folder>` → workspace skill name. */
  names: NameMap;
  remote: RemoteConfig;
}

const TOP_KEYS = ['workspace', 'sources', 'schedule', 'debounceMs', 'lockTimeoutSeconds', 'passThreadIdleSeconds', 'log', 'http', 'safety', 'autoApplyFastForward', 'autoEnable', 'targets', 'names', ...REMOTE_KEYS];

/** Config values and keys are echoed in messages at most this long: a huge value must not flood the terminal. */
const ECHO_MAX = 80;

function shorten(s: string): string {
  return s.length > ECHO_MAX ? `${s.slice(0, ECHO_MAX)}… (${s.length} characters)` : s;
}

function bad(key: string, what: string): SkillsyncError {
  return new SkillsyncError('ECONFIG', `config: ${shorten(key)}: ${what}`, { key: shorten(key) });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseConfig(raw: unknown, baseDir: string, file: string | null): Config {
  if (raw === null || raw === undefined) raw = {};
  if (!isObj(raw)) throw bad('(top level)', 'must be a mapping');
  for (const k of Object.keys(raw)) if (!TOP_KEYS.includes(k)) throw bad(k, `unknown key (known: ${TOP_KEYS.join(', ')})`);
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));

  const ws = raw.workspace ?? './var/workspace';
  if (typeof ws !== 'string' || !ws) throw bad('workspace', 'must be a path');

  const sourcesRaw = raw.sources ?? [];
  if (!Array.isArray(sourcesRaw)) throw bad('sources', 'must be a list');
  const sources: SourceSpec[] = sourcesRaw.map((s, i) => {
    const key = `sources[${i}]`;
    if (typeof s === 'string') return { kind: 'fs', path: abs(s) };
    if (isObj(s) && (s.github !== undefined || (typeof s.git === 'string' && /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(s.git)))) {
      return parseRemoteSource(s, key, bad);
    }
    if (isObj(s)) {
      for (const k of Object.keys(s)) if (!['git', 'ref', 'path'].includes(k)) throw bad(`${key}.${k}`, 'unknown key (known: git, ref, path)');
      if (typeof s.git !== 'string' || !s.git) throw bad(`${key}.git`, 'must be the path of a local git repository');
      if (s.ref !== undefined && (typeof s.ref !== 'string' || !s.ref)) throw bad(`${key}.ref`, 'must be a branch, tag or ref name');
      if (s.path !== undefined && typeof s.path !== 'string') throw bad(`${key}.path`, 'must be a folder inside the repository');
      const sub = String(s.path ?? '').replace(/^\.?\/+|\/+$/g, '');
      if (sub.split('/').some((p) => p === '..')) throw bad(`${key}.path`, "must not contain '..'");
      return { kind: 'git', gitdir: abs(s.git), ref: String(s.ref ?? 'HEAD'), path: sub };
    }
    throw bad(key, 'must be a path, {git, ref, path} or {github: owner/repo, ref, path}');
  });

  const schedule = raw.schedule ?? '*/5 * * * *';
  if (typeof schedule !== 'string' || schedule.length > 256 || schedule.trim().split(/\s+/).length < 5) throw bad('schedule', `must be a cron expression like "*/5 * * * *"${typeof schedule === 'string' && schedule.length > 256 ? ` (got ${schedule.length} characters)` : ''}`);
  const num = (k: string, v: unknown, def: number, min: number, max: number) => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw bad(k, `must be a number from ${min} to ${max}`);
    return v;
  };
  const debounceMs = num('debounceMs', raw.debounceMs, 200, 0, 60_000);
  const lockTimeoutSeconds = num('lockTimeoutSeconds', raw.lockTimeoutSeconds, 10, 0, 3600);
  const passThreadIdleSeconds = num('passThreadIdleSeconds', raw.passThreadIdleSeconds, 30, 0, 86_400);

  const logRaw = raw.log ?? {};
  if (!isObj(logRaw)) throw bad('log', 'must be a mapping like { level: info }');
  for (const k of Object.keys(logRaw)) if (k !== 'level') throw bad(`log.${k}`, 'unknown key (known: level)');
  const level = logRaw.level ?? 'info';
  if (typeof level !== 'string' || !['error', 'warn', 'info', 'debug'].includes(level)) throw bad('log.level', 'must be error, warn, info or debug');

  let http: Config['http'] = null;
  if (raw.http !== undefined && raw.http !== null) {
    if (!isObj(raw.http)) throw bad('http', 'must be a mapping like { listen: "127.0.0.1:9464" }');
    for (const k of Object.keys(raw.http)) if (k !== 'listen') throw bad(`http.${k}`, 'unknown key (known: listen)');
    const listen = raw.http.listen;
    if (typeof listen !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(listen)) throw bad('http.listen', 'must be host:port, e.g. 127.0.0.1:9464');
    http = { listen };
  }

  const auto = raw.autoApplyFastForward ?? false;
  if (!(typeof auto === 'boolean' || (Array.isArray(auto) && auto.every((x) => typeof x === 'string')))) {
    throw bad('autoApplyFastForward', 'must be true, false or a list of plugin ids');
  }

  const autoEn = raw.autoEnable ?? false;
  if (!(typeof autoEn === 'boolean' || (Array.isArray(autoEn) && autoEn.every((x) => typeof x === 'string')))) {
    throw bad('autoEnable', 'must be true, false or a list of plugin ids');
  }

  return {
    file,
    workspace: abs(ws),
    sources,
    schedule,
    debounceMs,
    lockTimeoutSeconds,
    passThreadIdleSeconds,
    log: { level: level as Config['log']['level'] },
    http,
    safety: parseSafetyPolicy(raw.safety, 'safety'),
    autoApplyFastForward: auto as boolean | string[],
    autoEnable: autoEn as boolean | string[],
    targets: parseTargets(raw.targets, baseDir),
    names: parseNames(raw.names),
    remote: parseRemoteConfig(raw, bad),
  };
}

export interface ConfigSearch {
  file: string | null;
  how: 'flag' | 'env' | 'default' | 'none';
  looked: string[];
}

/** The default places, in order: the current folder, then the user's, then the system's. */
export function defaultConfigPlaces(cwd: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const xdg = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return [resolve(cwd, 'skillsync.yaml'), resolve(cwd, 'config', 'skillsync.yaml'), join(xdg, 'skillsync', 'skillsync.yaml'), '/etc/skillsync/skillsync.yaml'];
}

/** Which config file to read: --config, then SKILLSYNC_CONFIG, then the default places. */
export function findConfig(opts: { file?: string; cwd?: string; env?: NodeJS.ProcessEnv }): ConfigSearch {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  if (opts.file !== undefined) return { file: resolve(cwd, opts.file), how: 'flag', looked: [resolve(cwd, opts.file)] };
  if (env.SKILLSYNC_CONFIG) return { file: resolve(cwd, env.SKILLSYNC_CONFIG), how: 'env', looked: [resolve(cwd, env.SKILLSYNC_CONFIG)] };
  const looked = defaultConfigPlaces(cwd, env);
  const file = looked.find((f) => existsSync(f)) ?? null;
  return { file, how: file ? 'default' : 'none', looked };
}

/** Read the config found by `findConfig`; no file found gives the defaults (`file: null`). */
export function loadConfig(opts: { file?: string; explicit?: boolean; workspace?: string; cwd?: string; env?: NodeJS.ProcessEnv }): Config {
  const cwd = opts.cwd ?? process.cwd();
  const found = findConfig({ file: opts.file, cwd, env: opts.env });
  let cfg: Config;
  const file = found.file;
  if (file && existsSync(file)) {
    cfg = parseConfig(readYamlCached(file, configCacheDir(opts.env ?? process.env)), dirname(file), file);
  } else if (file) {
    const via = found.how === 'env' ? ' (from SKILLSYNC_CONFIG)' : '';
    throw new SkillsyncError('ECONFIG', `config file not found: ${file}${via}`, { file });
  } else {
    cfg = parseConfig({}, cwd, null);
  }
  cfg.found = found;
  if (opts.workspace) cfg.workspace = resolve(cwd, opts.workspace);
  return cfg;
}

/** Where parsed config files are kept: $XDG_CACHE_HOME/skillsync/config (derived data, safe to delete). */
export function configCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'skillsync', 'config');
}

/** YAML's result as JSON when JSON holds it exactly (plain data: no .inf, .nan, !!binary, cycle), else null. */
function asJson(raw: unknown): string | null {
  let exact = true;
  let text: string | undefined;
  try {
    text = JSON.stringify(raw, function (this: Record<string, unknown>, k, v) {
      const orig = k === '' ? raw : this[k]; // before toJSON: a Buffer or Date would come back as something else
      if (typeof orig === 'number' && !Number.isFinite(orig)) exact = false;
      else if (orig !== null && typeof orig === 'object' && !Array.isArray(orig) && Object.getPrototypeOf(orig) !== Object.prototype && Object.getPrototypeOf(orig) !== null) exact = false;
      return v;
    });
  } catch {
    return null; // a cycle through aliases: not cached; the config check reports what is wrong
  }
  return exact && text !== undefined ? text : null;
}

/**
 * The parsed YAML of a config file, from the cache when the file's bytes are the ones
 * it was parsed from (keyed by content, not stat: an edit within a second is never
 * missed). A missing, corrupt or stale cache entry is parsed again and rewritten.
 */
export function readYamlCached(file: string, cacheDir: string | null): unknown {
  const bytes = readFileSync(file);
  const sum = createHash('sha1').update(bytes).digest('hex');
  const entry = cacheDir ? join(cacheDir, `${createHash('sha1').update(file).digest('hex')}.json`) : null;
  if (entry) {
    try {
      const c = JSON.parse(readFileSync(entry, 'utf8'));
      if (c && c.v === 1 && c.sum === sum && c.file === file && 'raw' in c) return c.raw;
    } catch {
      /* none yet, or unreadable: parsed below */
    }
  }
  let raw: unknown;
  try {
    raw = yaml().parse(bytes.toString('utf8'), { maxAliasCount: 50, prettyErrors: true });
  } catch (err) {
    throw new SkillsyncError('ECONFIG', `config: ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, { file });
  }
  const json = entry ? asJson(raw ?? null) : null;
  if (entry && json !== null) {
    try {
      // A config can hold secrets (a token in a URL): the copy is as private as a 0600 file.
      mkdirSync(cacheDir!, { recursive: true, mode: 0o700 });
      writeFileAtomic(entry, `{"v":1,"file":${JSON.stringify(file)},"sum":"${sum}","raw":${json}}`, { mode: 0o600 });
    } catch {
      /* a read-only home: parsed every time */
    }
  }
  return raw;
}
