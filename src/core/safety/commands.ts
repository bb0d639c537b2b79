import type { TextContext } from './context.js';
import { snippet } from './context.js';
import { isVendorInstaller } from './installers.js';
import { CHECK } from './triggers.js';

// download-exec and destructive-command. Both look at shell-ish text wherever it
// appears (scripts, Markdown code blocks, strings in Python/JS). They run only on
// files whose trigger words (./triggers.ts) were seen; every regex here contains
// one of the trigger words of its check.

function eachMatch(re: RegExp, text: string, fn: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    fn(m);
    if (m[0].length === 0) re.lastIndex++;
  }
}

// ---------------------------------------------------------------- download-exec

// Every pattern must stay linear on hostile input (a stranger's 1 MiB line):
// look-behinds and gaps are bounded, and adjacent quantifiers never overlap.

/** Something that downloads: the command name, or PowerShell's WebClient. */
const FETCH = String.raw`(?:curl|wget|fetch|iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)`;
/** An optional directory in front of a program: /usr/bin/ (segments cannot overlap). */
const DIR = String.raw`(?:\/?(?:[\w.-]{1,64}\/){1,8})?`;
/** A program that executes what it reads on stdin. */
const STDIN_EXEC = String.raw`(?:sudo[ \t]+(?:-\S+[ \t]+){0,8})?${DIR}(?:env[ \t]+(?:-\S+[ \t]+){0,8}(?:\w+=\S*[ \t]+){0,16})?${DIR}(?:(?:ba|z|da|k|fi|tc|c)?sh\b(?![ \t]+-c\b)|(?:python[\d.]*|perl|ruby|node|php|pwsh|powershell)(?=[ \t]*(?:[\r\n;&|)#'"]|$|-(?:\s|$)))|iex\b|invoke-expression\b)`;
/** What may stand between the download command and the pipe: at most 400 characters of one logical line. */
const GAP = String.raw`(?:[^\n\\]|\\\r?\n|\\){0,400}`;

/** Each pattern runs only when its check's trigger words were seen and the text has one of `needs`. */
const DOWNLOAD_EXEC: { check: number; needs: string[]; re: RegExp; what: string }[] = [
  {
    // curl -fsSL https://x | sh ; wget -qO- x | sudo bash - ; iwr x | iex
    // Found at the pipe: what follows must run stdin, what precedes must download.
    check: CHECK.DOWNLOAD,
    needs: ['|'],
    re: new RegExp(String.raw`(?<!\|)\|(?!\|)(?=[ \t]*${STDIN_EXEC})(?<=\b${FETCH}\b[ \t(]+[^\s|]${GAP}\|)`, 'gim'),
    what: 'pipes a download into an interpreter',
  },
  {
    // bash <(curl …) ; source <(wget -qO- …) ; . <(curl …)
    check: CHECK.DOWNLOAD,
    needs: ['<('],
    re: new RegExp(String.raw`<\([ \t]*(?:sudo[ \t]+)?(?:curl|wget|fetch)\b(?<=(?:\b(?:(?:ba|z|da|k)?sh|source)|(?:^|[\s;&|(])\.)[ \t]+(?:-\S+[ \t]+){0,8}<\([ \t]*(?:sudo[ \t]+)?(?:curl|wget|fetch))`, 'gim'),
    what: 'runs a download through process substitution',
  },
  {
    // eval "$(curl …)" ; bash -c "$(curl -fsSL …)" ; python3 -c "$(wget -qO- …)" ; eval `curl …`
    check: CHECK.DOWNLOAD,
    needs: ['$(', '`'],
    re: new RegExp(String.raw`(?:\$\(|\x60)[ \t]*(?:sudo[ \t]+)?(?:curl|wget|fetch)\b(?<=\b(?:eval|(?:ba|z|da|k)?sh[ \t]+-c|python[\d.]*[ \t]+-c|(?:perl|ruby|node)[ \t]+-e)[ \t]+["']?(?:\$\(|\x60)[ \t]*(?:sudo[ \t]+)?(?:curl|wget|fetch))`, 'gim'),
    what: 'evaluates the output of a download',
  },
  {
    // iex (iwr …) ; iex ((New-Object Net.WebClient).DownloadString('…')) ; Invoke-Expression (irm …)
    check: CHECK.DOWNLOAD_IEX,
    needs: ['('],
    re: /\b(?:iex|invoke-expression)\b[ \t]*(?:\([ \t]*)+(?:iwr|irm|invoke-webrequest|invoke-restmethod|new-object[ \t]+(?:system\.)?net\.webclient)\b/gim,
    what: 'evaluates the output of a download',
  },
];

/** curl/wget with an output file: -o FILE, -sSLo FILE, -O FILE, --output FILE, --output-document=FILE. */
const DOWNLOAD_TO_FILE = /\b(?:curl|wget)\b/gi;
const OUTPUT_OPTION = /[ \t](?:-[A-Za-z]{0,8}[oO]|--output|--output-document)(?:[ \t]+|=)["']?([\w.~$/{}-]{1,200})/y;

/**
 * curl -o x.sh URL && sh x.sh ; wget -O f URL; chmod +x f && ./f — the same file
 * downloaded and then run (sh/bash/source/. f, chmod +x f, ./f) later on the line.
 * Written as code rather than one regex: a regex with three lazy gaps and a
 * back-reference is exponential on hostile input.
 */
function scanDownloadThenRun(ctx: TextContext): void {
  const text = ctx.text;
  const re = DOWNLOAD_TO_FILE;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    let end = text.indexOf('\n', m.index);
    if (end === -1) end = text.length;
    const line = text.slice(m.index, Math.min(end, m.index + 600));
    // The download command ends at the first separator.
    const sep = line.search(/&&|;|\|\|/);
    if (sep === -1) continue;
    const command = line.slice(0, sep);
    let file: string | undefined;
    for (let i = command.indexOf(' ', 0); i !== -1 && file === undefined; i = command.indexOf(' ', i + 1)) {
      OUTPUT_OPTION.lastIndex = i;
      const o = OUTPUT_OPTION.exec(command);
      if (o && o[1] !== '-') file = o[1].replace(/^\.\//, '');
    }
    if (file === undefined) continue;
    const rest = line.slice(sep);
    const f = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const run = new RegExp(
      String.raw`(?:\b(?:(?:ba|z|da|k)?sh|source)[ \t]+|\bchmod[ \t]+(?:[ugoa]*\+[rw]*x\w*|[0-7]{0,1}[0-7]{0,1}[1357][0-7]{0,2})[ \t]+|(?:^|[\s;&|])\.[ \t]+|(?:^|[\s;&|]))["']?(?:\.\/)?${f}(?![\w.-])`,
    );
    const r = run.exec(rest);
    // A bare mention only counts as running it when written ./file.
    if (r && (/(?:sh|source|chmod|\.)[ \t]/.test(r[0]) || /\.\/\S/.test(r[0]))) {
      reportDownload(ctx, m.index, line, `downloads a file and runs it: ${snippet(line)}`);
    }
  }
}

/** The download command a match belongs to: before a pipe, after the start of the other forms. */
function downloadCommand(text: string, at: number): string {
  if (text[at] !== '|') return text.slice(at, Math.min(text.length, at + 600)).split('\n')[0];
  const before = text.slice(Math.max(0, at - 600), at);
  const last = [...before.matchAll(/\b(?:curl|wget|fetch|iwr|irm|invoke-webrequest|invoke-restmethod|downloadstring)\b/gi)].pop();
  return last ? before.slice(last.index) : before;
}

/** Weak form: a vendor's documented installer over HTTPS, or a quoted/mentioned command. */
function reportDownload(ctx: TextContext, at: number, command: string, message: string): void {
  const vendor = isVendorInstaller(command);
  ctx.report('download-exec', at, vendor ? `${message} (vendor installer)` : message, vendor || ctx.isMention(at));
}

export function scanDownloadExec(ctx: TextContext, checks: number): void {
  const text = ctx.text;
  for (const { check, needs, re, what } of DOWNLOAD_EXEC) {
    if (!(checks & check) || !needs.some((n) => text.includes(n))) continue;
    eachMatch(re, text, (m) => reportDownload(ctx, m.index, downloadCommand(text, m.index), `${what}: ${snippet(ctx.excerpt(m.index, 100))}`));
  }
  if (checks & CHECK.DOWNLOAD && (text.includes('&&') || text.includes(';'))) scanDownloadThenRun(ctx);
}

// ---------------------------------------------------------- destructive-command

/** A disk device (not /dev/null, /dev/zero, /dev/tty…). */
const DISK = String.raw`\/dev\/(?:[shv]d[a-z]|xvd[a-z]|nvme\d|mmcblk\d|r?disk\d|md\d|dm-\d|mapper\/|disk\/by-|sr\d)[\w./-]*`;

/** / and the top-level system directories (also as dir/ and dir/*), and Windows drive roots. */
const SYSTEM_TARGET =
  /^(?:\/+\.?\*?|\/(?:bin|boot|dev|etc|home|lib|lib32|lib64|opt|proc|root|sbin|srv|sys|usr|var|Users|System|Library|Applications)\/?\*?|[A-Za-z]:[\\/]?\*?|\$env:(?:SystemDrive|SystemRoot|windir)[\\/]?\*?)$/i;
/** The home directory. */
const HOME_TARGET = /^(?:~\/?\*?|\$\{?HOME\}?\/?\*?|\$env:(?:USERPROFILE|HOME)[\\/]?\*?)$/i;

/** "$DIR"/ or $DIR/* : removes from / when DIR is empty (ShellCheck SC2115). */
const EMPTY_VAR_ROOT = /^\$\{?(?!HOME\b)[A-Za-z_][A-Za-z0-9_]*\}?\/\*?$/;

// A command word counts in command position: at the start of a line or after
// whitespace, ; & | ( ` ' " { / or \ (so also after sudo, xargs, $(, inside quotes,
// as /bin/rm and as \rm).
// The literal comes first and the position is checked by a lookbehind right after
// it, so "perform -x" costs nothing and never swallows a real command after it.

/** rm/chmod/chown/chgrp and their arguments up to the end of the command. */
const POSIX_CMD = /(rm|chmod|chown|chgrp)(?<=(?:^|[\s;&|(`'"{/\\])(?:rm|chmod|chown|chgrp))[ \t]+([^\r\n;&|`)]*)/gm;
/** cmd.exe / PowerShell deletes. */
const WIN_CMD = /(rd|rmdir|remove-item|del|erase|ri|rm)(?<=(?:^|[\s;&|(`'"{])(?:rd|rmdir|remove-item|del|erase|ri|rm))[ \t]+([^\r\n;&|`)]*)/gim;

const DISK_PATTERNS: { re: RegExp; what: string }[] = [
  { re: new RegExp(String.raw`\b(?:mkfs(?:\.\w+)?|mke2fs|mkswap|wipefs|blkdiscard|shred)\b[^\n;&|]{0,200}?${DISK}`, 'gm'), what: 'formats or wipes a disk' },
  { re: new RegExp(String.raw`\bdd\b[^\n;&|]{0,200}?\bof=["']?${DISK}`, 'gm'), what: 'writes raw data over a disk' },
  { re: new RegExp(String.raw`>[ \t]*["']?${DISK}`, 'gm'), what: 'redirects output over a disk' },
];
/** mkfs "$DEV": the device is only known at run time. */
const MKFS_VARIABLE = /\b(?:mkfs(?:\.\w+)?|mke2fs|wipefs|blkdiscard)\b[^\n;&|]{0,200}?[ \t]["']?\$\{?[A-Za-z_]/g;
/** :(){ :|:& };:  and  bomb() { bomb | bomb & }; bomb  — found at "()", the name checked before it. */
const FORK_BOMB = /\(\)[ \t]*\{\s*([\w:.-]{1,64})[ \t]*\|[ \t]*\1[ \t]*&\s*(?:;\s*)?\}[ \t]*(?:;[ \t]*)?\1/g;
const BATCH_FORK_BOMB = /%0[ \t]*\|[ \t]*%0/g;
const RMTREE =
  /\brmtree\(\s*(?:r?["'](?:\/|~|\/(?:home|usr|etc|var)|[A-Za-z]:\\{1,2})["']|os\.path\.expanduser\(\s*["']~["']\s*\)|Path\.home\(\)|os\.environ\[["']HOME["']\]|os\.getenv\(["']HOME["']\))\s*[,)]/g;

interface Args {
  recursive: boolean;
  noPreserveRoot: boolean;
  targets: string[];
}

function parsePosixArgs(args: string): Args {
  const out: Args = { recursive: false, noPreserveRoot: false, targets: [] };
  let optionsDone = false;
  for (const raw of args.split(/[ \t]+/)) {
    if (!raw || raw === '\\') continue;
    if (raw.startsWith('#')) break;
    const t = raw.replace(/["']/g, '');
    if (!optionsDone && t === '--') optionsDone = true;
    else if (!optionsDone && t.startsWith('--')) {
      if (t === '--recursive') out.recursive = true;
      if (t === '--no-preserve-root') out.noPreserveRoot = true;
    } else if (!optionsDone && /^-[A-Za-z]+$/.test(t)) {
      if (/[rR]/.test(t)) out.recursive = true;
    } else out.targets.push(t);
  }
  return out;
}

function parseWindowsArgs(args: string): Args {
  const out: Args = { recursive: false, noPreserveRoot: false, targets: [] };
  for (const raw of args.split(/[ \t]+/)) {
    if (!raw) continue;
    if (raw.startsWith('#')) break;
    const t = raw.replace(/["']/g, '');
    if (/^\/s$/i.test(t) || /^-r(?:e(?:c(?:u(?:r(?:se?)?)?)?)?)?$/i.test(t)) out.recursive = true;
    else if (!/^[/-]/.test(t)) out.targets.push(t);
  }
  return out;
}


export function scanDestructive(ctx: TextContext, checks: number): void {
  const text = ctx.text;
  // 'weak' is the variable-root form; a quoted or mentioned command is weak too.
  const report = (at: number, form: 'strong' | 'weak', message: string) =>
    ctx.report('destructive-command', at, message, form === 'weak' || ctx.isMention(at));

  if (checks & CHECK.RM) {
    eachMatch(POSIX_CMD, text, (m) => {
      const at = m.index;
      const cmd = m[1];
      const args = parsePosixArgs(m[2]);
      if (!args.recursive && !args.noPreserveRoot) return;
      const shown = snippet(m[0]);
      if (cmd === 'rm' && args.noPreserveRoot) return report(at, 'strong', `rm --no-preserve-root: ${shown}`);
      if (!args.recursive) return;
      const root = args.targets.find((t) => SYSTEM_TARGET.test(t) || (cmd === 'rm' && HOME_TARGET.test(t)));
      if (root !== undefined) {
        return report(at, 'strong', `${cmd === 'rm' ? 'recursively deletes' : `recursively ${cmd}s`} ${root}: ${shown}`);
      }
      const v = cmd === 'rm' ? args.targets.find((t) => EMPTY_VAR_ROOT.test(t)) : undefined;
      if (v !== undefined) {
        const name = /\w+/.exec(v)![0];
        report(at, 'weak', `${shown} deletes from / when ${name} is empty; write "\${${name}:?}"/`);
      }
    });
  }
  if (checks & CHECK.WIN_DELETE) {
    eachMatch(WIN_CMD, text, (m) => {
      const args = parseWindowsArgs(m[2]);
      const root = args.targets.find((t) => !t.startsWith('/') && (SYSTEM_TARGET.test(t) || HOME_TARGET.test(t)));
      if (args.recursive && root !== undefined) report(m.index, 'strong', `recursively deletes ${root}: ${snippet(m[0])}`);
    });
  }
  if (checks & CHECK.DISK) {
    for (const { re, what } of DISK_PATTERNS) eachMatch(re, text, (m) => report(m.index, 'strong', `${what}: ${snippet(m[0])}`));
  }
  if (checks & CHECK.MKFS) {
    eachMatch(MKFS_VARIABLE, text, (m) => report(m.index, 'strong', `formats the device in a variable: ${snippet(m[0])}`));
  }
  if (checks & CHECK.FORK_BOMB) {
    eachMatch(FORK_BOMB, text, (m) => {
      const name = m[1];
      const before = text.slice(Math.max(0, m.index - name.length - 2), m.index).trimEnd();
      if (before.endsWith(name)) report(m.index, 'strong', `fork bomb: ${snippet(name + m[0])}`);
    });
    eachMatch(BATCH_FORK_BOMB, text, (m) => report(m.index, 'strong', `fork bomb: ${snippet(m[0])}`));
  }
  if (checks & CHECK.RMTREE) {
    eachMatch(RMTREE, text, (m) => report(m.index, 'strong', `recursively deletes / or the home directory: ${snippet(m[0])}`));
  }
}
