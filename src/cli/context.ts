// What every command gets: global options, config, logger, output helpers.
import { loadConfig, type Config } from '../config.js';
import { stderrLogger, type Logger } from '../log.js';
import { openContext, type Ctx } from '../workspace/context.js';

export interface Globals {
  config?: string;
  workspace?: string;
  json: boolean;
  verbose: boolean;
}

export class Cli {
  private cfg?: Config;
  private logger?: Logger;

  constructor(readonly g: Globals) {}

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

  out(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n');
  }

  /** JSON on --json, else the text rendering. */
  emit(value: unknown, text: () => string): void {
    if (this.g.json) this.out(JSON.stringify(value, null, 2));
    else {
      const t = text();
      if (t) this.out(t);
    }
  }

  warn(message: string): void {
    process.stderr.write(`skillsync: warning: ${message}\n`);
  }
}

export type Command = (cli: Cli, argv: string[]) => Promise<number>;
