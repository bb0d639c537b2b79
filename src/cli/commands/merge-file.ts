// merge-file: the three-way text merge with `git merge-file`'s contract. Result to
// <current> (or stdout with -p); exit code = number of conflicts (at most 127), 255 on error.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from '../context.js';
import { UsageError } from '../../core/errors.js';
import { isBinary, mergeText } from '../../core/merge/text.js';

export const mergeFile: Command = async (cli, a) => {
  const [cur, base, other] = a.positionals;
  const given = (a.flags.label as string[] | undefined) ?? [];
  if (given.length > 3) throw new UsageError('usage: too many -L labels (at most 3); skillsync merge-file [-L <name>]... <current> <base> <other>');
  const labels: [string, string, string] = [given[0] ?? cur, given[1] ?? base, given[2] ?? other];
  const ms = a.flags['marker-size'] as string | undefined;
  const markerSize = ms === undefined ? 7 : Number(ms);
  if (!Number.isInteger(markerSize) || markerSize < 1) throw new UsageError(`usage: invalid --marker-size '${ms}'; skillsync merge-file --marker-size <n> <current> <base> <other>`);
  const bufs: Buffer[] = [];
  for (const f of [cur, base, other]) {
    try {
      bufs.push(readFileSync(f));
    } catch (err) {
      process.stderr.write(`error: Could not stat ${f}: ${(err as Error).message}\n`);
      return 255;
    }
  }
  const binary = bufs.findIndex((b) => isBinary(b));
  if (binary >= 0) {
    process.stderr.write(`error: Cannot merge binary files: ${[cur, base, other][binary]}\n`);
    return 255;
  }
  const r = mergeText(bufs[0], bufs[1], bufs[2], { labels, markerSize });
  if (cli.g.json) cli.out(JSON.stringify({ conflicts: r.conflicts, content: a.flags.stdout ? r.content.toString() : undefined, file: a.flags.stdout ? undefined : cur }, null, 2));
  else if (a.flags.stdout) process.stdout.write(r.content);
  if (!a.flags.stdout) writeFileSync(cur, r.content);
  // git merge-file prints no warning of its own here (-q is accepted for compatibility).
  return Math.min(r.conflicts, 127);
};
