// merge-file: the three-way text merge with `git merge-file`'s contract. Result to
// <current> (or stdout with -p); exit code = number of conflicts (at most 127), 255 on error.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, str } from '../args.js';
import type { Command } from '../context.js';
import { UsageError } from '../../core/errors.js';
import { isBinary, mergeText } from '../../core/merge/text.js';

export const mergeFile: Command = async (_cli, argv) => {
  const p = parseArgs(argv, { p: { alias: 'stdout' }, q: { alias: 'quiet' }, L: { value: true, repeat: true }, 'marker-size': { value: true } });
  if (p.positionals.length !== 3) throw new UsageError('usage: skillsync merge-file [-p] [-q] [-L <current> [-L <base> [-L <other>]]] [--marker-size=<n>] <current> <base> <other>');
  const [cur, base, other] = p.positionals;
  const given = (p.flags.L as string[] | undefined) ?? [];
  if (given.length > 3) throw new UsageError('too many -L labels (at most 3)');
  const labels: [string, string, string] = [given[0] ?? cur, given[1] ?? base, given[2] ?? other];
  const ms = str(p, 'marker-size');
  const markerSize = ms === undefined ? 7 : Number(ms);
  if (!Number.isInteger(markerSize) || markerSize < 1) throw new UsageError(`invalid --marker-size '${ms}'`);
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
  if (p.flags.p) process.stdout.write(r.content);
  else writeFileSync(cur, r.content);
  if (r.conflicts && !p.flags.q) {
    /* git prints nothing extra by default beyond its warnings; keep stdout clean */
  }
  return Math.min(r.conflicts, 127);
};
