import { describe, expect, it } from 'vitest';
import { checkSkill, severityRank, type SafetyReport, type SkillFile } from '../src/core/safety/index.js';
import { NEGATIVES, POSITIVES, type CorpusCase } from './fixtures/safety/corpus.js';

// Precision and recall of the safety check on the labelled corpus. A case's label is
// its highest finding (rule and severity) or 'none'. The blocking decision (critical)
// must be exact: 100% precision and recall.

function run(c: CorpusCase): SafetyReport {
  const files: SkillFile[] = Object.entries(c.files).map(([p, text]) => ({
    path: p.endsWith('*') ? p.slice(0, -1) : p,
    content: Buffer.from(text, 'utf8'),
    mode: p.endsWith('*') ? 0o100755 : 0o100644,
  }));
  return checkSkill(files);
}

function label(r: SafetyReport): string {
  const top = r.findings[0];
  return top ? `${top.rule}:${top.severity}` : 'none';
}
const want = (c: CorpusCase) => (c.expect === 'none' ? 'none' : `${c.expect.rule}:${c.expect.severity}`);

describe('safety corpus', () => {
  const cases = [...POSITIVES, ...NEGATIVES];

  it('has at least 40 positives and 40 negatives, all with unique names', () => {
    expect(POSITIVES.length).toBeGreaterThanOrEqual(40);
    expect(NEGATIVES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of POSITIVES) expect(c.expect).not.toBe('none');
  });

  it.each(cases)('$name', (c) => {
    expect(label(run(c))).toBe(want(c));
  });

  it('blocks exactly the critical cases: precision and recall 100%', () => {
    const rows: string[] = [];
    const stats = new Map<string, { tp: number; fp: number; fn: number }>();
    for (const s of ['critical', 'high', 'medium', 'low']) stats.set(s, { tp: 0, fp: 0, fn: 0 });
    let exact = 0;
    for (const c of cases) {
      const r = run(c);
      const got = r.findings[0]?.severity ?? 'none';
      const exp = c.expect === 'none' ? 'none' : c.expect.severity;
      if (label(r) === want(c)) exact++;
      else rows.push(`  ${c.name}: expected ${want(c)}, got ${label(r)}`);
      // Per level, "at least this severe" as the predicted class.
      for (const [s, st] of stats) {
        const p = severityRank(got) >= severityRank(s as 'low');
        const e = severityRank(exp) >= severityRank(s as 'low');
        if (p && e) st.tp++;
        else if (p) st.fp++;
        else if (e) st.fn++;
      }
    }
    const pct = (a: number, b: number) => (b === 0 ? 100 : (100 * a) / b);
    const lines = [...stats].map(([s, st]) => `  >= ${s.padEnd(8)} precision ${pct(st.tp, st.tp + st.fp).toFixed(1)}%  recall ${pct(st.tp, st.tp + st.fn).toFixed(1)}%  (tp ${st.tp}, fp ${st.fp}, fn ${st.fn})`);
    console.log(`safety corpus: ${POSITIVES.length} positives, ${NEGATIVES.length} negatives; exact labels ${exact}/${cases.length}\n${lines.join('\n')}${rows.length ? `\n${rows.join('\n')}` : ''}`);
    const c = stats.get('critical')!;
    expect(c.fp).toBe(0);
    expect(c.fn).toBe(0);
  });
});
