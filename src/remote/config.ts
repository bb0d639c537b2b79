// The config keys of remote sources: `github:`/`git: https://…` sources, urlRewrites,
// fetch limits and per-host credentials. Tokens stay in the environment: the config
// names the variable, so no token is ever written into a file skillsync reads or writes.
import type { SkillsyncError } from '../core/errors.js';
import { effectiveUrl, githubUrl, tokenSafeHost, type UrlRewrites } from './url.js';

export const REMOTE_KEYS = ['urlRewrites', 'fetch', 'credentials'];

export interface RemoteConfig {
  urlRewrites: UrlRewrites;
  fetch: { intervalSeconds: number; timeoutSeconds: number; maxBytes: number };
  /** host (or host:port) -> how to get its token. */
  credentials: Record<string, { tokenEnv: string; username?: string }>;
}

type Bad = (key: string, what: string) => SkillsyncError;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const REF = /^(?!-)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._/-]{1,200}(?<![./])$/;

/** A branch or tag name (or `HEAD`); never an option-like or climbing one. */
export function isSafeRefName(ref: string): boolean {
  return REF.test(ref) && !ref.split('/').some((p) => p.startsWith('.') || p.endsWith('.lock'));
}

export function parseRemoteSource(s: Record<string, unknown>, key: string, bad: Bad): { kind: 'remote'; url: string; ref?: string; path: string } {
  const form = s.github !== undefined ? 'github' : 'git';
  for (const k of Object.keys(s)) if (![form, 'ref', 'path'].includes(k)) throw bad(`${key}.${k}`, `unknown key (known: ${form}, ref, path)`);
  let url: string | null;
  if (form === 'github') {
    url = typeof s.github === 'string' ? githubUrl(s.github) : null;
    if (url === null) throw bad(`${key}.github`, 'must be owner/repo, e.g. anthropics/claude-plugins-official');
  } else {
    url = s.git as string;
    try {
      effectiveUrl(url, [], `${key}.git`, true);
    } catch (err) {
      throw bad(`${key}.git`, (err as Error).message.replace(/^[^:]*: /, ''));
    }
  }
  if (s.ref !== undefined && (typeof s.ref !== 'string' || !isSafeRefName(s.ref))) throw bad(`${key}.ref`, 'must be a branch or tag name');
  if (s.path !== undefined && typeof s.path !== 'string') throw bad(`${key}.path`, 'must be a folder inside the repository');
  const sub = String(s.path ?? '').replace(/^\.?\/+|\/+$/g, '');
  if (sub.split('/').some((p) => p === '..')) throw bad(`${key}.path`, "must not contain '..'");
  return { kind: 'remote', url, ...(s.ref !== undefined ? { ref: s.ref as string } : {}), path: sub };
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

// From 1 s: a mirror on the user's own network (or a test server) may be polled that often.
function seconds(v: unknown, key: string, bad: Bad): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 1 && v <= 7 * 86400) return v;
  const m = typeof v === 'string' ? /^(\d{1,6})\s*([smhd])$/.exec(v.trim()) : null;
  const n = m ? Number(m[1]) * UNITS[m[2]!]! : NaN;
  if (!(n >= 1 && n <= 7 * 86400)) throw bad(key, 'must be a duration from 1s to 7d, e.g. 10m, or a number of seconds');
  return n;
}

export function parseRemoteConfig(raw: Record<string, unknown>, bad: Bad): RemoteConfig {
  const rewrites: Array<[string, string]> = [];
  if (raw.urlRewrites !== undefined && raw.urlRewrites !== null) {
    if (!isObj(raw.urlRewrites)) throw bad('urlRewrites', 'must be a mapping of URL prefix to replacement');
    for (const [from, to] of Object.entries(raw.urlRewrites)) {
      const k = `urlRewrites.${from.slice(0, 80)}`;
      if (from === '') throw bad(k, 'the prefix must not be empty');
      if (typeof to !== 'string' || !/^https?:\/\//.test(to)) throw bad(k, 'must be an http:// or https:// URL prefix');
      rewrites.push([from, to]);
    }
  }

  const f = raw.fetch ?? {};
  if (!isObj(f)) throw bad('fetch', 'must be a mapping like { interval: 10m, timeoutSeconds: 60, maxBytes: 268435456 }');
  for (const k of Object.keys(f)) if (!['interval', 'timeoutSeconds', 'maxBytes'].includes(k)) throw bad(`fetch.${k}`, 'unknown key (known: interval, timeoutSeconds, maxBytes)');
  const intervalSeconds = f.interval === undefined ? 600 : seconds(f.interval, 'fetch.interval', bad);
  const int = (k: string, v: unknown, def: number, min: number, max: number) => {
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(k, `must be a whole number from ${min} to ${max}`);
    return v;
  };
  const timeoutSeconds = int('fetch.timeoutSeconds', f.timeoutSeconds, 60, 1, 3600);
  const maxBytes = int('fetch.maxBytes', f.maxBytes, 256 * 1024 * 1024, 1024, 16 * 1024 * 1024 * 1024);

  const credentials: RemoteConfig['credentials'] = {};
  if (raw.credentials !== undefined && raw.credentials !== null) {
    if (!isObj(raw.credentials)) throw bad('credentials', 'must be a mapping like { github.com: { tokenEnv: GITHUB_TOKEN } }');
    for (const [host, c] of Object.entries(raw.credentials)) {
      const k = `credentials.${host.slice(0, 80)}`;
      if (!tokenSafeHost(host)) throw bad(k, 'must be a host name (or host:port)');
      if (!isObj(c)) throw bad(k, 'must be a mapping like { tokenEnv: GITHUB_TOKEN }');
      for (const ck of Object.keys(c)) if (!['tokenEnv', 'username'].includes(ck)) throw bad(`${k}.${ck}`, 'unknown key (known: tokenEnv, username)');
      if (typeof c.tokenEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(c.tokenEnv)) throw bad(`${k}.tokenEnv`, 'must name an environment variable');
      if (c.username !== undefined && (typeof c.username !== 'string' || !/^[^\s:]{1,100}$/.test(c.username))) throw bad(`${k}.username`, 'must be a user name without spaces or colons');
      credentials[host.toLowerCase()] = { tokenEnv: c.tokenEnv, ...(c.username !== undefined ? { username: c.username as string } : {}) };
    }
  }
  return { urlRewrites: rewrites, fetch: { intervalSeconds, timeoutSeconds, maxBytes }, credentials };
}
