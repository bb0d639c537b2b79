// The pre-receive hook of workspace.git: every update of main pushed with git passes
// the same checks as a skillsync publish. Installed, and rewritten when it differs, by
// every command that opens the workspace. It names node and the hook program by
// absolute path, so it needs nothing from PATH.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../git/fsutil.js';
import type { SafetyPolicy } from '../core/safety/index.js';

export const HOOK_POLICY = 'skillsync-policy.json';

/** The compiled hook program (dist/pre-receive-main.js), also when running from src/. */
export function hookProgram(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return join(dirname(here), '..', '..', 'dist', 'pre-receive-main.js');
  return join(dirname(here), '..', 'pre-receive-main.js');
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function hookScript(node = process.execPath, program = hookProgram()): string {
  return `#!/bin/sh\n# Installed and kept current by skillsync: an update of main must pass its checks.\nexec ${sh(node)} ${sh(program)}\n`;
}

function writeIfChanged(path: string, content: string, mode: number): boolean {
  try {
    if (readFileSync(path, 'utf8') === content) return false;
  } catch {
    /* missing */
  }
  writeFileAtomic(path, content, { mode });
  return true;
}

/** Install or refresh the hook and the safety policy it applies. Returns true when anything changed. */
export function installHook(gitdir: string, policy: SafetyPolicy): boolean {
  if (!existsSync(join(gitdir, 'HEAD'))) return false;
  const hooks = join(gitdir, 'hooks');
  mkdirSync(hooks, { recursive: true });
  const a = writeIfChanged(join(hooks, HOOK_POLICY), JSON.stringify(policy) + '\n', 0o644);
  const b = writeIfChanged(join(hooks, 'pre-receive'), hookScript(), 0o755);
  return a || b;
}
