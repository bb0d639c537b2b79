// The refs a sync pass looks at, read once per pass (a readdir walk plus packed-refs)
// instead of one open() per skill per namespace.
import { listRefs } from '../git/refs.js';
import type { Ctx } from './context.js';
import { REF_NAMESPACES, upstreamPrefix } from './layout.js';

export class RefIndex {
  readonly proposals: Map<string, string>;
  readonly rejected: Map<string, string>;
  private readonly upstream = new Map<string, Map<string, string>>();
  private proposalsByPlugin: Map<string, string[]> | null = null;

  constructor(private readonly ctx: Ctx) {
    this.proposals = listRefs(ctx.refs, REF_NAMESPACES.proposals);
    this.rejected = listRefs(ctx.refs, REF_NAMESPACES.rejected);
  }

  /** What follows `proposals/<plugin>/` in each proposal ref of one plugin (ids have no '/': the first component is the plugin). */
  proposalSkillsOf(plugin: string): readonly string[] {
    if (!this.proposalsByPlugin) {
      const by = new Map<string, string[]>();
      const ns = REF_NAMESPACES.proposals;
      for (const ref of this.proposals.keys()) {
        const cut = ref.indexOf('/', ns.length);
        if (!ref.startsWith(ns) || cut <= ns.length) continue;
        const id = ref.slice(ns.length, cut);
        const list = by.get(id);
        if (list) list.push(ref.slice(cut + 1));
        else by.set(id, [ref.slice(cut + 1)]);
      }
      this.proposalsByPlugin = by;
    }
    return this.proposalsByPlugin.get(plugin) ?? [];
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
