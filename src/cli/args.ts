// A small argv parser: declared flags only, so a typo is a usage error, not ignored.
import { UsageError } from '../core/errors.js';

export interface FlagSpec {
  /** Takes a value (--from <dir>). Repeatable values collect into an array. */
  value?: boolean;
  repeat?: boolean;
  alias?: string;
}

export interface Parsed {
  positionals: string[];
  flags: Record<string, string | string[] | boolean>;
}

export function parseArgs(argv: string[], spec: Record<string, FlagSpec>): Parsed {
  const out: Parsed = { positionals: [], flags: {} };
  const byAlias = new Map<string, string>();
  for (const [name, s] of Object.entries(spec)) if (s.alias) byAlias.set(s.alias, name);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      let name = a.replace(/^--?/, '');
      let inline: string | undefined;
      const eq = name.indexOf('=');
      if (a.startsWith('--') && eq >= 0) {
        inline = name.slice(eq + 1);
        name = name.slice(0, eq);
      }
      name = byAlias.get(name) ?? name;
      const s = spec[name];
      if (!s) throw new UsageError(`unknown option ${a}`);
      if (s.value) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`option ${a} needs a value`);
        if (s.repeat) out.flags[name] = [...((out.flags[name] as string[]) ?? []), v];
        else out.flags[name] = v;
      } else {
        out.flags[name] = true;
      }
    } else {
      out.positionals.push(a);
    }
  }
  return out;
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function need(p: Parsed, count: number, usage: string, max = count): string[] {
  if (p.positionals.length < count || p.positionals.length > max) throw new UsageError(`usage: skillsync ${usage}`);
  return p.positionals;
}
