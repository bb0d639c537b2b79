// `enable --name <skill>=<workspace-name>` (or `<plugin>/<skill>=<name>` when several
// plugins are enabled at once): the same choice as `names:` in the config.
import { UsageError } from '../core/errors.js';
import { unsafeNameReason } from '../core/names.js';

export function parseNameFlags(values: string[], plugins: string[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const v of values) {
    const m = /^(?:([^/=]+)\/)?([^/=]+)=(.+)$/.exec(v);
    if (!m) throw new UsageError(`--name ${v}: expected <skill>=<workspace-name>, e.g. --name configure=telegram-configure`);
    const [, plugin, skill, name] = m;
    const why = unsafeNameReason(name);
    if (why) throw new UsageError(`--name ${v}: '${name}' is not a skill name: ${why}`);
    const to = plugin ? [plugin] : plugins;
    if (plugin && !plugins.includes(plugin)) throw new UsageError(`--name ${v}: plugin ${plugin} is not among the plugins being enabled`);
    for (const id of to) (out[id] ??= {})[skill] = name;
  }
  return out;
}
