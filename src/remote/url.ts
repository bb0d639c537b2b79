// Remote repository URLs: the forms users and marketplaces write, the user's rewrites
// (git's url.<base>.insteadOf: the longest matching prefix wins) and the rule that a
// URL a stranger wrote may only be https, while one the user's own rewrite produced
// may also be http (a mirror on a trusted network, a server on 127.0.0.1).
import { SkillsyncError } from '../core/errors.js';
import { displayName } from '../core/names.js';

export type UrlRewrites = ReadonlyArray<readonly [from: string, to: string]>;

const OWNER_REPO = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\/[A-Za-z0-9_.][A-Za-z0-9_.-]{0,99}$/;

/** `owner/repo` -> https://github.com/owner/repo.git; null when it is not of that form. */
export function githubUrl(ownerRepo: string): string | null {
  const s = ownerRepo.replace(/\.git$/, '');
  if (!OWNER_REPO.test(s) || s.split('/').some((p) => p === '.' || p === '..')) return null;
  return `https://github.com/${s}.git`;
}

/** Rewrite by the longest matching prefix; `rewritten` says whether one applied. */
export function rewriteUrl(url: string, rewrites: UrlRewrites): { url: string; rewritten: boolean } {
  let best: readonly [string, string] | undefined;
  for (const r of rewrites) if (url.startsWith(r[0]) && (best === undefined || r[0].length > best[0].length)) best = r;
  return best === undefined ? { url, rewritten: false } : { url: best[1] + url.slice(best[0].length), rewritten: true };
}

/** The identity of a repository: scheme and host lower-cased, no trailing '/' or '.git', no credentials. */
export function canonicalUrl(url: string): string {
  const u = new URL(url);
  const path = u.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
  return `${u.protocol}//${u.host.toLowerCase()}${path}`;
}

/** The URL with any user:password removed, for messages and records. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

function refuse(what: string, url: string, why: string): SkillsyncError {
  return new SkillsyncError('EREMOTE_URL', `${what}: ${displayName(redactUrl(url))} ${why}`, { url: redactUrl(url) });
}

/**
 * Where a remote URL really goes, after the user's rewrites. `written` is what the
 * config or a marketplace says; `trusted` is true for the user's own config. A URL with
 * credentials, a non-https scheme a stranger wrote, ssh, file:// and paths are refused.
 */
export function effectiveUrl(written: string, rewrites: UrlRewrites, what: string, trusted: boolean): string {
  if (/^(git@|ssh:\/\/|git\+ssh:|ssh\+git:)/i.test(written)) {
    throw refuse(what, written, 'is an ssh URL, which skillsync does not fetch; use its https URL');
  }
  const r = rewriteUrl(written, rewrites);
  let u: URL;
  try {
    u = new URL(r.url);
  } catch {
    throw refuse(what, r.url, 'is not a URL; use https://host/owner/repo');
  }
  if (u.username || u.password) throw refuse(what, r.url, 'carries credentials; put the token in an environment variable named by credentials.<host>.tokenEnv');
  const allowHttp = trusted || r.rewritten;
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && allowHttp)) {
    throw refuse(what, r.url, allowHttp ? 'must be an http(s) URL' : 'must be an https URL (an http mirror can be set with urlRewrites)');
  }
  if (u.search || u.hash) throw refuse(what, r.url, 'must not have a query or fragment');
  return u.toString();
}

/** A short, path-safe name for a cache folder of a URL: host and last path segment. */
export function cacheLabel(url: string): string {
  const u = new URL(url);
  const last = u.pathname.replace(/\/+$/, '').replace(/\.git$/, '').split('/').pop() ?? '';
  return `${u.hostname}-${last}`.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 60);
}

/** A credentials key: a host name, optionally with a port. */
export function tokenSafeHost(host: string): boolean {
  return /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/.test(host) && !host.startsWith('.') && !host.startsWith('-');
}
