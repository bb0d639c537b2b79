// Output helpers every command has. Kept apart from the config and workspace so that
// `--version`, `hash` and `merge-file` start without loading them.

export interface Globals {
  config?: string;
  workspace?: string;
  json: boolean;
  verbose: boolean;
}

export class CliOutput {
  /** Tables, colours and progress only for a person at a terminal. */
  readonly tty: boolean;

  constructor(readonly g: Globals) {
    this.tty = !g.json && process.stdout.isTTY === true;
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

  /** -v: what skillsync did on the way (which config, where it looked). */
  note(message: string): void {
    if (this.g.verbose) process.stderr.write(`skillsync: ${message}\n`);
  }

  /** Rows under a header, columns aligned, on a terminal; tab-separated rows for scripts. */
  table(header: string[], rows: string[][]): string {
    if (!this.tty) return rows.map((r) => r.join('\t')).join('\n');
    return alignTable(header, rows);
  }

  /** One progress line on stderr that rewrites itself (a terminal only). */
  progress(text: string | null): void {
    if (!this.tty || !process.stderr.isTTY) return;
    process.stderr.write(text === null ? '\r\x1b[K' : `\r\x1b[K${text}`);
  }
}

export function alignTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? '')].length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n');
}

/** "3 min ago" for a person; the exact time with its zone stays in --json (ISO, UTC). */
export function relativeTime(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  const s = Math.round((now - t) / 1000);
  if (s < 0) return 'in the future';
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 14 * 86400) return `${Math.round(s / 86400)} day${Math.round(s / 86400) > 1 ? 's' : ''} ago`;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
