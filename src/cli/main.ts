// skillsync CLI: global options, dispatch, and the error contract — one line
// `skillsync: <message>` on stderr, exit 1 (2 for usage errors), no stack trace.
import { readFileSync } from 'node:fs';
import { UsageError, isSkillsyncError, toSkillsyncError } from '../core/errors.js';
import type { Cli, Command, Globals } from './context.js';
import { CliOutput } from './output.js';
// Commands load lazily: `skillsync hash` should not pay for the daemon's imports.
type Loader = () => Promise<Command>;
const COMMANDS: Record<string, [Loader, string]> = {
  init: [async () => (await import('./commands/init.js')).init, 'create the workspace (idempotent)'],
  plugins: [async () => (await import('./commands/plugins.js')).plugins, 'list discovered and known plugins with their skills'],
  enable: [async () => (await import('./commands/enable.js')).enable, "enable <plugin>...: mirror a plugin's skills into the workspace"],
  disable: [async () => (await import('./commands/disable.js')).disable, 'disable <plugin> --yes: remove its skills from skills/'],
  pause: [async () => (await import('./commands/pause.js')).pause, 'pause <plugin>: stop taking updates'],
  resume: [async () => (await import('./commands/pause.js')).resume, 'resume <plugin>: take updates again (and sync)'],
  adopt: [async () => (await import('./commands/adopt.js')).adopt, 'adopt <plugin> <skill>: manage the skill locally from now on'],
  sync: [async () => (await import('./commands/sync.js')).sync, 'sync [<plugin>...]: one sync pass; updates become proposals'],
  proposals: [async () => (await import('./commands/proposals.js')).proposals, 'list open proposals'],
  accept: [async () => (await import('./commands/accept.js')).accept, 'accept <plugin>/<skill>: publish a proposal'],
  reject: [async () => (await import('./commands/accept.js')).reject, 'reject <plugin>/<skill>: drop a proposal'],
  publish: [async () => (await import('./commands/publish.js')).publish, 'publish <skill> --from <dir> [-m <msg>]: publish a local edit'],
  rollback: [async () => (await import('./commands/publish.js')).rollback, "rollback <skill> <version>: publish an earlier version again"],
  allow: [async () => (await import('./commands/allow.js')).allow, 'allow <plugin>/<skill> --finding <rule> [-m <why>]: allow one safety finding at this exact tree'],
  log: [async () => (await import('./commands/log.js')).log, 'log [<skill>]: published versions, newest first'],
  status: [async () => (await import('./commands/status.js')).status, 'the workspace at a glance'],
  hash: [async () => (await import('./commands/hash.js')).hash, 'hash <dir>: the git tree oid of a directory'],
  'merge-file': [async () => (await import('./commands/merge-file.js')).mergeFile, 'merge-file [-p] [-L ...] <current> <base> <other>: three-way text merge'],
  daemon: [async () => (await import('./commands/daemon.js')).daemon, 'run in the foreground: watch, schedule, sync'],
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return [
    'usage: skillsync [--config <file>] [--workspace <dir>] [--json] <command> [args]',
    '',
    'Git-native sync of agent skills: plugins are mirrored into a workspace git repository,',
    'upstream updates become proposal branches with a real three-way merge.',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([k, [, d]]) => `  ${k.padEnd(width)}  ${d}`),
    '',
    'options:',
    '  --config <file>     config file (default config/skillsync.yaml, env SKILLSYNC_CONFIG)',
    '  --workspace <dir>   workspace directory (overrides the config)',
    '  --json              machine-readable output on stdout',
    '  -v, --verbose       log more to stderr',
  ].join('\n');
}

function version(): string {
  try {
    return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
  const g: Globals = { json: false, verbose: false };
  let i = 0;
  try {
    for (; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--json') g.json = true;
      else if (a === '-v' || a === '--verbose') g.verbose = true;
      else if (a === '--config' || a === '--workspace') {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`option ${a} needs a value`);
        g[a.slice(2) as 'config' | 'workspace'] = v;
      } else if (a.startsWith('--config=')) g.config = a.slice(9);
      else if (a.startsWith('--workspace=')) g.workspace = a.slice(12);
      else if (a === '-h' || a === '--help' || a === 'help') {
        process.stdout.write(help() + '\n');
        return 0;
      } else if (a === '--version' || a === '-V') {
        process.stdout.write(`skillsync ${version()}\n`);
        return 0;
      } else break;
    }
    const name = argv[i];
    if (!name) {
      process.stderr.write(help() + '\n');
      return 2;
    }
    const cmd = COMMANDS[name];
    if (!cmd) throw new UsageError(`unknown command '${name}'; run 'skillsync --help'`);
    // Global options may also follow the command name.
    const rest: string[] = [];
    for (let j = i + 1; j < argv.length; j++) {
      const a = argv[j];
      if (a === '--json') g.json = true;
      else if (a === '-v' || a === '--verbose') g.verbose = true;
      else if ((a === '--config' || a === '--workspace') && j + 1 < argv.length) g[a.slice(2) as 'config' | 'workspace'] = argv[++j];
      else if (a === '--help' || a === '-h') {
        process.stdout.write(`skillsync ${name}: ${cmd[1]}\n`);
        return 0;
      } else rest.push(a);
    }
    // hash and merge-file need no config or workspace: skip loading them.
    const light = name === 'hash' || name === 'merge-file';
    const cli = light ? (new CliOutput(g) as Cli) : new (await import('./context.js')).Cli(g);
    return await (await cmd[0]())(cli, rest);
  } catch (err) {
    const e = toSkillsyncError(err);
    if (process.env.SKILLSYNC_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.stderr.write(`skillsync: ${e.message}\n`);
    if (!isSkillsyncError(err) && e.code === 'EINTERNAL' && !process.env.SKILLSYNC_DEBUG) {
      process.stderr.write('skillsync: (this is a bug; rerun with SKILLSYNC_DEBUG=1 for details)\n');
    }
    return e instanceof UsageError ? 2 : 1;
  }
}
