// `safety` in every JSON shape is an array of findings `{rule, severity, path, line?,
// message?}` (the safety engine's shape). Results and proposals carry the `Safety:`
// trailer (`<severity>:<rule>@<path>[:<line>,...]; ...`); this reads it back.

export interface SafetyEntry {
  rule: string;
  severity: string;
  path: string;
  line?: number;
  message?: string;
}

export function safetyList(trailer: string | null | undefined): SafetyEntry[] {
  if (!trailer || trailer === 'none') return [];
  const out: SafetyEntry[] = [];
  for (const part of trailer.split('; ')) {
    const m = /^([a-z]+):([^@]+)@(.*?)(?::([\d,+]+))?$/.exec(part);
    if (!m) continue; // '+N more' and cut entries
    const lines = (m[4] ?? '').split(',').filter((x) => /^\d+$/.test(x)).map(Number);
    if (!lines.length) out.push({ rule: m[2], severity: m[1], path: m[3] });
    for (const line of lines) out.push({ rule: m[2], severity: m[1], path: m[3], line });
  }
  return out;
}

/** For people: the trailer as it is ('' when there are no findings). */
export function safetyText(trailer: string | null | undefined): string {
  return !trailer || trailer === 'none' ? '' : trailer;
}
