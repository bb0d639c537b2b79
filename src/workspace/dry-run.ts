// --dry-run: a command builds its whole transaction as usual, but against an object
// store that keeps new objects in memory, and `mutate` skips applying it. Nothing
// reaches the repository (no objects, no refs) and the live view is not touched.
import { ObjectStore } from '../git/objects.js';
import { hashObject, type ObjectType } from '../git/hash.js';
import type { Ctx } from './context.js';
import { StateCache } from './state.js';

export class OverlayStore extends ObjectStore {
  private readonly mem = new Map<string, { type: ObjectType; body: Buffer }>();

  override read(oid: string): { type: ObjectType; body: Buffer } {
    return this.mem.get(oid) ?? super.read(oid);
  }

  override has(oid: string): boolean {
    return this.mem.has(oid) || super.has(oid);
  }

  override write(type: ObjectType, body: Buffer): string {
    const oid = hashObject(type, body);
    if (!this.mem.has(oid)) this.mem.set(oid, { type, body });
    return oid;
  }

  override batch<T>(fn: () => T): T {
    return fn();
  }

  override flush(): void {
    /* never: the overlay is dropped with the command */
  }

  /** Objects the real command would have written (some may already exist). */
  get size(): number {
    return this.mem.size;
  }
}

/** The same workspace, opened for a dry run: its own discovery result and state caches (derived data only). */
export function dryRunContext(ctx: Ctx): Ctx {
  return { ...ctx, store: new OverlayStore(ctx.paths.gitdir), dryRun: true, discovery: ctx.discovery.fork(), stateCache: new StateCache() };
}
