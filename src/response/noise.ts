/**
 * The inter-reader band of a re-measurement: parsed from a flag, or measured from a site's own multi-reader labels
 * (95 % limits of agreement of the relative difference between two readers' lengths of the same lesion).
 */
import type { InterReaderBand } from './types.ts';

/** `LOW,HIGH` in percent (LOW in (−100, 0], HIGH ≥ 0), e.g. `-22,25`. Errors name the flag and the value. */
export function parseBand(text: string, name = 'band'): InterReaderBand {
  const parts = text.split(',').map((s) => s.trim());
  const [lowPct, highPct] = parts.map(Number);
  if (parts.length !== 2 || parts.some((s) => s === '') || !Number.isFinite(lowPct) || !Number.isFinite(highPct) || lowPct <= -100 || lowPct > 0 || highPct < 0) {
    throw new Error(`${name} ${JSON.stringify(text)} must be LOW,HIGH in % with -100 < LOW ≤ 0 ≤ HIGH, e.g. -22,25`);
  }
  return { lowPct, highPct };
}

/**
 * The band from pairs of lengths of the same lesions by two readers (mm): the log ratio of one reading to the other,
 * taken both ways round (so the band does not depend on who read first, and its mean is 0), and its 95 % limits
 * exp(±1.96 sd) − 1 in percent: asymmetric like a ratio (sd 0.127 gives −22 % / +28 %). Needs at least 3 pairs of
 * positive lengths.
 */
export function bandFromReaderPairs(pairs: readonly (readonly [number, number])[]): InterReaderBand & { readonly pairs: number } {
  const logs: number[] = [];
  for (const [a, b] of pairs) {
    if (!(a > 0 && b > 0)) continue;
    logs.push(Math.log(b / a), Math.log(a / b));
  }
  const n = logs.length / 2;
  if (n < 3) throw new Error(`inter-reader band: ${n} lesion pairs with two positive lengths, at least 3 needed`);
  const sd = Math.sqrt(logs.reduce((s, x) => s + x * x, 0) / logs.length); // mean 0 by construction
  return { lowPct: 100 * (Math.exp(-1.96 * sd) - 1), highPct: 100 * (Math.exp(1.96 * sd) - 1), pairs: n };
}
