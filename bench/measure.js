// Timing and memory primitives. Every timing is the wall time of a whole child process
// (spawn → exit), measured with process.hrtime in this process.
import { spawnSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX_BUFFER = 512 * 1024 * 1024;

/** Runs cmd synchronously; returns {ms, code, stdout, stderr, signal, error}. Never throws. */
export function timeCmd(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    // spawnSync turns a string input into bytes with `encoding`, and 'buffer' is no encoding.
    input: typeof opts.input === 'string' ? Buffer.from(opts.input) : opts.input,
    encoding: 'buffer',
    maxBuffer: MAX_BUFFER,
    timeout: opts.timeoutMs ?? 0,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return {
    ms,
    code: r.status,
    signal: r.signal,
    stdout: r.stdout ?? Buffer.alloc(0),
    stderr: r.stderr ? r.stderr.toString('utf8') : '',
    error: r.error ? r.error.message : null,
    timedOut: !!(r.error && /ETIMEDOUT/.test(r.error.code ?? r.error.message)),
  };
}

/** Like timeCmd, but throws (with stderr) unless the exit code is in `okCodes` (default [0]). */
export function mustRun(cmd, args, opts = {}) {
  const r = timeCmd(cmd, args, opts);
  const ok = opts.okCodes ?? [0];
  if (r.error || !ok.includes(r.code)) {
    const what = `${cmd} ${args.join(' ')}`.slice(0, 300);
    throw new Error(`${what} → ${r.error ?? (r.signal ? 'signal ' + r.signal : 'exit ' + r.code)}: ${r.stderr.trim().slice(0, 2000)}`);
  }
  return r;
}

export function median(xs) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const k = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[k];
}

export function stats(samples) {
  return { median: median(samples), min: samples.length ? Math.min(...samples) : NaN, max: samples.length ? Math.max(...samples) : NaN, n: samples.length, samples };
}

/**
 * Runs several named sides interleaved (A B A B ...), `runs` times after `warmup`
 * untimed rounds, so that noise from the shared machine hits every side alike.
 * sides: {name: {run: () => ms, before?: (i) => void, after?: (i) => void}}
 * Returns {name: stats}.
 */
export function interleave(sides, { runs, warmup = 0 }) {
  const out = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (let i = -warmup; i < runs; i++) {
    for (const [name, s] of Object.entries(sides)) {
      if (s.before) s.before(i);
      const ms = s.run(i);
      if (s.after) s.after(i);
      if (i >= 0) out[name].push(ms);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, stats(v)]));
}

/** Resident set size (and peak) of a live process in MB, from /proc/<pid>/status. */
export function rssOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s);
      return m ? Number(m[1]) : NaN;
    };
    return { rssMB: kb('VmRSS') / 1024, hwmMB: kb('VmHWM') / 1024 };
  } catch {
    return { rssMB: NaN, hwmMB: NaN };
  }
}

/** Starts a long-running child; collects its output; `exited` resolves with {code, signal}. */
export function startProcess(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  const cap = (k) => (d) => {
    if (out[k].length < 1 << 20) out[k] += d;
  };
  child.stdout.on('data', cap('stdout'));
  child.stderr.on('data', cap('stderr'));
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return { child, out, exited };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 10000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** "median (min–max)" of a stats object. */
export function fmtSpread(st) {
  return `${fmtMs(st.median)} (${fmtMs(st.min)}–${fmtMs(st.max)})`;
}
