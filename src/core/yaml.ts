// The `yaml` package (CommonJS, ~90 files) loaded on first use: a command whose config
// comes from the config cache and whose SKILL.md findings are cached never parses YAML,
// and loading it costs 40-120 ms of every start.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let mod: typeof Yaml | null = null;

/** The yaml module (a module memo, like node's own require cache: it holds no data). */
export function yaml(): typeof Yaml {
  return (mod ??= createRequire(import.meta.url)('yaml') as typeof Yaml);
}
