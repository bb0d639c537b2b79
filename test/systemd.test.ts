// The systemd unit: `systemd-analyze verify` exits 0 even for unknown keys or bad
// values, so the test asserts that it prints nothing. Plus the contract of the unit
// (hardening Node tolerates, reload by SIGHUP) and the sample config it points at.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config.js';

const UNIT = resolve(__dirname, '..', 'systemd', 'skillsync.service');
const SAMPLE = resolve(__dirname, '..', 'systemd', 'skillsync.yaml');
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const haveAnalyze = analyze.status === 0;

function verify(unitFile: string): { status: number | null; out: string } {
  const r = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0', SYSTEMD_PAGER: '' } });
  return { status: r.status, out: (r.stdout + r.stderr).trim() };
}

function directives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    out.set(m[1], [...(out.get(m[1]) ?? []), m[2]]);
  }
  return out;
}

describe('systemd/skillsync.service', () => {
  const text = readFileSync(UNIT, 'utf8');
  const d = directives(text);

  it.skipIf(!haveAnalyze)('systemd-analyze verify prints nothing', () => {
    const r = verify(UNIT);
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it.skipIf(!haveAnalyze)('(the check is real: verify does complain about a bad unit)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skillsync-unit-'));
    try {
      const bad = join(dir, 'skillsync.service');
      copyFileSync(UNIT, bad);
      writeFileSync(bad, readFileSync(bad, 'utf8').replace('Restart=on-failure', 'Restart=sometimes\nProtectSystm=strict'));
      const r = verify(bad);
      expect(r.status).toBe(0); // exits 0 anyway ...
      expect(r.out).toMatch(/ProtectSystm/); // ... but says so
      expect(r.out).toMatch(/sometimes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the built CLI as a dedicated user with the required hardening', () => {
    expect(d.get('ExecStart')![0]).toMatch(/^\/usr\/bin\/node .*\/opt\/skillsync\/bin\/skillsync\.js --config \/etc\/skillsync\/skillsync\.yaml daemon$/);
    expect(d.get('User')).toEqual(['skillsync']);
    expect(d.get('StateDirectory')).toEqual(['skillsync']);
    expect(d.get('ProtectSystem')).toEqual(['strict']);
    expect(d.get('NoNewPrivileges')).toEqual(['yes']);
    expect(d.get('PrivateTmp')).toEqual(['yes']);
    expect(d.get('Restart')).toEqual(['on-failure']);
    expect(d.get('ExecReload')![0]).toMatch(/kill -HUP \$MAINPID/);
    for (const k of ['ProtectHome', 'PrivateDevices', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectControlGroups', 'RestrictSUIDSGID', 'LockPersonality', 'RestrictNamespaces']) {
      expect(d.has(k), k).toBe(true);
    }
    expect(d.get('CapabilityBoundingSet')).toEqual(['']);
    // V8's JIT needs writable+executable memory.
    expect(d.has('MemoryDenyWriteExecute')).toBe(false);
    // The stop budget is larger than the daemon's own (10 s), so a clean stop is never SIGKILLed.
    expect(Number(/^(\d+)/.exec(d.get('TimeoutStopSec')![0])![1])).toBeGreaterThanOrEqual(10);
  });

  it('the sample config is valid and keeps the workspace in the state directory', () => {
    const cfg = loadConfig({ file: SAMPLE, explicit: true });
    expect(cfg.workspace).toBe('/var/lib/skillsync/workspace');
    expect(cfg.http?.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(cfg.sources.length).toBeGreaterThan(0);
    for (const s of cfg.sources) expect(s.kind === 'fs' ? s.path : s.gitdir).toMatch(/^\//);
  });
});

describe('systemd/skillsync-user.service (systemctl --user)', () => {
  const USER_UNIT = resolve(__dirname, '..', 'systemd', 'skillsync-user.service');
  const USER_SAMPLE = resolve(__dirname, '..', 'systemd', 'skillsync-user.yaml');
  const text = readFileSync(USER_UNIT, 'utf8');
  const d = directives(text);
  // A user manager needs a runtime dir; verify in both modes.
  const verifyUser = (file: string) => {
    const rt = mkdtempSync(join(tmpdir(), 'skillsync-rt-'));
    try {
      const r = spawnSync('systemd-analyze', ['--user', 'verify', file], { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: rt, SYSTEMD_LOG_COLOR: '0', SYSTEMD_PAGER: '' } });
      return { status: r.status, out: (r.stdout + r.stderr).trim() };
    } finally {
      rmSync(rt, { recursive: true, force: true });
    }
  };

  it.skipIf(!haveAnalyze)('systemd-analyze verify (--user and system mode) prints nothing', () => {
    expect(verifyUser(USER_UNIT)).toEqual({ status: 0, out: '' });
    expect(verify(USER_UNIT)).toEqual({ status: 0, out: '' });
  });

  it.skipIf(!haveAnalyze)('(the --user check is real too)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skillsync-unit-'));
    try {
      const bad = join(dir, 'skillsync-user.service');
      writeFileSync(bad, text.replace('Restart=on-failure', 'Restart=sometimes'));
      expect(verifyUser(bad).out).toMatch(/sometimes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs as the user who starts it, with the workspace and config in XDG folders', () => {
    expect(d.has('User')).toBe(false);
    expect(d.get('ExecStart')![0]).toMatch(/^\/usr\/bin\/node .*%h\/\.local\/lib\/skillsync\/bin\/skillsync\.js --config %E\/skillsync\/skillsync\.yaml --workspace %S\/skillsync\/workspace daemon$/);
    expect(d.get('WantedBy')).toEqual(['default.target']);
    expect(d.get('ExecReload')![0]).toMatch(/kill -HUP \$MAINPID/);
    expect(d.get('NoNewPrivileges')).toEqual(['yes']);
  });

  it('the sample user config is valid and targets ~/.claude/skills', () => {
    const cfg = loadConfig({ file: USER_SAMPLE, explicit: true });
    expect(cfg.targets.map((t) => t.label)).toEqual(['claude']);
    expect(cfg.targets[0].mode).toBe('symlink');
  });

  it('the system unit says how targets become writable', () => {
    expect(readFileSync(UNIT, 'utf8')).toMatch(/# ReadWritePaths=/);
  });
});
