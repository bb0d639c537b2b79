// A line diff that reproduces git's xdiff (Myers with libxdiff's heuristics), so that
// the three-way merge built on it (text.ts) gives the same hunks as `git merge-file`.
//
// Lines are interned to integers by the caller; two lines are equal iff their ids are.
// The pipeline mirrors xdiff/xprepare.c + xdiff/xdiffi.c (default flags, i.e. no
// whitespace options, no indent heuristic, not minimal):
//   1. xdl_trim_ends: skip the common prefix and suffix;
//   2. xdl_cleanup_records: lines with no match in the other file are changed outright,
//      lines with very many matches are dropped when they sit inside runs of such lines;
//   3. xdl_recs_cmp / xdl_split: divide-and-conquer Myers on what remains, with the
//      cost limit (mxcost) and "interesting snake" heuristics that bound the worst case;
//   4. xdl_change_compact: slide change groups up/down to a canonical place;
//   5. xdl_build_script: collect the groups into hunks.
// Pure and synchronous. Longer than 350 lines on purpose: one port of one C pipeline,
// kept in one file so it reads side by side with xprepare.c and xdiffi.c.

/** One hunk: lines [i1, i1+chg1) of `a` are replaced by lines [i2, i2+chg2) of `b`. */
export interface DiffChange {
  i1: number;
  i2: number;
  chg1: number;
  chg2: number;
}

const XDL_KPDIS_RUN = 4;
const XDL_MAX_EQLIMIT = 1024;
const XDL_SIMSCAN_WINDOW = 100;
const XDL_MAX_COST_MIN = 256;
const XDL_HEUR_MIN_COST = 256;
const XDL_LINE_MAX = 0x7fffffff;
const XDL_SNAKE_CNT = 20;
const XDL_K_HEUR = 4;

/** Integer square root approximation by shifts (xdl_bogosqrt). */
export function bogosqrt(n: number): number {
  let i = 1;
  for (; n > 0; n = Math.floor(n / 4)) i *= 2;
  return i;
}

/**
 * Reusable occurrence counters indexed by line id. Callers that diff many small ranges
 * over a large id space (the conflict refinement) share one to avoid reallocating.
 * Counters are always left zeroed after use.
 */
export class DiffScratch {
  private c1: Int32Array;
  private c2: Int32Array;
  constructor(idCount: number) {
    this.c1 = new Int32Array(Math.max(idCount, 1));
    this.c2 = new Int32Array(Math.max(idCount, 1));
  }
  counters(maxId: number): [Int32Array, Int32Array] {
    if (maxId >= this.c1.length) {
      const n = Math.max(maxId + 1, this.c1.length * 2);
      this.c1 = new Int32Array(n);
      this.c2 = new Int32Array(n);
    }
    return [this.c1, this.c2];
  }
}

/** One side of the diff (xdfile_t): ids, `changed` with sentinels, and the reduced view. */
interface Side {
  /** Line ids of the whole side. */
  ids: Int32Array;
  n: number;
  /** changed[k + 1] is the flag of line k; changed[0] and changed[n + 1] stay 0. */
  changed: Uint8Array;
  /** Reduced view for Myers: original index and id of each kept line. */
  rindex: Int32Array;
  ha: Int32Array;
  nreff: number;
}

function maxOf(a: Int32Array): number {
  let m = -1;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}

/** xdl_clean_mmatch: is multimatch line i inside a run of mostly unmatched lines? */
function cleanMmatch(dis: Uint8Array, i: number, s: number, e: number): boolean {
  if (i - s > XDL_SIMSCAN_WINDOW) s = i - XDL_SIMSCAN_WINDOW;
  if (e - i > XDL_SIMSCAN_WINDOW) e = i + XDL_SIMSCAN_WINDOW;
  let rdis0 = 0;
  let rpdis0 = 1;
  for (let r = 1; i - r >= s; r++) {
    const v = dis[i - r];
    if (v === 0) rdis0++;
    else if (v === 2) rpdis0++;
    else break;
  }
  if (rdis0 === 0) return false;
  let rdis1 = 0;
  let rpdis1 = 1;
  for (let r = 1; i + r <= e; r++) {
    const v = dis[i + r];
    if (v === 0) rdis1++;
    else if (v === 2) rpdis1++;
    else break;
  }
  if (rdis1 === 0) return false;
  rdis1 += rdis0;
  rpdis1 += rpdis0;
  return rpdis1 * XDL_KPDIS_RUN < rpdis1 + rdis1;
}

/** xdl_prepare_env minus hashing: trim ends, then discard records (xdl_cleanup_records). */
function prepare(a: Int32Array, b: Int32Array, scratch: DiffScratch): [Side, Side] {
  const n1 = a.length;
  const n2 = b.length;
  const s1: Side = { ids: a, n: n1, changed: new Uint8Array(n1 + 2), rindex: new Int32Array(n1), ha: new Int32Array(n1), nreff: 0 };
  const s2: Side = { ids: b, n: n2, changed: new Uint8Array(n2 + 2), rindex: new Int32Array(n2), ha: new Int32Array(n2), nreff: 0 };

  // xdl_trim_ends
  let lim = Math.min(n1, n2);
  let i = 0;
  while (i < lim && a[i] === b[i]) i++;
  const dstart = i;
  lim -= i;
  let k = 0;
  while (k < lim && a[n1 - 1 - k] === b[n2 - 1 - k]) k++;
  const dend1 = n1 - k - 1;
  const dend2 = n2 - k - 1;

  // xdl_cleanup_records. Match counts are over the whole other file (xdiff's record
  // hash holds every record), capped at mlim.
  const [cnt1, cnt2] = scratch.counters(Math.max(maxOf(a), maxOf(b)));
  for (let j = 0; j < n1; j++) cnt1[a[j]]++;
  for (let j = 0; j < n2; j++) cnt2[b[j]]++;

  const dis1 = new Uint8Array(n1 + 1);
  const dis2 = new Uint8Array(n2 + 1);
  let mlim = Math.min(bogosqrt(n1), XDL_MAX_EQLIMIT);
  for (let j = dstart; j <= dend1; j++) {
    const nm = Math.min(cnt2[a[j]], mlim);
    dis1[j] = nm === 0 ? 0 : nm >= mlim ? 2 : 1;
  }
  mlim = Math.min(bogosqrt(n2), XDL_MAX_EQLIMIT);
  for (let j = dstart; j <= dend2; j++) {
    const nm = Math.min(cnt1[b[j]], mlim);
    dis2[j] = nm === 0 ? 0 : nm >= mlim ? 2 : 1;
  }
  for (let j = 0; j < n1; j++) cnt1[a[j]] = 0;
  for (let j = 0; j < n2; j++) cnt2[b[j]] = 0;

  let nreff = 0;
  for (let j = dstart; j <= dend1; j++) {
    if (dis1[j] === 1 || (dis1[j] === 2 && !cleanMmatch(dis1, j, dstart, dend1))) {
      s1.rindex[nreff] = j;
      s1.ha[nreff] = a[j];
      nreff++;
    } else s1.changed[j + 1] = 1;
  }
  s1.nreff = nreff;
  nreff = 0;
  for (let j = dstart; j <= dend2; j++) {
    if (dis2[j] === 1 || (dis2[j] === 2 && !cleanMmatch(dis2, j, dstart, dend2))) {
      s2.rindex[nreff] = j;
      s2.ha[nreff] = b[j];
      nreff++;
    } else s2.changed[j + 1] = 1;
  }
  s2.nreff = nreff;
  return [s1, s2];
}

interface Split {
  i1: number;
  i2: number;
  minLo: boolean;
  minHi: boolean;
}

/**
 * xdl_split: find the middle snake of the box (off1, off2)-(lim1, lim2), or give up with
 * a good-enough split point once the cost passes the heuristic limits.
 */
function split(
  ha1: Int32Array, off1: number, lim1: number,
  ha2: Int32Array, off2: number, lim2: number,
  kv: Int32Array, fo: number, bo: number, needMin: boolean, mxcost: number, spl: Split,
): void {
  const dmin = off1 - lim2;
  const dmax = lim1 - off2;
  const fmid = off1 - off2;
  const bmid = lim1 - lim2;
  const odd = ((fmid - bmid) & 1) !== 0;
  let fmin = fmid;
  let fmax = fmid;
  let bmin = bmid;
  let bmax = bmid;
  let i1: number, i2: number, prev1: number, d: number;

  kv[fo + fmid] = off1;
  kv[bo + bmid] = lim1;

  for (let ec = 1; ; ec++) {
    let gotSnake = false;

    if (fmin > dmin) kv[fo + --fmin - 1] = -1;
    else ++fmin;
    if (fmax < dmax) kv[fo + ++fmax + 1] = -1;
    else --fmax;

    for (d = fmax; d >= fmin; d -= 2) {
      if (kv[fo + d - 1] >= kv[fo + d + 1]) i1 = kv[fo + d - 1] + 1;
      else i1 = kv[fo + d + 1];
      prev1 = i1;
      i2 = i1 - d;
      while (i1 < lim1 && i2 < lim2 && ha1[i1] === ha2[i2]) {
        i1++;
        i2++;
      }
      if (i1 - prev1 > XDL_SNAKE_CNT) gotSnake = true;
      kv[fo + d] = i1;
      if (odd && bmin <= d && d <= bmax && kv[bo + d] <= i1) {
        spl.i1 = i1;
        spl.i2 = i2;
        spl.minLo = spl.minHi = true;
        return;
      }
    }

    if (bmin > dmin) kv[bo + --bmin - 1] = XDL_LINE_MAX;
    else ++bmin;
    if (bmax < dmax) kv[bo + ++bmax + 1] = XDL_LINE_MAX;
    else --bmax;

    for (d = bmax; d >= bmin; d -= 2) {
      if (kv[bo + d - 1] < kv[bo + d + 1]) i1 = kv[bo + d - 1];
      else i1 = kv[bo + d + 1] - 1;
      prev1 = i1;
      i2 = i1 - d;
      while (i1 > off1 && i2 > off2 && ha1[i1 - 1] === ha2[i2 - 1]) {
        i1--;
        i2--;
      }
      if (prev1 - i1 > XDL_SNAKE_CNT) gotSnake = true;
      kv[bo + d] = i1;
      if (!odd && fmin <= d && d <= fmax && i1 <= kv[fo + d]) {
        spl.i1 = i1;
        spl.i2 = i2;
        spl.minLo = spl.minHi = true;
        return;
      }
    }

    if (needMin) continue;

    // Heuristic: once the cost is high and some diagonal reached far with a good
    // snake behind it, split there.
    if (gotSnake && ec > XDL_HEUR_MIN_COST) {
      let best = 0;
      for (d = fmax; d >= fmin; d -= 2) {
        const dd = d > fmid ? d - fmid : fmid - d;
        i1 = kv[fo + d];
        i2 = i1 - d;
        const v = i1 - off1 + (i2 - off2) - dd;
        if (v > XDL_K_HEUR * ec && v > best && off1 + XDL_SNAKE_CNT <= i1 && i1 < lim1 && off2 + XDL_SNAKE_CNT <= i2 && i2 < lim2) {
          for (let k = 1; ha1[i1 - k] === ha2[i2 - k]; k++) {
            if (k === XDL_SNAKE_CNT) {
              best = v;
              spl.i1 = i1;
              spl.i2 = i2;
              break;
            }
          }
        }
      }
      if (best > 0) {
        spl.minLo = true;
        spl.minHi = false;
        return;
      }

      best = 0;
      for (d = bmax; d >= bmin; d -= 2) {
        const dd = d > bmid ? d - bmid : bmid - d;
        i1 = kv[bo + d];
        i2 = i1 - d;
        const v = lim1 - i1 + (lim2 - i2) - dd;
        if (v > XDL_K_HEUR * ec && v > best && off1 < i1 && i1 <= lim1 - XDL_SNAKE_CNT && off2 < i2 && i2 <= lim2 - XDL_SNAKE_CNT) {
          for (let k = 0; ha1[i1 + k] === ha2[i2 + k]; k++) {
            if (k === XDL_SNAKE_CNT - 1) {
              best = v;
              spl.i1 = i1;
              spl.i2 = i2;
              break;
            }
          }
        }
      }
      if (best > 0) {
        spl.minLo = false;
        spl.minHi = true;
        return;
      }
    }

    // Enough is enough: take the furthest reaching path.
    if (ec >= mxcost) {
      let fbest = -1;
      let fbest1 = -1;
      for (d = fmax; d >= fmin; d -= 2) {
        i1 = Math.min(kv[fo + d], lim1);
        i2 = i1 - d;
        if (lim2 < i2) {
          i1 = lim2 + d;
          i2 = lim2;
        }
        if (fbest < i1 + i2) {
          fbest = i1 + i2;
          fbest1 = i1;
        }
      }
      let bbest = XDL_LINE_MAX;
      let bbest1 = XDL_LINE_MAX;
      for (d = bmax; d >= bmin; d -= 2) {
        i1 = Math.max(off1, kv[bo + d]);
        i2 = i1 - d;
        if (i2 < off2) {
          i1 = off2 + d;
          i2 = off2;
        }
        if (i1 + i2 < bbest) {
          bbest = i1 + i2;
          bbest1 = i1;
        }
      }
      if (lim1 + lim2 - bbest < fbest - (off1 + off2)) {
        spl.i1 = fbest1;
        spl.i2 = fbest - fbest1;
        spl.minLo = true;
        spl.minHi = false;
      } else {
        spl.i1 = bbest1;
        spl.i2 = bbest - bbest1;
        spl.minLo = false;
        spl.minHi = true;
      }
      return;
    }
  }
}

/** xdl_recs_cmp, with an explicit stack instead of recursion (boxes are independent). */
function recsCmp(s1: Side, s2: Side, needMin: boolean): void {
  const ha1 = s1.ha;
  const ha2 = s2.ha;
  const ndiags = s1.nreff + s2.nreff + 3;
  const kv = new Int32Array(2 * ndiags + 2);
  const fo = s2.nreff + 1;
  const bo = ndiags + s2.nreff + 1;
  const mxcost = Math.max(bogosqrt(ndiags), XDL_MAX_COST_MIN);
  const spl: Split = { i1: 0, i2: 0, minLo: false, minHi: false };

  // Stack of boxes: off1, lim1, off2, lim2, needMin. Push the high half first so the
  // low half is processed first, as the recursion would (order does not matter).
  const stack: number[] = [0, s1.nreff, 0, s2.nreff, needMin ? 1 : 0];
  while (stack.length > 0) {
    const nm = stack.pop()!;
    let lim2 = stack.pop()!;
    let off2 = stack.pop()!;
    let lim1 = stack.pop()!;
    let off1 = stack.pop()!;

    while (off1 < lim1 && off2 < lim2 && ha1[off1] === ha2[off2]) {
      off1++;
      off2++;
    }
    while (off1 < lim1 && off2 < lim2 && ha1[lim1 - 1] === ha2[lim2 - 1]) {
      lim1--;
      lim2--;
    }

    if (off1 === lim1) {
      for (; off2 < lim2; off2++) s2.changed[s2.rindex[off2] + 1] = 1;
    } else if (off2 === lim2) {
      for (; off1 < lim1; off1++) s1.changed[s1.rindex[off1] + 1] = 1;
    } else {
      spl.i1 = spl.i2 = 0;
      split(ha1, off1, lim1, ha2, off2, lim2, kv, fo, bo, nm !== 0, mxcost, spl);
      const { i1, i2, minLo, minHi } = spl;
      stack.push(i1, lim1, i2, lim2, minHi ? 1 : 0);
      stack.push(off1, i1, off2, i2, minLo ? 1 : 0);
    }
  }
}

// ---- xdl_change_compact -------------------------------------------------------------

interface Group {
  start: number;
  end: number;
}

// `ch` is the changed array with the +1 offset: line k's flag is ch[k + 1].

function groupInit(s: Side, g: Group): void {
  g.start = g.end = 0;
  while (s.changed[g.end + 1]) g.end++;
}

function groupNext(s: Side, g: Group): boolean {
  if (g.end === s.n) return false;
  g.start = g.end + 1;
  for (g.end = g.start; s.changed[g.end + 1]; g.end++);
  return true;
}

function groupPrevious(s: Side, g: Group): boolean {
  if (g.start === 0) return false;
  g.end = g.start - 1;
  for (g.start = g.end; s.changed[g.start]; g.start--);
  return true;
}

function groupSlideDown(s: Side, g: Group): boolean {
  if (g.end < s.n && s.ids[g.start] === s.ids[g.end]) {
    s.changed[g.start++ + 1] = 0;
    s.changed[g.end++ + 1] = 1;
    while (s.changed[g.end + 1]) g.end++;
    return true;
  }
  return false;
}

function groupSlideUp(s: Side, g: Group): boolean {
  if (g.start > 0 && s.ids[g.start - 1] === s.ids[g.end - 1]) {
    s.changed[--g.start + 1] = 1;
    s.changed[--g.end + 1] = 0;
    while (s.changed[g.start]) g.start--;
    return true;
  }
  return false;
}

function syncBroken(what: string): never {
  throw new Error(`diff: group sync broken ${what}`);
}

/** xdl_change_compact without the indent heuristic (git merge-file does not enable it). */
function changeCompact(xdf: Side, xdfo: Side): void {
  const g: Group = { start: 0, end: 0 };
  const go: Group = { start: 0, end: 0 };
  groupInit(xdf, g);
  groupInit(xdfo, go);

  for (;;) {
    if (g.end !== g.start) {
      let groupsize: number;
      let earliestEnd: number;
      let endMatchingOther: number;
      do {
        groupsize = g.end - g.start;
        endMatchingOther = -1;
        while (groupSlideUp(xdf, g)) if (!groupPrevious(xdfo, go)) syncBroken('sliding up');
        earliestEnd = g.end;
        if (go.end > go.start) endMatchingOther = g.end;
        for (;;) {
          if (!groupSlideDown(xdf, g)) break;
          if (!groupNext(xdfo, go)) syncBroken('sliding down');
          if (go.end > go.start) endMatchingOther = g.end;
        }
      } while (groupsize !== g.end - g.start);

      if (g.end === earliestEnd) {
        // no shifting was possible
      } else if (endMatchingOther !== -1) {
        while (go.end === go.start) {
          if (!groupSlideUp(xdf, g)) syncBroken('match disappeared');
          if (!groupPrevious(xdfo, go)) syncBroken('sliding to match');
        }
      }
    }
    if (!groupNext(xdf, g)) break;
    if (!groupNext(xdfo, go)) syncBroken('moving to next group');
  }
  if (groupNext(xdfo, go)) syncBroken('at end of file');
}

/** xdl_build_script: hunks in ascending order. */
function buildScript(s1: Side, s2: Side): DiffChange[] {
  const c1 = s1.changed;
  const c2 = s2.changed;
  const out: DiffChange[] = [];
  // c[k] is the flag of line k - 1, so "changed[i - 1]" is c[i]; index -1 reads undefined.
  for (let i1 = s1.n, i2 = s2.n; i1 >= 0 || i2 >= 0; i1--, i2--) {
    if (c1[i1] || c2[i2]) {
      const l1 = i1;
      const l2 = i2;
      while (c1[i1]) i1--;
      while (c2[i2]) i2--;
      out.push({ i1, i2, chg1: l1 - i1, chg2: l2 - i2 });
    }
  }
  out.reverse();
  return out;
}

/**
 * Diff two sequences of line ids the way `xdl_do_diff` + `xdl_change_compact` (both
 * directions) + `xdl_build_script` do with default flags. Returns the hunks in order.
 */
export function diffLines(a: Int32Array, b: Int32Array, scratch?: DiffScratch): DiffChange[] {
  const sc = scratch ?? new DiffScratch(Math.max(maxOf(a), maxOf(b)) + 1);
  const [s1, s2] = prepare(a, b, sc);
  recsCmp(s1, s2, false);
  changeCompact(s1, s2);
  changeCompact(s2, s1);
  return buildScript(s1, s2);
}
