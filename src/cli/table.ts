// The command table: every command's arguments, flags, summary and example in one
// place, so that parsing, `--help`, `skillsync help`, the README and shell completion
// cannot disagree.
//
// Adding a command is one entry here plus its module in ./commands/:
//   mycmd: { summary: 'one line', args: '<plugin>', min: 1, max: 1,
//            flags: { force: { type: 'boolean', desc: 'do it anyway' } },
//            example: 'skillsync mycmd writing-tools',
//            load: async () => (await import('./commands/mycmd.js')).mycmd },
// The module exports `const mycmd: Command = async (cli, args) => exitCode`, where
// `args.positionals` are checked against min/max and `args.flags` hold only declared
// flags. Set `light: true` when it needs no config or workspace (fast start), and
// `writes: true` when it changes the workspace.
import type { Command } from './context.js';

export interface FlagDef {
  type: 'boolean' | 'string';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. '<dir>'. */
  value?: string;
  desc: string;
}

export interface CommandDef {
  summary: string;
  /** Positionals as shown in the usage line, e.g. '<plugin>...'. */
  args: string;
  min: number;
  max: number;
  flags?: Record<string, FlagDef>;
  example: string;
  /** More lines for `--help`. */
  details?: string;
  light?: boolean;
  writes?: boolean;
  load: () => Promise<Command>;
}

const DRY_RUN: FlagDef = { type: 'boolean', short: 'n', desc: 'show what would change; write nothing' };
const YES: FlagDef = { type: 'boolean', short: 'y', desc: 'confirm' };

export const GLOBAL_FLAGS: Record<string, FlagDef> = {
  config: { type: 'string', value: '<file>', desc: 'config file (else SKILLSYNC_CONFIG, ./skillsync.yaml, ./config/skillsync.yaml, ~/.config/skillsync/, /etc/skillsync/)' },
  workspace: { type: 'string', value: '<dir>', desc: 'workspace directory (overrides the config)' },
  json: { type: 'boolean', desc: 'machine-readable output on stdout (errors too)' },
  verbose: { type: 'boolean', short: 'v', desc: 'say more on stderr (which config, what was looked at)' },
  help: { type: 'boolean', short: 'h', desc: 'help for skillsync or a command' },
};

export const COMMANDS: Record<string, CommandDef> = {
  init: { summary: 'create the workspace (idempotent)', args: '', min: 0, max: 0, writes: true, example: 'skillsync init', load: async () => (await import('./commands/init.js')).init },
  plugins: { summary: 'discovered and known plugins with their skills', args: '', min: 0, max: 0, example: 'skillsync plugins --json', load: async () => (await import('./commands/plugins.js')).plugins },
  enable: {
    summary: "mirror plugins' skills into the workspace (all-or-nothing per plugin)",
    args: '<plugin>...',
    min: 1,
    max: Infinity,
    writes: true,
    flags: {
      'dry-run': DRY_RUN,
      name: { type: 'string', multiple: true, value: '<skill>=<name>', desc: 'publish an upstream skill under another workspace name (colliding names)' },
    },
    example: 'skillsync enable writing-tools',
    load: async () => (await import('./commands/enable.js')).enable,
  },
  disable: {
    summary: 'remove a plugin\'s skills from skills/ (history stays; enable restores them)',
    args: '<plugin>',
    min: 1,
    max: 1,
    writes: true,
    flags: { yes: YES, 'dry-run': DRY_RUN },
    example: 'skillsync disable writing-tools --yes',
    load: async () => (await import('./commands/disable.js')).disable,
  },
  pause: { summary: 'stop taking updates for a plugin', args: '<plugin>', min: 1, max: 1, writes: true, example: 'skillsync pause writing-tools', load: async () => (await import('./commands/pause.js')).pause },
  resume: { summary: 'take updates again (and sync the plugin)', args: '<plugin>', min: 1, max: 1, writes: true, example: 'skillsync resume writing-tools', load: async () => (await import('./commands/pause.js')).resume },
  adopt: {
    summary: 'manage a skill locally from now on (its plugin stops proposing it)',
    args: '<plugin> <skill>',
    min: 2,
    max: 2,
    writes: true,
    flags: { undo: { type: 'boolean', desc: 'bind an adopted skill to its plugin again (same as unadopt)' } },
    example: 'skillsync adopt writing-tools changelog',
    load: async () => (await import('./commands/adopt.js')).adopt,
  },
  unadopt: { summary: 'bind an adopted skill to its plugin again', args: '<plugin> <skill>', min: 2, max: 2, writes: true, example: 'skillsync unadopt writing-tools changelog', load: async () => (await import('./commands/adopt.js')).unadopt },
  sync: {
    summary: 'one pass: snapshot, classify, propose',
    args: '[<plugin>...]',
    min: 0,
    max: Infinity,
    writes: true,
    flags: { 'dry-run': DRY_RUN, offline: { type: 'boolean', desc: 'never contact remote sources; use what was fetched last' } },
    example: 'skillsync sync --json',
    load: async () => (await import('./commands/sync.js')).sync,
  },
  proposals: { summary: 'open proposals with merge mode and conflicts', args: '', min: 0, max: 0, example: 'skillsync proposals', load: async () => (await import('./commands/proposals.js')).proposals },
  diff: {
    summary: "the change a proposal makes, against its merge base (git diff main...branch)",
    args: '<plugin>/<skill>',
    min: 1,
    max: 1,
    flags: { stat: { type: 'boolean', desc: 'files changed and lines added/removed only' }, 'no-color': { type: 'boolean', desc: 'no colours, even on a terminal (also NO_COLOR)' } },
    example: 'skillsync diff writing-tools/commit-message',
    load: async () => (await import('./commands/diff.js')).diff,
  },
  show: {
    summary: 'everything about a proposal: trees, conflicts, safety, what accept publishes',
    args: '<plugin>/<skill>',
    min: 1,
    max: 1,
    example: 'skillsync show writing-tools/commit-message',
    load: async () => (await import('./commands/show.js')).show,
  },
  accept: {
    summary: 'publish proposals as the next versions (several in one commit)',
    args: '<plugin>/<skill>...',
    min: 1,
    max: Infinity,
    writes: true,
    flags: { 'dry-run': DRY_RUN },
    example: 'skillsync accept writing-tools/commit-message writing-tools/changelog',
    load: async () => (await import('./commands/accept.js')).accept,
  },
  reject: {
    summary: 'drop a proposal; that upstream tree is not proposed again',
    args: '<plugin>/<skill>',
    min: 1,
    max: 1,
    writes: true,
    flags: { undo: { type: 'boolean', desc: 'forget the rejection: the next sync proposes that tree again' } },
    example: 'skillsync reject writing-tools/commit-message',
    load: async () => (await import('./commands/accept.js')).reject,
  },
  rejected: { summary: 'what was rejected (undo with reject --undo)', args: '', min: 0, max: 0, example: 'skillsync rejected', load: async () => (await import('./commands/accept.js')).rejected },
  publish: {
    summary: 'publish a folder as the next version of a skill',
    args: '<skill>',
    min: 1,
    max: 1,
    writes: true,
    flags: {
      from: { type: 'string', value: '<dir>', desc: 'the skill folder to publish (required)' },
      message: { type: 'string', short: 'm', value: '<msg>', desc: 'what changed, for the log' },
      new: { type: 'boolean', desc: 'the skill does not exist yet: create it' },
      force: { type: 'boolean', desc: "publish even if SKILL.md's name: differs from <skill>" },
    },
    example: 'skillsync publish changelog --from ./my-changelog -m "house style"',
    load: async () => (await import('./commands/publish.js')).publish,
  },
  remove: {
    summary: 'retire a locally managed skill (its history stays)',
    args: '<skill>',
    min: 1,
    max: 1,
    writes: true,
    flags: { yes: YES },
    example: 'skillsync remove my-notes --yes',
    load: async () => (await import('./commands/remove.js')).remove,
  },
  rollback: { summary: "publish an earlier version's tree as the next version", args: '<skill> <version>', min: 2, max: 2, writes: true, example: 'skillsync rollback changelog v0002', load: async () => (await import('./commands/publish.js')).rollback },
  allow: {
    summary: 'allow one safety finding for one skill at its exact current tree (recorded in main)',
    args: '<plugin>/<skill>',
    min: 1,
    max: 1,
    writes: true,
    flags: {
      finding: { type: 'string', value: '<rule-id>', desc: 'the rule to allow, e.g. destructive-command (required)' },
      message: { type: 'string', short: 'm', value: '<why>', desc: 'why this is fine, for the log' },
      tree: { type: 'string', value: '<oid>', desc: 'the skill tree to allow (default: the open proposal, else the source)' },
    },
    example: "skillsync allow dev-tools/reset --finding destructive-command -m 'resets a sandbox VM'",
    details: 'The allowance names the tree: any change to the skill makes it stop applying. `safety.block` still blocks a rule or severity globally.',
    load: async () => (await import('./commands/allow.js')).allow,
  },
  log: { summary: 'published versions, newest first', args: '[<skill>]', min: 0, max: 1, example: 'skillsync log changelog', load: async () => (await import('./commands/log.js')).log },
  status: {
    summary: 'the workspace at a glance (exit 3 when something needs you)',
    args: '',
    min: 0,
    max: 0,
    example: 'skillsync status',
    load: async () => (await import('./commands/status.js')).status,
  },
  hash: {
    summary: 'the tree oid `git add -A && git write-tree` gives for a folder',
    args: '<dir>',
    min: 1,
    max: 1,
    light: true,
    example: 'skillsync hash ./my-changelog',
    load: async () => (await import('./commands/hash.js')).hash,
  },
  'merge-file': {
    summary: "three-way text merge with git merge-file's contract (exit = number of conflicts)",
    args: '<current> <base> <other>',
    min: 3,
    max: 3,
    light: true,
    flags: {
      stdout: { type: 'boolean', short: 'p', desc: 'write the result to stdout instead of <current>' },
      quiet: { type: 'boolean', short: 'q', desc: 'no warnings about conflicts' },
      label: { type: 'string', short: 'L', multiple: true, value: '<name>', desc: 'labels for current, base and other (up to three)' },
      'marker-size': { type: 'string', value: '<n>', desc: 'conflict marker length (default 7)' },
    },
    details: 'Exit code: the number of conflicts (at most 127), 255 on error, as git merge-file.',
    example: 'skillsync merge-file -p mine.md base.md theirs.md',
    load: async () => (await import('./commands/merge-file.js')).mergeFile,
  },
  fetch: {
    summary: 'fetch remote sources now and say what changed',
    args: '[<source>...]',
    min: 0,
    max: Infinity,
    details: 'A source filter matches any part of a remote URL or plugin id. Exit 1 when a remote is unreachable.',
    example: 'skillsync fetch github.com/anthropics',
    load: async () => (await import('./commands/fetch.js')).fetch,
  },
  daemon: { summary: 'run in the foreground: watch, schedule, sync; stops on SIGTERM', args: '', min: 0, max: 0, example: 'skillsync daemon', load: async () => (await import('./commands/daemon.js')).daemon },
  completion: {
    summary: 'print a shell completion script',
    args: 'bash|zsh',
    min: 1,
    max: 1,
    light: true,
    details: 'bash: eval "$(skillsync completion bash)" in ~/.bashrc\nzsh:  eval "$(skillsync completion zsh)" in ~/.zshrc',
    example: 'skillsync completion bash > ~/.local/share/bash-completion/completions/skillsync',
    load: async () => (await import('./commands/completion.js')).completion,
  },
  help: { summary: 'help for skillsync or one command', args: '[<command>]', min: 0, max: 1, light: true, example: 'skillsync help publish', load: async () => (await import('./commands/help.js')).help },
};
