// The workspace names discovery's skills get in this workspace: from the config, from
// `enable --name` of the running command, and from the bindings on main (a name chosen
// once is kept).
import type { Ctx } from '../workspace/context.js';
import { readMainState } from '../workspace/state.js';
import type { PluginManifest } from '../plugins/types.js';
import { lookupFrom, mapSkillNames } from './names.js';

export function withWorkspaceNames(ctx: Ctx, plugins: PluginManifest[]): PluginManifest[] {
  const bound = new Map<string, string>();
  try {
    for (const b of readMainState(ctx).bindings.values()) bound.set(`${b.plugin}\0${b.path}`, b.skill);
  } catch (err) {
    ctx.log.debug(`bindings not read for skill names: ${(err as Error).message}`);
  }
  return mapSkillNames(plugins, lookupFrom({ config: ctx.config.names ?? {}, overrides: ctx.nameOverrides ?? {}, bound }));
}
