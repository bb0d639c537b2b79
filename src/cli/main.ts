// skillsync CLI: parse, dispatch, and the error contract — one line
// `skillsync: <message>` on stderr (and {"error": {code, message}} on stdout with
// --json), exit 1 for errors, 2 for usage errors, no stack trace.
import { readFileSync } from 'node:fs';
import { UsageError, isSkillsyncError, toSkillsyncError } from '../core/errors.js';
import type { Cli, Globals } from './context.js';
import { CliOutput } from './output.js';
import { parseInvocation } from './parse.js';

export const EXIT = { ok: 0, error: 1, usage: 2, attention: 3 } as const;

function version(): string {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** --json anywhere on the line, even when parsing fails, so that errors come out as JSON. */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

export async function main(argv: string[]): Promise<number> {
  const g: Globals = { json: wantsJson(argv), verbose: false };
  try {
    const inv = parseInvocation(argv);
    g.json = inv.flags.json === true;
    g.verbose = inv.flags.verbose === true;
    if (typeof inv.flags.config === 'string') g.config = inv.flags.config;
    if (typeof inv.flags.workspace === 'string') g.workspace = inv.flags.workspace;
    const o = new CliOutput(g);
    if (inv.version) {
      o.emit({ version: version() }, () => `skillsync ${version()}`);
      return EXIT.ok;
    }
    if (!inv.cmd || inv.flags.help) {
      const { commandHelp, topHelp } = await import('./help.js');
      const text = inv.name ? commandHelp(inv.name) : topHelp();
      o.emit({ command: inv.name, help: text }, () => text);
      return EXIT.ok;
    }
    // hash, merge-file, help and completion need no config or workspace: skip loading them.
    const cli = inv.cmd.light ? (o as Cli) : new (await import('./context.js')).Cli(g);
    return await (await inv.cmd.load())(cli, { positionals: inv.positionals, flags: inv.flags });
  } catch (err) {
    const e = toSkillsyncError(err);
    if (process.env.SKILLSYNC_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    // One line, and nothing a terminal acts on: a name that reached a message raw (a file
    // name with a newline or escape codes) is shown escaped.
    process.stderr.write(`skillsync: ${terminalSafe(e.message)}\n`);
    if (!isSkillsyncError(err) && e.code === 'EINTERNAL' && !process.env.SKILLSYNC_DEBUG) {
      process.stderr.write('skillsync: (this is a bug; rerun with SKILLSYNC_DEBUG=1 for details)\n');
    }
    if (g.json) process.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message } }) + '\n');
    return e instanceof UsageError ? EXIT.usage : EXIT.error;
  }
}

/** Control characters (newlines, ESC, C1) as visible escapes. */
export function terminalSafe(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
