// The refs a sync pass looks at, read once per pass (a readdir walk plus packed-refs)
// instead of one open() per skill per namespace.
import { listRefs } from '../git/refs.js';
import type { Ctx } from './context.js';
import { REF_NAMESPACES, upstreamPrefix } from './layout.js';

export class RefIndex {
  readonly proposals: Map<string, string>;
  readonly rejected: Map<string, string>;
  private readonly upstream = new Map<string, Map<string, string>>();

  constructor(private readonly ctx: Ctx) {
    this.proposals = listRefs(ctx.refs, REF_NAMESPACES.proposals);
    this.rejected = listRefs(ctx.refs, REF_NAMESPACES.rejected);
  }

  /** The upstream observations of one plugin. */
  upstreamOf(plugin: string): Map<string, string> {
    let m = this.upstream.get(plugin);
    if (!m) {
      m = listRefs(this.ctx.refs, upstreamPrefix(plugin));
      this.upstream.set(plugin, m);
    }
    return m;
  }
}
