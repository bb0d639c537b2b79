// What the daemon does after an error: retry with backoff, stall until the input
// changes (a person must act), or ignore. The kind travels with the error; this is the
// one place in the daemon that turns it into a step.
export type NextStep = 'retry' | 'stall' | 'ignore';

export function nextStep(kind: string | undefined): NextStep {
  if (kind === 'retry') return 'retry';
  if (kind === 'ignore' || kind === 'none') return 'ignore';
  return 'stall';
}
