// Rendering a list of file changes the way `git diff` and `git diff --stat` print them.
import type { FileChange } from '../workspace/proposal-diff.js';
import { quotePath } from '../core/trailers.js';

const Z = '0000000';
const short = (oid: string | null) => (oid ? oid.slice(0, 7) : Z);

export function renderPatch(files: FileChange[], color: boolean): string {
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[m` : s);
  const out: string[] = [];
  for (const f of files) {
    // Quoted as git quotes them: a file name never reaches the terminal raw.
    const a = quotePath(`a/${f.path}`);
    const b = quotePath(`b/${f.path}`);
    const head = [`diff --git ${a} ${b}`];
    if (f.status === 'added') head.push(`new file mode ${f.newMode}`, `index ${Z}..${short(f.newOid)}`);
    else if (f.status === 'deleted') head.push(`deleted file mode ${f.oldMode}`, `index ${short(f.oldOid)}..${Z}`);
    else {
      if (f.oldMode !== f.newMode) head.push(`old mode ${f.oldMode}`, `new mode ${f.newMode}`);
      if (f.status === 'modified') head.push(`index ${short(f.oldOid)}..${short(f.newOid)}${f.oldMode === f.newMode ? ' ' + f.newMode : ''}`);
    }
    const from = f.status === 'added' ? '/dev/null' : a;
    const to = f.status === 'deleted' ? '/dev/null' : b;
    if (f.binary) head.push(`Binary files ${from} and ${to} differ`);
    else if (f.hunks.length) head.push(`--- ${from}`, `+++ ${to}`);
    out.push(...head.map((l) => c('1', l)));
    for (const l of f.hunks) out.push(l.startsWith('@@') ? l.replace(/^(@@.*?@@)/, (m) => c('36', m)) : l[0] === '-' ? c('31', l) : l[0] === '+' ? c('32', l) : l);
  }
  return out.join('\n');
}

export function renderStat(files: FileChange[], color: boolean): string {
  if (!files.length) return '';
  const shown = new Map(files.map((f) => [f, quotePath(f.path)]));
  const w = Math.max(...[...shown.values()].map((p) => p.length));
  const max = Math.max(1, ...files.map((f) => f.added + f.removed));
  const bar = 50;
  const lines = files.map((f) => {
    if (f.binary) return ` ${shown.get(f)!.padEnd(w)} | Bin`;
    const n = f.added + f.removed;
    const scale = max > bar ? bar / max : 1;
    const plus = Math.round(f.added * scale);
    const minus = Math.round(f.removed * scale);
    const g = color ? `\x1b[32m${'+'.repeat(plus)}\x1b[m\x1b[31m${'-'.repeat(minus)}\x1b[m` : '+'.repeat(plus) + '-'.repeat(minus);
    return ` ${shown.get(f)!.padEnd(w)} | ${String(n).padStart(String(max).length)} ${g}`.trimEnd();
  });
  const ins = files.reduce((s, f) => s + f.added, 0);
  const del = files.reduce((s, f) => s + f.removed, 0);
  const parts = [`${files.length} file${files.length > 1 ? 's' : ''} changed`];
  if (ins) parts.push(`${ins} insertion${ins > 1 ? 's' : ''}(+)`);
  if (del) parts.push(`${del} deletion${del > 1 ? 's' : ''}(-)`);
  return [...lines, ` ${parts.join(', ')}`].join('\n');
}
