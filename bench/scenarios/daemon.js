// The daemon on the whole fleet: time to /healthz (first full pass), resident memory
// with every file watched, idle CPU, and the latency from "file saved upstream" to
// "proposal branch exists" (the ref file is polled every 5 ms; `git rev-parse` would
// be too coarse).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { startProcess, rssOf, sleep, percentile, median, fmtMs } from '../measure.js';
import { skillDir } from '../fleet.js';
import { BIN, readRefFile } from '../context.js';
import { serviceLaunch, UNIT } from '../service.js';

export const name = 'daemon';
export const title = 'daemon latency and memory';

const POLL_MS = 5;
const LATENCY_TIMEOUT_MS = 15_000;

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

function get(port, path, timeoutMs = 2000) {
  return new Promise((res) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: timeoutMs }, (r) => {
      let body = '';
      r.on('data', (d) => (body += d));
      r.on('end', () => res({ status: r.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => res({ status: 0, body: '' }));
    req.end();
  });
}

/**
 * 5. At rest: once passes have been quiet for passThreadIdleSeconds (default 30 s) the
 * daemon ends its pass thread. RSS then, and one save with no pass thread running.
 */
async function atRest(ctx, d, port, pid, fleet, cfg, touched, n) {
  const t0 = Date.now();
  let ended = false;
  while (Date.now() - t0 < 45_000) {
    const h = await get(port, '/healthz', 5000).catch(() => null);
    if (h && JSON.parse(h.body).memory?.jobHeap === null) {
      ended = true;
      break;
    }
    await sleep(250);
  }
  if (!ended) return ctx.fail(name, 'the pass thread did not end within 45 s of quiet (passThreadIdleSeconds: 30)');
  await sleep(500);
  const rest = rssOf(pid);
  ctx.row({
    scenario: name, work: 'daemon resident memory at rest (pass thread ended after 30 s quiet)', skillsync: `${rest.rssMB.toFixed(0)} MB`, git: '', ratio: null, target: '≤ 150 MB', met: rest.rssMB <= 150, mb: rest,
    detail: `${((Date.now() - t0) / 1000).toFixed(1)} s after the last pass; the peak (VmHWM) is in the row above`,
  });
  const file = join(skillDir(fleet, 0, 0), 'SKILL.md');
  if (!touched.has(file)) touched.set(file, readFileSync(file));
  const ref = `refs/heads/proposals/${fleet.plugins[0].id}/${fleet.plugins[0].skills[0]}`;
  const before = readRefFile(cfg.gitdir, ref);
  const t = process.hrtime.bigint();
  writeFileSync(file, Buffer.concat([touched.get(file), Buffer.from(`\nSaved upstream while the daemon was at rest (${n + 1}).\n`)]));
  for (;;) {
    const now = readRefFile(cfg.gitdir, ref);
    const el = Number(process.hrtime.bigint() - t) / 1e6;
    if (now && now !== before) return ctx.note(name, `save → proposal with no pass thread running (a new one starts): ${fmtMs(el)}.`);
    if (el > LATENCY_TIMEOUT_MS) return ctx.fail(name, 'a save while the daemon was at rest produced no proposal');
    await sleep(POLL_MS);
  }
}

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/** "used/total MB" of the daemon's thread and its job thread, from /healthz. */
function heapOf(body) {
  try {
    const m = JSON.parse(body).memory;
    const mb = (h) => (h ? `${(h.used / 2 ** 20).toFixed(0)}/${(h.total / 2 ** 20).toFixed(0)} MB` : '—');
    return `daemon thread ${mb(m.heap)}, pass thread ${mb(m.jobHeap)}, RSS ${(m.rss / 2 ** 20).toFixed(0)} MB`;
  } catch {
    return '(no memory in /healthz)';
  }
}

/** SIGHUP makes the daemon reload and run a full pass; /healthz is asked every 20 ms until that pass is done. */
async function healthDuringPass(ctx, d, port) {
  const lastPass = async () => {
    const h = await get(port, '/healthz', 5000);
    try {
      return JSON.parse(h.body).lastPass;
    } catch {
      return null;
    }
  };
  const before = (await lastPass())?.at;
  const lat = [];
  let failed = 0;
  let pass = null;
  const t0 = Date.now();
  d.child.kill('SIGHUP');
  while (Date.now() - t0 < 600_000) {
    const t = process.hrtime.bigint();
    const h = await get(port, '/healthz', 5000);
    lat.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (h.status !== 200) failed++;
    try {
      const lp = JSON.parse(h.body).lastPass;
      if (lp && lp.trigger === 'reload' && lp.at !== before) {
        pass = lp;
        break;
      }
    } catch {
      /* not JSON: counted above */
    }
    await sleep(20);
  }
  if (!pass) return ctx.fail(name, 'the full pass after SIGHUP did not finish within 600 s');
  if (failed) ctx.fail(name, `/healthz failed ${failed} times during the full pass`);
  const max = Math.max(...lat);
  ctx.row({
    scenario: name,
    work: `daemon: /healthz answer time while a full pass runs (${fmtMs(pass.durationMs)})`,
    skillsync: `max ${fmtMs(max)} / p50 ${fmtMs(median(lat))}`,
    git: '', ratio: null, target: '≤ 100 ms', met: max <= 100 && !failed,
    detail: `${lat.length} requests, one every 20 ms, from SIGHUP (reload + full pass) until /healthz reported that pass done; passes run in a worker thread`,
  });
}

export async function run(ctx) {
  const fleet = ctx.fleet();
  const enabled = ctx.enabledWorkspace();
  const port = await freePort();
  const debounceMs = ctx.preset.debounceMs;
  // A schedule that never fires during the run: the latency measured is the watcher's.
  const cfg = ctx.config('daemon', {
    ws: enabled.ws,
    extra: `debounceMs: ${debounceMs}\nschedule: "0 0 1 1 *"\nhttp: { listen: "127.0.0.1:${port}" }\n`,
  });
  const P = fleet.plugins.length;
  const S = fleet.plugins[0].skills.length;
  const n = ctx.preset.daemonIterations;
  const touched = new Map(); // file → original bytes
  const label = `${fleet.files} files`;
  ctx.log(`  daemon: debounceMs ${debounceMs}, http 127.0.0.1:${port}, ${n} latency rounds`);

  const t0 = process.hrtime.bigint();
  // As systemd/skillsync.service runs it: its node flags and its environment.
  const launch = serviceLaunch();
  ctx.note(name, `started as ${UNIT} starts it: node ${launch.label}.`);
  const d = startProcess(process.execPath, [...launch.nodeArgs, BIN, '--config', cfg.config, 'daemon'], { cwd: ctx.root, env: { ...process.env, ...launch.env } });
  let exited = null;
  d.exited.then((e) => (exited = e));
  try {
    // 1. first full pass → /healthz 200
    let healthyMs = NaN;
    const startupAnswers = [];
    for (;;) {
      if (exited) throw new Error(`daemon exited (${exited.code ?? exited.signal}) before /healthz: ${(d.out.stderr + d.out.stdout).trim().slice(-1500)}`);
      const th = process.hrtime.bigint();
      const h = await get(port, '/healthz', 1000);
      if (h.status === 503) startupAnswers.push(Number(process.hrtime.bigint() - th) / 1e6);
      if (h.status === 200) {
        healthyMs = Number(process.hrtime.bigint() - t0) / 1e6;
        break;
      }
      if (Number(process.hrtime.bigint() - t0) / 1e6 > 1800_000) throw new Error('no /healthz 200 within 30 minutes');
      await sleep(20);
    }
    const pid = d.child.pid;
    const rss0 = rssOf(pid);
    const heap0 = heapOf((await get(port, '/healthz', 5000)).body);
    if (startupAnswers.length) ctx.note(name, `/healthz while the first full pass ran: ${startupAnswers.length} answers (503), slowest ${fmtMs(Math.max(...startupAnswers))}.`);
    ctx.row({ scenario: name, work: `daemon: start → /healthz 200 (first full pass), ${label}`, skillsync: fmtMs(healthyMs), git: '', ratio: null, target: '—', met: null });
    ctx.row({ scenario: name, work: `daemon resident memory after /healthz, ${label} watched`, skillsync: `${rss0.rssMB.toFixed(0)} MB`, git: '', ratio: null, target: '≤ 150 MB', met: rss0.rssMB <= 150, mb: rss0 });
    // 2. idle: let the watcher settle, and see what an idle daemon costs
    await sleep(1000);
    const c0 = cpuSeconds(pid);
    const idleWindow = 3000;
    await sleep(idleWindow);
    const idleCpu = (cpuSeconds(pid) - c0) / (idleWindow / 1000);
    ctx.note(name, `idle daemon CPU over ${idleWindow / 1000} s after /healthz: ${(idleCpu * 100).toFixed(1)}% of one core; RSS after /healthz ${rss0.rssMB.toFixed(0)} MB.`);
    // 3. latency rounds: a different skill each round
    const lat = [];
    const rssSeries = [];
    let timeouts = 0;
    for (let i = 0; i < n; i++) {
      if (exited) throw new Error(`daemon exited (${exited.code ?? exited.signal}) during latency round ${i + 1}: ${(d.out.stderr + d.out.stdout).trim().slice(-1500)}`);
      const pi = i % P;
      const si = 1 + (Math.floor(i / P) % Math.max(1, S - 1));
      const plugin = fleet.plugins[pi].id;
      const skill = fleet.plugins[pi].skills[si % S];
      const file = join(skillDir(fleet, pi, si % S), 'SKILL.md');
      if (!touched.has(file)) touched.set(file, readFileSync(file));
      const ref = `refs/heads/proposals/${plugin}/${skill}`;
      const before = readRefFile(cfg.gitdir, ref);
      const t = process.hrtime.bigint();
      writeFileSync(file, Buffer.concat([touched.get(file), Buffer.from(`\nSaved upstream, round ${i + 1}.\n`)]));
      let ms = NaN;
      for (;;) {
        const now = readRefFile(cfg.gitdir, ref);
        const el = Number(process.hrtime.bigint() - t) / 1e6;
        if (now && now !== before) {
          ms = el;
          break;
        }
        if (el > LATENCY_TIMEOUT_MS || exited) break;
        await sleep(POLL_MS);
      }
      if (Number.isFinite(ms)) lat.push(ms);
      else timeouts++;
      rssSeries.push(rssOf(pid).rssMB);
      await sleep(150);
    }
    if (timeouts) ctx.fail(name, `${timeouts} of ${n} saves produced no proposal branch within ${LATENCY_TIMEOUT_MS / 1000} s`);
    const p50 = median(lat);
    const p95 = percentile(lat, 95);
    ctx.row({
      scenario: name,
      work: `daemon: file saved upstream → proposal branch (debounceMs ${debounceMs})`,
      skillsync: lat.length ? `p50 ${fmtMs(p50)} / p95 ${fmtMs(p95)}` : 'no proposals',
      git: '', ratio: null, target: 'p95 ≤ 300 ms', met: lat.length ? p95 <= 300 && !timeouts : false,
      detail: `${lat.length} of ${n} rounds, a different skill each round, min ${fmtMs(Math.min(...lat))}, max ${fmtMs(Math.max(...lat))}; includes the ${debounceMs} ms debounce; ref file polled every ${POLL_MS} ms`,
      ms: { samples: lat },
    });
    const rss1 = rssOf(pid);
    const at = [...new Set([0, Math.floor(n / 4), Math.floor(n / 2), Math.floor((3 * n) / 4), n - 1])].filter((k) => k < rssSeries.length);
    ctx.row({
      scenario: name, work: `daemon resident memory after ${n} proposals (peak VmHWM)`, skillsync: `${rss1.rssMB.toFixed(0)} MB (${rss1.hwmMB.toFixed(0)} MB)`, git: '', ratio: null, target: '≤ 150 MB', met: Math.max(rss1.rssMB, rss1.hwmMB) <= 150, mb: rss1,
      detail: `VmRSS after /healthz ${rss0.rssMB.toFixed(0)} MB, then after round ${at.map((k) => `${k + 1}: ${rssSeries[k].toFixed(0)} MB`).join(', ')}`,
    });
    const heapAfter = heapOf((await get(port, '/healthz', 5000)).body);
    ctx.note(name, `V8 heaps (v8.getHeapStatistics, used/total): after the first pass ${heap0}; after ${n} proposals ${heapAfter}.`);
    await healthDuringPass(ctx, d, port);
    await atRest(ctx, d, port, pid, fleet, cfg, touched, n);
    const m = await get(port, '/metrics', 5000);
    if (m.status !== 200) ctx.fail(name, `/metrics answered ${m.status}`);
    else ctx.note(name, `/metrics: ${m.body.split('\n').filter((l) => l && !l.startsWith('#')).length} samples, e.g. ${m.body.split('\n').filter((l) => l && !l.startsWith('#')).slice(0, 4).join('; ')}`);
  } finally {
    // 4. SIGTERM: a clean, prompt stop
    if (!exited) {
      const ts = process.hrtime.bigint();
      d.child.kill('SIGTERM');
      const e = await Promise.race([d.exited, sleep(30_000).then(() => null)]);
      const stopMs = Number(process.hrtime.bigint() - ts) / 1e6;
      if (!e) {
        ctx.fail(name, 'daemon did not stop within 30 s of SIGTERM; killed');
        d.child.kill('SIGKILL');
        await d.exited;
      } else {
        if (e.code !== 0) ctx.fail(name, `daemon exit after SIGTERM: ${e.code ?? e.signal}: ${d.out.stderr.trim().slice(-500)}`);
        ctx.note(name, `SIGTERM → exit in ${fmtMs(stopMs)} (exit ${e.code ?? e.signal}).`);
      }
    }
    for (const [file, orig] of touched) writeFileSync(file, orig);
    if (touched.size) ctx.ss(enabled, ['sync'], { timeoutMs: 600_000 });
  }
}
