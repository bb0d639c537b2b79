// How systemd/skillsync.service starts the daemon: the node flags of its ExecStart= and
// its Environment= lines, so the daemon rows measure the daemon as it is deployed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './context.js';

export const UNIT = 'systemd/skillsync.service';

/** { nodeArgs, env, label } from the unit file (throws when the unit has no ExecStart= running bin/skillsync.js). */
export function serviceLaunch(unitPath = join(REPO, UNIT)) {
  const lines = readFileSync(unitPath, 'utf8').split('\n').map((l) => l.trim());
  const exec = lines.find((l) => l.startsWith('ExecStart='));
  const words = exec ? exec.slice('ExecStart='.length).split(/\s+/) : [];
  const script = words.findIndex((w) => w.endsWith('bin/skillsync.js'));
  if (script < 1) throw new Error(`${UNIT}: no ExecStart= that runs node bin/skillsync.js`);
  const nodeArgs = words.slice(1, script);
  const env = {};
  for (const l of lines) {
    if (!l.startsWith('Environment=')) continue;
    for (const kv of l.slice('Environment='.length).split(/\s+/)) {
      const i = kv.indexOf('=');
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1).replace(/^"|"$/g, '');
    }
  }
  const label = [...nodeArgs, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(' ') || 'no flags';
  return { nodeArgs, env, label };
}
