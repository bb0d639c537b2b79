// A marketplace entry that names a repository: {source: "github", repo}, {source: "url",
// url, path?} (url "./" is the marketplace's own repository) or {source: "git-subdir",
// url, path}, each with an optional ref and a pinned sha (which wins). Kinds that would run
// code to install (npm, pip, command) or need other transports are refused in one line.
import { displayName } from '../core/names.js';
import { isSafeRefName } from '../remote/config.js';
import { githubUrl } from '../remote/url.js';
import { resolveDeclaredPath } from './manifest.js';
import type { RemoteRef } from './types.js';

const WHY: Record<string, string> = {
  npm: ' (it would run install scripts)',
  pip: ' (it would run install scripts)',
  command: ' (it would run a command)',
};

/** The message follows "plugin X (where)": "uses an npm source, which ...". */
function unsupported(kind: string): { code: string; message: string } {
  const an = /^([aeiou]|npm|ssh|rpm|s3|hg$)/i.test(kind) ? 'an' : 'a';
  return { code: 'EREMOTE_UNSUPPORTED', message: `uses ${an} ${displayName(kind).slice(1, -1)} source, which skillsync does not fetch${WHY[kind] ?? ''}; mirror it into a git repository` };
}

function bad(message: string): { code: string; message: string } {
  return { code: 'EMANIFEST', message };
}

export function remoteRef(src: Record<string, unknown>): RemoteRef | { code: string; message: string } {
  const kind = typeof src.source === 'string' ? src.source : 'unknown';
  let url: string | null;
  let path = '';
  if (kind === 'github') {
    url = typeof src.repo === 'string' ? githubUrl(src.repo) : null;
    if (url === null) return bad(`"repo" must be owner/repo, not ${displayName(src.repo)}`);
  } else if (kind === 'url' || kind === 'git-subdir' || kind === 'git') {
    if (typeof src.url !== 'string' || src.url === '') return bad(`a ${kind} source needs a "url"`);
    url = src.url === '.' || src.url === './' ? '.' : kind === 'git-subdir' ? (githubUrl(src.url) ?? src.url) : src.url;
    if (/^(git@|ssh:|git\+ssh:|ssh\+git:)/i.test(url)) return unsupported('ssh');
    // Real marketplaces also give a `url` entry a `path` (claude-plugins-official: 4 of 150).
    if (kind === 'git-subdir' || src.path !== undefined) {
      if (src.path === undefined) return bad('a git-subdir source needs a "path"');
      try {
        path = resolveDeclaredPath('', src.path, 'path');
      } catch (err) {
        return { code: (err as { code?: string }).code ?? 'EMANIFEST', message: (err as Error).message };
      }
    }
  } else {
    return unsupported(kind);
  }
  const out: RemoteRef = { url, path };
  if (src.ref !== undefined) {
    if (typeof src.ref !== 'string' || !isSafeRefName(src.ref)) return bad(`"ref" ${displayName(src.ref)} is not a branch or tag name`);
    out.ref = src.ref;
  }
  if (src.sha !== undefined) {
    if (typeof src.sha !== 'string' || !/^[0-9a-fA-F]{40}$/.test(src.sha)) return bad(`"sha" must be a full 40-character commit id, not ${displayName(src.sha)}`);
    out.sha = src.sha.toLowerCase();
  }
  return out;
}
