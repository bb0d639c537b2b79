// What one workspace context remembers of discovery: the last result, kept until
// invalidate() (a command that must see the sources as they are now calls it first),
// and the per-file cache that makes discovering again cheap (cache/discovery.json).
import type { DiscoveryCache } from '../plugins/discovery-cache.js';
import type { DiscoveryResult } from '../plugins/types.js';

export class DiscoveryMemo {
  private result: DiscoveryResult | undefined;
  /** The per-file cache, and whether the file holds it (loaded on first discovery). */
  files: { cache: DiscoveryCache; saved: boolean } | undefined;

  /** The result kept, if any. */
  get current(): DiscoveryResult | undefined {
    return this.result;
  }

  /** Forget the result: the next discover() reads the sources again. */
  invalidate(): void {
    this.result = undefined;
  }

  /** Keep this result until invalidated. */
  keep(result: DiscoveryResult): DiscoveryResult {
    this.result = result;
    return result;
  }

  /** No result, the same per-file cache (a dry run of the same workspace). */
  fork(): DiscoveryMemo {
    const m = new DiscoveryMemo();
    m.files = this.files;
    return m;
  }
}
