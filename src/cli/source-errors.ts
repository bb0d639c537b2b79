// Discovery errors of whole sources: a folder that is gone is a failure of `sync`; a
// remote that cannot be reached now is "done, but needs you" (its last good fetch is kept).
import type { DiscoveryError } from '../plugins/types.js';
import { isSourceError, isUnreachable } from '../core/states.js';

export function sourceErrors(errors: DiscoveryError[]): { all: DiscoveryError[]; failed: DiscoveryError[]; needsYou: DiscoveryError[] } {
  const all = errors.filter(isSourceError);
  const needsYou = all.filter(isUnreachable);
  return { all, failed: all.filter((e) => !needsYou.includes(e)), needsYou };
}
