// Errors are values people can act on: a stable `code` for programs and tests,
// a one-line message that says what happened and what to do, structured `data`,
// and a `kind` that tells a reconcile loop what to do next (Flux-style).

export type ErrorKind =
  | 'retry' // transient: try again later (lock busy, source changing, disk full)
  | 'person' // needs a human: bad input, conflict, policy block
  | 'none'; // nothing to do

export class SkillsyncError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly data: Record<string, unknown>;

  constructor(code: string, message: string, data: Record<string, unknown> = {}, kind: ErrorKind = 'person') {
    super(message);
    this.name = 'SkillsyncError';
    this.code = code;
    this.kind = kind;
    this.data = data;
  }
}

/** Usage errors (bad flags, missing arguments): the CLI exits 2 for these. */
export class UsageError extends SkillsyncError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('EUSAGE', message, data, 'person');
    this.name = 'UsageError';
  }
}

export function isSkillsyncError(err: unknown): err is SkillsyncError {
  return err instanceof SkillsyncError;
}

/** Turn any thrown value into a SkillsyncError, mapping common fs errors to actionable ones. */
export function toSkillsyncError(err: unknown): SkillsyncError {
  if (err instanceof SkillsyncError) return err;
  const e = err as NodeJS.ErrnoException;
  const path = e?.path ? ` (${e.path})` : '';
  switch (e?.code) {
    case 'ENOSPC':
      return new SkillsyncError('ENOSPC', `no space left on device${path}; free some space and run the command again, nothing was changed`, { path: e.path }, 'retry');
    case 'EDQUOT':
      return new SkillsyncError('EDQUOT', `disk quota exceeded${path}; free some space and run the command again, nothing was changed`, { path: e.path }, 'retry');
    case 'EROFS':
      return new SkillsyncError('EROFS', `the workspace is on a read-only file system${path}; remount it read-write or choose another --workspace`, { path: e.path }, 'person');
    case 'EACCES':
    case 'EPERM':
      return new SkillsyncError('EACCES', `permission denied${path}; check the owner and mode of the workspace`, { path: e.path }, 'person');
    default:
      return new SkillsyncError('EINTERNAL', e?.message ? String(e.message) : String(err), {}, 'retry');
  }
}
