// Errors are values people can act on: a stable `code` for programs and tests, a
// one-line message (what happened; what to do), structured `data`, and a `kind` that
// decides what a reconcile loop does next, Flux-style: retry with backoff, stall until
// the input changes (a person must act), or ignore. Every code is listed once below;
// test/errors.test.ts fails on a code that is listed but unused, or used but unlisted.

export type ErrorKind = 'retry' | 'stall' | 'ignore';

interface CodeInfo {
  kind: ErrorKind;
  /** The whole workspace is affected (lock busy, disk full, read-only): a pass stops instead of blaming one plugin. */
  workspace?: true;
}

const retry: CodeInfo = { kind: 'retry' };
const stall: CodeInfo = { kind: 'stall' };
const ignore: CodeInfo = { kind: 'ignore' };

// catalogue:begin
export const ERROR_CATALOGUE = {
  git: {
    ECORRUPT: stall, // a damaged object, pack or ref in a repository
    ENOT_FOUND: stall, // an object or folder that should be there is not
    EOBJECT_TYPE: stall,
    ETREE_DUPLICATE: stall,
    EREF_NAME: stall,
    EREF_VALUE: stall,
    EREF_LOCKED: retry, // git (or another process) holds the ref's .lock
    EREF_CHANGED: retry, // compare-and-swap lost: someone moved the ref meanwhile
    EREF_CONFLICT: stall, // a ref `a` blocks creating `a/b` (or the reverse), loose or packed
    ETREE_ENTRY: stall, // a tree entry that could escape a folder or pass for .git
    EOBJECT_TOO_LARGE: stall, // an object inflates past the size limit (a zlib bomb)
  },
  fs: {
    ENOSPC: { kind: 'retry', workspace: true },
    EDQUOT: { kind: 'retry', workspace: true },
    EROFS: { kind: 'stall', workspace: true },
    EACCES: stall,
    ESYMLINK: stall,
    ESPECIAL_FILE: stall,
    ENAME_ENCODING: stall,
    ETOO_MANY_FILES: stall,
    EPATH_ESCAPE: stall,
    EPATH_INVALID: stall,
    ENOT_DIR: stall,
    ESOURCE_UNREADABLE: stall, // a file or folder in a plugin source that skillsync may not read
    EPATH_TOO_LONG: stall, // a path in a source longer than skillsync can mirror
    ESOURCE_IO: retry, // reading a source failed for a passing reason (EIO, EMFILE)
  },
  remote: {
    ESOURCE_UNREACHABLE: retry, // DNS, TLS, timeout, 5xx, 401/403, a cut or oversized pack: retried with backoff
    EREMOTE_SHA: retry, // a pinned commit that could not be obtained (yet)
    EREMOTE_URL: stall, // a URL that is refused (not https, credentials in it, ssh, a path)
    EREMOTE_UNSUPPORTED: stall, // npm, archive, command sources: never fetched
    ESTALE_ENTRIES: ignore, // a marketplace lists folders that do not exist next to real skills (a warning)
  },
  plugins: {
    ESOURCE: stall,
    ESOURCE_MISSING: stall,
    ESOURCE_GIT: stall,
    ESOURCE_CORRUPT: stall, // a damaged object in a git source (the workspace is fine)
    ESOURCE_GONE: retry, // a folder vanished while it was read: read again next pass
    ESOURCE_CHANGING: retry, // a file kept changing while it was read
    EREMOTE_SOURCE: stall,
    EMANIFEST: stall,
    EMANIFEST_JSON: stall,
    EMANIFEST_TOO_LARGE: stall,
    EFRONTMATTER: stall,
    EFRONTMATTER_LANG: stall,
    EFRONTMATTER_LIMIT: stall,
    EFRONTMATTER_ENCODING: stall,
    ENAME_UNSAFE: stall,
    ESKILL_MISSING: stall,
    ESKILL_COLLISION: stall,
    ESUBMODULE: stall,
    EDUPLICATE_PLUGIN: stall,
    EPLUGIN_BROKEN: stall,
    EUNKNOWN_PLUGIN: stall,
    EORIGIN_CHANGED: stall, // the same plugin id now comes from another source or folder: never an update
  },
  workspace: {
    ELOCKED: { kind: 'retry', workspace: true }, // another skillsync process holds the workspace lock
    ENOWORKSPACE: stall,
    ERECORD: stall, // a .skillsync/ record on main is not valid
    EMAIN_BLOCKED: { kind: 'stall', workspace: true }, // main holds a commit that fails the checks
    EOWNERSHIP: stall,
    ESAFETY_BLOCKED: stall,
    ENO_FINDING: stall, // allow: the skill has no finding of that rule at that tree
    ECONFLICT: stall,
    ESTALE_PROPOSAL: stall,
    ENO_PROPOSAL: stall,
    ENOT_ENABLED: stall,
    ENOT_BOUND: stall,
    EDISABLED: stall,
    ENO_SKILL_MD: stall,
    ENO_VERSION: stall,
    ENO_SKILL: stall, // a skill named on the command line is not in the workspace
    ENAME_MISMATCH: stall, // SKILL.md's name: differs from the skill being published
    ENOT_ADOPTED: stall,
    ENOT_REJECTED: stall,
    EOWNED: stall, // a plugin owns the skill: adopt or disable instead
    ENO_MERGE_BASE: stall,
  },
  cli: {
    EUSAGE: stall,
    ECONFIRM: stall,
    EPROPOSAL_ID: stall,
    EVERSION: stall,
  },
  config: {
    ECONFIG: stall,
    ENOCONFIG: stall, // no config file in any of the places looked at
  },
  targets: {
    ETARGET_PARENT: stall, // a target folder's parent does not exist
  },
  daemon: {
    EHTTP_LISTEN: stall,
    EDAEMON_RUNNING: stall, // another daemon runs on the same workspace
    EWORKER: retry, // the daemon's pass thread died; a new one runs the next pass
    ESTOPPING: ignore, // the daemon is shutting down: nothing to report
  },
  internal: {
    EINTERNAL: retry, // an unexpected failure: retried with backoff, reported each time
  },
} as const satisfies Record<string, Record<string, CodeInfo>>;
// catalogue:end

type Catalogue = typeof ERROR_CATALOGUE;
export type ErrorLayer = keyof Catalogue;
export type ErrorCode = { [L in ErrorLayer]: keyof Catalogue[L] }[ErrorLayer] & string;

const CODES = new Map<string, CodeInfo & { layer: ErrorLayer }>();
for (const [layer, codes] of Object.entries(ERROR_CATALOGUE)) {
  for (const [code, info] of Object.entries(codes)) CODES.set(code, { ...(info as CodeInfo), layer: layer as ErrorLayer });
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && CODES.has(code);
}

/** The catalogue entry of a code; unknown codes count as internal errors. */
export function codeInfo(code: string): CodeInfo & { layer: ErrorLayer } {
  return CODES.get(code) ?? CODES.get('EINTERNAL')!;
}

export class SkillsyncError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly data: Record<string, unknown>;

  /** `kind` defaults to the code's kind in the catalogue. */
  constructor(code: ErrorCode, message: string, data: Record<string, unknown> = {}, kind?: ErrorKind) {
    super(message);
    this.name = 'SkillsyncError';
    this.code = code;
    this.kind = kind ?? codeInfo(code).kind;
    this.data = data;
  }
}

/** Usage errors (bad flags, missing arguments): the CLI exits 2 for these. */
export class UsageError extends SkillsyncError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('EUSAGE', message, data);
    this.name = 'UsageError';
  }
}

export function isSkillsyncError(err: unknown): err is SkillsyncError {
  return err instanceof SkillsyncError;
}

/** What a reconcile loop (the daemon, a sync pass) does next after a failure. */
export interface ErrorAction {
  kind: ErrorKind;
  code: string;
  message: string;
  /** retry: try again after a backoff delay (lock busy, source changing, disk full). */
  retry: boolean;
  /** stall: log once, do not retry until the input changes (a person must act). */
  waitForChange: boolean;
  /** ignore: nothing to report. */
  silent: boolean;
  /** The whole workspace is affected: stop the pass instead of failing one plugin. */
  abortPass: boolean;
}

/**
 * The one place that maps an error to the next step. Accepts anything thrown, or a
 * recorded `{code, kind?}` (a plugin's failure in a sync result).
 */
export function errorAction(err: unknown): ErrorAction {
  let code: string;
  let kind: ErrorKind;
  let message: string;
  if (err instanceof Error || !(err && typeof err === 'object' && 'code' in err)) {
    const e = toSkillsyncError(err);
    ({ code, kind, message } = e);
  } else {
    const r = err as { code: unknown; kind?: unknown; message?: unknown };
    code = isErrorCode(r.code) ? r.code : 'EINTERNAL';
    kind = r.kind === 'retry' || r.kind === 'stall' || r.kind === 'ignore' ? r.kind : codeInfo(code).kind;
    message = typeof r.message === 'string' ? r.message : code;
  }
  return {
    kind,
    code,
    message,
    retry: kind === 'retry',
    waitForChange: kind === 'stall',
    silent: kind === 'ignore',
    abortPass: codeInfo(code).workspace === true,
  };
}

/** Turn any thrown value into a SkillsyncError, mapping common fs errors to actionable ones. */
export function toSkillsyncError(err: unknown): SkillsyncError {
  if (err instanceof SkillsyncError) return err;
  const e = err as NodeJS.ErrnoException;
  const path = e?.path ? ` (${e.path})` : '';
  switch (e?.code) {
    case 'ENOSPC':
      return new SkillsyncError('ENOSPC', `no space left on device${path}; free some space and run the command again, nothing was changed`, { path: e.path });
    case 'EDQUOT':
      return new SkillsyncError('EDQUOT', `disk quota exceeded${path}; free some space and run the command again, nothing was changed`, { path: e.path });
    case 'EROFS':
      return new SkillsyncError('EROFS', `the workspace is on a read-only file system${path}; remount it read-write or choose another --workspace`, { path: e.path });
    case 'EACCES':
    case 'EPERM':
      return new SkillsyncError('EACCES', `permission denied${path}; check the owner and mode of the workspace`, { path: e.path });
    case 'ENAMETOOLONG':
      return new SkillsyncError('EPATH_TOO_LONG', `a path is too long for the file system${e.path ? ` (${String(e.path).slice(0, 120)}…)` : ''}; use a shorter workspace path or shorter names`, { path: e.path });
    default:
      return new SkillsyncError('EINTERNAL', e?.message ? String(e.message) : String(err), {});
  }
}
