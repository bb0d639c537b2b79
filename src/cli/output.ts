// Output helpers every command has. Kept apart from the config and workspace so that
// `--version`, `hash` and `merge-file` start without loading them.

export interface Globals {
  config?: string;
  workspace?: string;
  json: boolean;
  verbose: boolean;
}

export class CliOutput {
  constructor(readonly g: Globals) {}

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
