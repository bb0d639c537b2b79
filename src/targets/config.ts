// `targets:` and `names:` in the config: the folders agents read, and the workspace
// names chosen for colliding upstream skills. Validated here, next to the presets,
// so every error names the key it is about.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { SkillsyncError } from '../core/errors.js';
import { unsafeNameReason } from '../core/names.js';

export type TargetMode = 'symlink' | 'copy';

export interface TargetSpec {
  /** Absolute folder that gets one entry per skill. */
  path: string;
  mode: TargetMode;
  /** Only these workspace skill names; null = all. */
  skills: string[] | null;
  /** How the config named it (a preset name or the path as written), for messages. */
  label: string;
}

/** `<plugin>/<upstream skill folder>` → workspace name. */
export type NameMap = Record<string, string>;

function bad(key: string, what: string): SkillsyncError {
  return new SkillsyncError('ECONFIG', `config: ${key}: ${what}`, { key });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `~` and `~/x` are the user's home (HOME), as a shell would expand them. */
function expandHome(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return p;
}

export const PRESETS: Record<string, () => string> = {
  // Claude Code reads personal skills from $CLAUDE_CONFIG_DIR/skills, default ~/.claude/skills.
  claude: () => join(process.env.CLAUDE_CONFIG_DIR ? expandHome(process.env.CLAUDE_CONFIG_DIR) : join(homedir(), '.claude'), 'skills'),
  // Codex, Gemini CLI, Copilot and OpenCode read ~/.agents/skills.
  agents: () => join(homedir(), '.agents', 'skills'),
};

const TARGET_KEYS = ['path', 'preset', 'mode', 'skills'];

export function parseTargets(raw: unknown, baseDir: string): TargetSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw bad('targets', 'must be a list of presets (claude, agents) or {path, mode, skills}');
  const out: TargetSpec[] = [];
  raw.forEach((t, i) => {
    const key = `targets[${i}]`;
    const preset = (name: string, k: string) => {
      const f = PRESETS[name];
      if (!f) throw bad(k, `unknown preset '${name}' (known: ${Object.keys(PRESETS).join(', ')}; or give {path: ...})`);
      return f();
    };
    if (typeof t === 'string') {
      out.push({ path: preset(t, key), mode: 'symlink', skills: null, label: t });
      return;
    }
    if (!isObj(t)) throw bad(key, 'must be a preset name or {path, mode, skills}');
    for (const k of Object.keys(t)) if (!TARGET_KEYS.includes(k)) throw bad(`${key}.${k}`, `unknown key (known: ${TARGET_KEYS.join(', ')})`);
    if ((t.path === undefined) === (t.preset === undefined)) throw bad(key, 'needs exactly one of path or preset');
    let path: string;
    let label: string;
    if (t.preset !== undefined) {
      if (typeof t.preset !== 'string') throw bad(`${key}.preset`, 'must be a preset name');
      path = preset(t.preset, `${key}.preset`);
      label = t.preset;
    } else {
      if (typeof t.path !== 'string' || !t.path) throw bad(`${key}.path`, 'must be a folder path');
      const p = expandHome(t.path);
      path = isAbsolute(p) ? p : resolve(baseDir, p);
      label = t.path;
    }
    const mode = t.mode ?? 'symlink';
    if (mode !== 'symlink' && mode !== 'copy') throw bad(`${key}.mode`, 'must be symlink or copy');
    let skills: string[] | null = null;
    if (t.skills !== undefined) {
      if (!Array.isArray(t.skills) || !t.skills.every((s) => typeof s === 'string')) throw bad(`${key}.skills`, 'must be a list of skill names');
      for (const s of t.skills) {
        const why = unsafeNameReason(s);
        if (why) throw bad(`${key}.skills`, `'${s}' is not a skill name: ${why}`);
      }
      skills = [...t.skills];
    }
    out.push({ path: resolve(path), mode, skills, label });
  });
  const seen = new Map<string, number>();
  out.forEach((t, i) => {
    const j = seen.get(t.path);
    if (j !== undefined) throw bad(`targets[${i}]`, `same folder as targets[${j}] (${t.path})`);
    seen.set(t.path, i);
  });
  return out;
}

export function parseNames(raw: unknown): NameMap {
  if (raw === undefined || raw === null) return {};
  if (!isObj(raw)) throw bad('names', 'must be a mapping like { telegram/configure: telegram-configure }');
  const out: NameMap = {};
  const taken = new Map<string, string>();
  for (const [k, v] of Object.entries(raw)) {
    const key = `names.${k}`;
    const parts = k.split('/');
    if (parts.length !== 2 || parts.some((p) => unsafeNameReason(p) !== null)) throw bad(key, 'the key must be <plugin>/<upstream skill folder>');
    if (typeof v !== 'string') throw bad(key, 'must be a skill name');
    const why = unsafeNameReason(v);
    if (why) throw bad(key, `'${v}' is not a skill name: ${why}`);
    const other = taken.get(v);
    if (other) throw bad(key, `'${v}' is already the name of ${other}`);
    taken.set(v, k);
    out[k] = v;
  }
  return out;
}
