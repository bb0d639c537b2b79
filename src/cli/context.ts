// What every command gets: global options, config, logger, output helpers.
import { loadConfig, type Config } from '../config.js';
import { stderrLogger, type Logger } from '../log.js';
import { openContext, type Ctx } from '../workspace/context.js';

import { CliOutput, type Globals } from './output.js';
export type { Globals } from './output.js';

export class Cli extends CliOutput {
  private cfg?: Config;
  private logger?: Logger;

  config(): Config {
    if (!this.cfg) {
      const file = this.g.config ?? process.env.SKILLSYNC_CONFIG;
      this.cfg = loadConfig({ file, explicit: file !== undefined, workspace: this.g.workspace });
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

  /** Open the workspace; mutating commands create it on first use. */
  ctx(create = false): Ctx {
    return openContext(this.config(), this.log(), { create });
  }
}

export type Command = (cli: Cli, argv: string[]) => Promise<number>;
