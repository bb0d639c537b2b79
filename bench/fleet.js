// Deterministic plugin-fleet generator: <root>/<plugin>/skills/<skill>/{SKILL.md,
// references/*.md, scripts/run.sh}. Same seed and shape → byte-identical files, so
// skillsync and git always measure the very same tree, run after run.
import { mkdirSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';

/** mulberry32: tiny, fast, good enough for content generation. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // inclusive
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  return next;
}

const WORDS = (
  'the a of to and in for with on by from when each file skill agent review commit ' +
  'message change branch test build release note summary write read check format lint ' +
  'code style guide rule section example output input context task step plan report ' +
  'table list value option default config project module function type error warning ' +
  'document reference prompt model tool result update version history draft final ' +
  'should must never always only first then before after instead keep use avoid prefer ' +
  'short clear precise concise consistent small large simple explicit relevant related'
).split(' ');
const VERBS = ['review', 'write', 'format', 'check', 'plan', 'summarise', 'lint', 'test', 'release', 'draft', 'triage', 'explain'];
const NOUNS = ['commit', 'changelog', 'docs', 'api', 'schema', 'report', 'notes', 'tests', 'issue', 'style', 'query', 'config'];
const REFS = ['guide', 'api', 'examples', 'checklist', 'glossary', 'faq', 'patterns', 'style'];

function sentence(rnd) {
  const n = rnd.int(6, 16);
  const w = [];
  for (let i = 0; i < n; i++) w.push(rnd.pick(WORDS));
  w[0] = w[0][0].toUpperCase() + w[0].slice(1);
  return w.join(' ') + '.';
}

/** Markdown prose of about `bytes` bytes: headings, paragraphs, lists, a code block. */
export function prose(rnd, bytes, title = 'Notes') {
  let s = `# ${title}\n\n`;
  let sec = 1;
  while (s.length < bytes) {
    const kind = rnd();
    if (kind < 0.12) s += `## Section ${sec++}\n\n`;
    else if (kind < 0.3) {
      const k = rnd.int(2, 5);
      for (let i = 0; i < k; i++) s += `- ${sentence(rnd)}\n`;
      s += '\n';
    } else if (kind < 0.36) s += '```sh\n' + `git log --oneline -n ${rnd.int(1, 50)}\n` + '```\n\n';
    else {
      const k = rnd.int(2, 4);
      const p = [];
      for (let i = 0; i < k; i++) p.push(sentence(rnd));
      s += p.join(' ') + '\n\n';
    }
  }
  return s;
}

export function skillMd(rnd, name, bytes) {
  const head = `---\nname: ${name}\ndescription: ${sentence(rnd)} Use it to ${rnd.pick(VERBS)} ${rnd.pick(NOUNS)}.\n---\n`;
  return head + prose(rnd, Math.max(200, bytes - head.length), name);
}

function script(rnd, name) {
  let s = `#!/bin/sh\n# helper for ${name}\nset -eu\n`;
  const k = rnd.int(5, 40);
  for (let i = 0; i < k; i++) s += `echo "${sentence(rnd).replace(/"/g, '')}"\n`;
  return s;
}

export function pluginId(i) {
  return `plugin-${String(i).padStart(3, '0')}`;
}

export function skillName(pi, si) {
  const r = prng(pi * 1000 + si + 7);
  return `${r.pick(VERBS)}-${r.pick(NOUNS)}-${String(pi).padStart(3, '0')}-${String(si).padStart(2, '0')}`;
}

/** File list (relative path → {content, mode}) of one skill. `files` ≥ 2. */
export function skillFiles(seed, pi, si, files) {
  const rnd = prng(seed ^ Math.imul(pi + 1, 2654435761) ^ Math.imul(si + 1, 40503));
  const name = skillName(pi, si);
  const out = [{ path: 'SKILL.md', content: skillMd(rnd, name, rnd.int(1024, 4096)), mode: 0o644 }];
  const refs = Math.max(0, files - 2);
  for (let i = 0; i < refs; i++) {
    const t = REFS[i % REFS.length] + (i >= REFS.length ? `-${i}` : '');
    out.push({ path: `references/${t}.md`, content: prose(rnd, rnd.int(512, 6144), t), mode: 0o644 });
  }
  if (files >= 2) out.push({ path: 'scripts/run.sh', content: script(rnd, name), mode: 0o755 });
  return out;
}

/**
 * Writes the fleet; returns {root, plugins: [{id, skills: [name]}], files, bytes}.
 * opts: {plugins, skills, files, seed}
 */
export function generateFleet(root, opts) {
  const { plugins, skills, files, seed = 42 } = opts;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const out = { root, plugins: [], files: 0, bytes: 0 };
  for (let pi = 0; pi < plugins; pi++) {
    const id = pluginId(pi);
    const p = { id, skills: [] };
    for (let si = 0; si < skills; si++) {
      const name = skillName(pi, si);
      const dir = join(root, id, 'skills', name);
      for (const f of skillFiles(seed, pi, si, files)) {
        const path = join(dir, f.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, f.content);
        if (f.mode !== 0o644) chmodSync(path, f.mode);
        out.files++;
        out.bytes += Buffer.byteLength(f.content);
      }
      p.skills.push(name);
    }
    out.plugins.push(p);
  }
  return out;
}

export function skillDir(fleet, pi, si) {
  const p = fleet.plugins[pi];
  return join(fleet.root, p.id, 'skills', p.skills[si]);
}
