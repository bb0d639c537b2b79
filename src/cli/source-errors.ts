// Discovery errors of whole sources (not one broken plugin): a folder that is gone is a
// failure; a remote that cannot be reached now is "done, but needs you" (its last good
// fetch is kept).
import type { DiscoveryError } from '../plugins/types.js';

export function sourceErrors(errors: DiscoveryError[]): { all: DiscoveryError[]; failed: DiscoveryError[]; needsYou: DiscoveryError[] } {
  const all = errors.filter((e) => !e.pluginId);
  const needsYou = all.filter((e) => /UNREACHABLE|FETCH/.test(e.code));
  return { all, failed: all.filter((e) => !needsYou.includes(e)), needsYou };
}
