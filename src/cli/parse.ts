// Argument parsing with node's util.parseArgs (no dependency): the command is the first
// positional; global options are accepted before or after it; every other flag must be
// declared by the command, so a typo is a usage error (exit 2), never ignored.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.js';
import { COMMANDS, GLOBAL_FLAGS, type CommandDef, type FlagDef } from './table.js';

export type FlagValue = string | string[] | boolean | undefined;

export interface Args {
  positionals: string[];
  flags: Record<string, FlagValue>;
}

export interface Invocation extends Args {
  name: string | null;
  cmd: CommandDef | null;
  version: boolean;
}

type Options = NonNullable<ParseArgsConfig['options']>;

function toOptions(flags: Record<string, FlagDef>): Options {
  const o: Options = {};
  for (const [k, f] of Object.entries(flags)) o[k] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  return o;
}

const TOP_FLAGS: Record<string, FlagDef> = { ...GLOBAL_FLAGS, version: { type: 'boolean', short: 'V', desc: 'print the version' } };

/** `skillsync <name> <args>` with its flags, for usage lines. */
export function synopsis(name: string | null): string {
  if (!name || !COMMANDS[name]) return 'skillsync [--config <file>] [--workspace <dir>] [--json] [-v] <command> [args]';
  const c = COMMANDS[name];
  const flags = Object.entries(c.flags ?? {}).map(([k, f]) => `[--${k}${f.type === 'string' ? ' ' + (f.value ?? '<value>') : ''}]`);
  return ['skillsync', name, ...flags, c.args].filter(Boolean).join(' ');
}

/** Problems with options name the option first; missing arguments show the synopsis first. */
function usage(problem: string, name: string | null, synopsisFirst = false): UsageError {
  const hint = name ? `'skillsync help ${name}'` : `'skillsync --help'`;
  const text = synopsisFirst ? `${synopsis(name)} (${problem}; see ${hint})` : `${problem}; ${synopsis(name)} (see ${hint})`;
  return new UsageError(`usage: ${text}`, { command: name, problem });
}

/** Read tokens against declared flags; fills `flags`, returns positionals. */
function take(argv: string[], flags: Record<string, FlagDef>, into: Record<string, FlagValue>, name: string | null, stopAtPositional: boolean): { positionals: string[]; rest: number } {
  const { tokens } = parseArgs({ args: argv, options: toOptions(flags), strict: false, allowPositionals: true, tokens: true });
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'option-terminator') {
      if (stopAtPositional) return { positionals, rest: t.index };
      positionals.push(...argv.slice(t.index + 1));
      break;
    }
    if (t.kind === 'positional') {
      if (stopAtPositional) return { positionals, rest: t.index };
      positionals.push(t.value);
      continue;
    }
    const def = flags[t.name];
    const where = name ? ` for '${name}'` : '';
    if (!def) throw usage(`unknown option ${t.rawName}${where}`, name);
    if (def.type === 'boolean') {
      if (t.inlineValue) throw usage(`option ${t.rawName} takes no value`, name);
      into[t.name] = true;
      continue;
    }
    // A value that looks like an option means the value was left out (`--from --json`).
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('-') && t.value !== '-')) {
      throw usage(`option ${t.rawName} needs a value ${def.value ?? ''}`.trimEnd(), name);
    }
    if (def.multiple) into[t.name] = [...((into[t.name] as string[] | undefined) ?? []), t.value];
    else into[t.name] = t.value;
  }
  return { positionals, rest: argv.length };
}

export function parseInvocation(argv: string[]): Invocation {
  const flags: Record<string, FlagValue> = {};
  const head = take(argv, TOP_FLAGS, flags, null, true);
  const version = flags.version === true;
  delete flags.version;
  if (head.rest >= argv.length) {
    if (version || flags.help) return { name: null, cmd: null, positionals: [], flags, version };
    // `skillsync --config plugins`: the option took the command as its value.
    for (const k of ['config', 'workspace']) {
      const v = flags[k];
      if (typeof v === 'string' && COMMANDS[v]) throw usage(`option --${k} needs a value (it took '${v}', a command)`, null);
    }
    throw usage('no command given', null);
  }
  let at = head.rest;
  if (argv[at] === '--') at++;
  const name = argv[at];
  const cmd = COMMANDS[name] ?? null;
  if (!cmd) {
    const near = Object.keys(COMMANDS).filter((k) => k.startsWith(name.slice(0, 3)));
    throw usage(`unknown command '${name}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`, null);
  }
  const rest = take(argv.slice(at + 1), { ...GLOBAL_FLAGS, ...cmd.flags }, flags, name, false);
  if (!flags.help) {
    const n = rest.positionals.length;
    if (n < cmd.min) throw usage(`missing ${cmd.args.split(' ')[n] ?? 'argument'}`, name, true);
    if (n > cmd.max) throw usage(`unexpected argument '${rest.positionals[cmd.max]}'`, name, true);
  }
  return { name, cmd, positionals: rest.positionals, flags, version };
}
