// What every command gets: global options, config, logger, output helpers.
import { existsSync } from 'node:fs';
import { loadConfig, type Config } from '../config.js';
import { SkillsyncError } from '../core/errors.js';
import { stderrLogger, type Logger } from '../log.js';
import { openContext, type Ctx } from '../workspace/context.js';
import { workspacePaths } from '../workspace/layout.js';
import type { Args } from './parse.js';

import { CliOutput } from './output.js';
export type { Globals } from './output.js';

export class Cli extends CliOutput {
  private cfg?: Config;
  private logger?: Logger;

  config(): Config {
    if (!this.cfg) {
      const cfg = loadConfig({ file: this.g.config, workspace: this.g.workspace });
      const f = cfg.found!;
      if (!cfg.file && !this.g.workspace) {
        throw new SkillsyncError('ENOCONFIG', `no config file found (looked at ${f.looked.join(', ')}); pass --config <file>, set SKILLSYNC_CONFIG, or create ./skillsync.yaml`, { looked: f.looked });
      }
      this.note(cfg.file ? `config: ${cfg.file} (${describeHow(f.how)})` : `config: none found (looked at ${f.looked.join(', ')}); workspace ${cfg.workspace}`);
      this.cfg = cfg;
    }
    return this.cfg;
  }

  /** Commands log warnings (and more with -v) to stderr; the daemon installs winston. */
  log(level?: string): Logger {
    if (!this.logger) this.logger = stderrLogger(level ?? (this.g.verbose ? 'debug' : 'warn'));
    return this.logger;
  }

  setLogger(l: Logger): void {
    this.logger = l;
  }

  /** Whether the configured workspace exists (read-only commands never create one). */
  hasWorkspace(): boolean {
    return existsSync(`${workspacePaths(this.config().workspace).gitdir}/HEAD`);
  }

  /** Open the workspace; only commands that change it create it on first use. */
  ctx(create = false): Ctx {
    return openContext(this.config(), this.log(), { create });
  }

  /** For views (plugins, status): a workspace that does not exist yet reads as empty. */
  view(): Ctx {
    return openContext(this.config(), this.log(), { absent: 'ok' });
  }
}

function describeHow(how: string): string {
  return how === 'flag' ? 'from --config' : how === 'env' ? 'from SKILLSYNC_CONFIG' : 'found in a default place';
}

export type Command = (cli: Cli, args: Args) => Promise<number>;
