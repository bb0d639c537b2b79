// One pass over a file's bytes decides which checks can match at all.
//
// Every check's patterns need at least one of its trigger words (ASCII, matched
// case-insensitively). An Aho–Corasick automaton over the bytes finds all trigger
// words of all checks at once, so a file without any (most files) costs one table
// walk and is never decoded; a file with some runs only the checks they belong to.
// Triggers are single words, so no whitespace variant of a phrase slips past them.
//
// The invariant to keep when editing a rule: each of its regexes must contain one
// of the trigger words of its check (compare case-insensitively), or the rule will
// silently never run.

export const CHECK = {
  PRIVATE_KEY: 1 << 0,
  SECRET: 1 << 1,
  DOWNLOAD: 1 << 2,
  DOWNLOAD_IEX: 1 << 16,
  INJ_CONCEAL_VERB: 1 << 17,
  RM: 1 << 3,
  WIN_DELETE: 1 << 4,
  DISK: 1 << 5,
  MKFS: 1 << 6,
  FORK_BOMB: 1 << 7,
  RMTREE: 1 << 8,
  INJ_IGNORE: 1 << 9,
  INJ_MODE: 1 << 10,
  INJ_CONCEAL: 1 << 11,
  INJ_EXFIL: 1 << 12,
  INJ_PROMPT: 1 << 13,
  INJ_TEMPLATE: 1 << 14,
  HIDDEN_COMMENT: 1 << 15,
  EXFIL: 1 << 18,
  EXFIL_ENV: 1 << 19,
} as const;

export const DOWNLOAD_CHECKS = CHECK.DOWNLOAD | CHECK.DOWNLOAD_IEX;
export const DESTRUCTIVE_CHECKS = CHECK.RM | CHECK.WIN_DELETE | CHECK.DISK | CHECK.MKFS | CHECK.FORK_BOMB | CHECK.RMTREE;
export const EXFIL_CHECKS = CHECK.EXFIL | CHECK.EXFIL_ENV;
export const INJECTION_CHECKS =
  CHECK.INJ_IGNORE | CHECK.INJ_MODE | CHECK.INJ_CONCEAL | CHECK.INJ_CONCEAL_VERB | CHECK.INJ_EXFIL | CHECK.INJ_PROMPT | CHECK.INJ_TEMPLATE | CHECK.HIDDEN_COMMENT;

/** Characters after which a word is in command position (the text start counts as '\n'). */
const COMMAND_START = ' \t\n\r;&|(`\'"{/\\';

const TRIGGERS: Record<number, string[]> = {
  [CHECK.PRIVATE_KEY]: ['private key'],
  [CHECK.SECRET]: [
    'akia', 'asia', 'aiza', 'eyj', 'secret', 'ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_', 'glpat-',
    'xoxb-', 'xoxa-', 'xoxp-', 'xoxr-', 'xoxs-', 'k_live_', 'sk-', 'npm_', 'hf_', 'pypi-', 'hooks.slack.com',
  ],
  [CHECK.DOWNLOAD]: ['curl', 'wget', 'fetch', 'iwr', 'irm', 'invoke-webrequest', 'invoke-restmethod', 'downloadstring'],
  [CHECK.DOWNLOAD_IEX]: ['iex', 'invoke-expression'],
  // In command position only, so "perform " or "format " do not count (see POSIX_CMD).
  [CHECK.RM]: [...COMMAND_START].flatMap((c) => [`${c}rm `, `${c}rm\t`, `${c}chmod`, `${c}chown`, `${c}chgrp`]),
  [CHECK.WIN_DELETE]: ['/s', 'remove-item', '-recurse'],
  [CHECK.DISK]: ['/dev/'],
  [CHECK.MKFS]: ['mkfs', 'mke2fs', 'wipefs', 'blkdiscard'],
  [CHECK.FORK_BOMB]: ['()', '%0'],
  [CHECK.RMTREE]: ['rmtree'],
  [CHECK.INJ_IGNORE]: ['ignor', 'disregard', 'forget', 'overrid', 'bypass'],
  [CHECK.INJ_MODE]: ['now', 'mode'],
  // Concealment phrases need both "user" and one of their verbs (see scanInjection).
  [CHECK.INJ_CONCEAL]: ['user'],
  [CHECK.INJ_CONCEAL_VERB]: ['tell', 'inform', 'notif', 'alert', 'mention', 'reveal', 'hide', 'conceal', 'keep'],
  [CHECK.INJ_EXFIL]: ['exfiltrat'],
  [CHECK.INJ_PROMPT]: ['prompt', 'instructions'],
  [CHECK.INJ_TEMPLATE]: ['<|'],
  [CHECK.HIDDEN_COMMENT]: ['<!--', ']:'],
  [CHECK.EXFIL]: [
    '.ssh/', '.aws/', '.netrc', '.git-credentials', 'gh/hosts', '.docker/config', '.kube/config', '.npmrc', '.pypirc', '.gnupg',
    '/etc/shadow', '.env', 'id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519',
  ],
  [CHECK.EXFIL_ENV]: ['env |', 'env|', 'env\t|', 'set |', 'set|', 'export -p'],
};

// ---- automaton: byte → character class (letters case-folded) → dense transition table.

const CLASS = new Uint8Array(256);
let classes = 1; // class 0: any byte no trigger contains
for (const words of Object.values(TRIGGERS)) {
  for (const w of words) {
    for (const ch of w.toLowerCase()) {
      const c = ch.charCodeAt(0);
      if (CLASS[c] === 0) CLASS[c] = classes++;
    }
  }
}
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = CLASS[c + 0x20];
const SHIFT = Math.ceil(Math.log2(classes));

/**
 * Dense automaton. States are stored pre-shifted (state << SHIFT) so one step is
 * `s = delta[s | class]`; `out[s >>> SHIFT]` is the set of checks whose trigger
 * word ends in that state (including shorter words ending there).
 */
function build(): { delta: Uint16Array | Uint32Array; out: Uint32Array } {
  const next: number[][] = [[]];
  const out: number[] = [0];
  for (const [check, words] of Object.entries(TRIGGERS)) {
    for (const w of words) {
      let s = 0;
      for (const ch of w.toLowerCase()) {
        const k = CLASS[ch.charCodeAt(0)];
        if (next[s][k] === undefined) {
          next[s][k] = next.length;
          next.push([]);
          out.push(0);
        }
        s = next[s][k];
      }
      out[s] |= Number(check);
    }
  }
  const n = next.length;
  const delta = n << SHIFT <= 0x10000 ? new Uint16Array(n << SHIFT) : new Uint32Array(n << SHIFT);
  const fail = new Array<number>(n).fill(0);
  const queue: number[] = [];
  for (let k = 0; k < classes; k++) {
    const t = next[0][k];
    if (t !== undefined) {
      delta[k] = t << SHIFT;
      queue.push(t);
    }
  }
  // Breadth first, so a state's failure state (shallower) is complete before it.
  for (let qi = 0; qi < queue.length; qi++) {
    const s = queue[qi];
    out[s] |= out[fail[s]];
    for (let k = 0; k < classes; k++) {
      const t = next[s][k];
      if (t !== undefined) {
        fail[t] = delta[(fail[s] << SHIFT) | k] >>> SHIFT;
        delta[(s << SHIFT) | k] = t << SHIFT;
        queue.push(t);
      } else delta[(s << SHIFT) | k] = delta[(fail[s] << SHIFT) | k];
    }
  }
  return { delta, out: Uint32Array.from(out) };
}

const { delta: DELTA, out: OUT } = build();
/** The automaton starts as if the text were preceded by a newline (command position at the start). */
const START = DELTA[CLASS[0x0a]];

/** Bit set of CHECK values whose trigger words occur in the bytes. */
export function triggeredChecks(bytes: Uint8Array): number {
  const delta = DELTA;
  const out = OUT;
  const cls = CLASS;
  const shift = SHIFT;
  let s = START;
  let mask = out[START >>> shift];
  for (let i = 0, n = bytes.length; i < n; i++) {
    s = delta[s | cls[bytes[i]]];
    mask |= out[s >>> shift];
  }
  return mask;
}
