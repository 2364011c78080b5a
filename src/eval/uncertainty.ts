/**
 * Does a method's uncertainty find its bad proposals? The entropy-first worklist (src/active) is only worth more than a
 * random one if the lesions it serves first are the ones the model measures worst. Per lesion: the mean uncertainty
 * over its rough boxes (seeds) against the method's long-axis location error vs a reader (mean over the same boxes);
 * Spearman's ρ with a seeded bootstrap 95 % interval, and the mean error of the most and least uncertain thirds.
 * Two scores, named as the worklist strategies that rank by them: `entropy` (the method's uncertainty as it is) and
 * `entropy-px` (× the proposal's long-axis length in slice pixels, the units of the error). Pure functions of an EvalResult.
 */
import { createRng } from '../geometry/random.ts';
import { entropyPx } from '../geometry/recist.ts';
import { mean, percentileInterval95 } from './metrics.ts';
import { DL_READER, type EvalResult } from './run.ts';

/** Ranks 1..n, ties sharing their average rank. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].v === order[start].v) end++;
    for (let k = start; k <= end; k++) ranks[order[k].i] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return ranks;
}

/** Spearman's rank correlation (Pearson's r of the average ranks); NaN below 3 pairs or when either side is constant. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`spearman: ${x.length} x values but ${y.length} y values`);
  if (x.length < 3) return Number.NaN;
  const rx = averageRanks(x), ry = averageRanks(y);
  const meanRank = (rx.length + 1) / 2;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < rx.length; i++) {
    const dx = rx[i] - meanRank, dy = ry[i] - meanRank;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

/** Percentile bootstrap 95 % interval of Spearman's ρ over resampled pairs (seeded, so a report repeats). */
export function spearmanInterval(x: readonly number[], y: readonly number[], resamples = 2000, seed = 0): [number, number] {
  const rng = createRng(seed);
  const rhos: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const idx = x.map(() => rng.int(x.length));
    const rho = spearman(idx.map((i) => x[i]), idx.map((i) => y[i]));
    if (Number.isFinite(rho)) rhos.push(rho);
  }
  return percentileInterval95(rhos);
}

export type UncertaintyScore = 'entropy' | 'entropy-px';
export const UNCERTAINTY_SCORES: readonly UncertaintyScore[] = ['entropy', 'entropy-px'];

export interface UncertaintyCheck {
  readonly method: string;
  readonly score: UncertaintyScore;
  readonly reader: string;
  readonly n: number;
  readonly rho: number;
  readonly interval: [number, number];
  /** Mean long-axis location error (px) of the third of the lesions with the highest / lowest uncertainty, and of all. */
  readonly errorMostUncertainThird: number;
  readonly errorLeastUncertainThird: number;
  readonly errorAll: number;
  readonly points: readonly { readonly id: string; readonly uncertainty: number; readonly errorPx: number }[];
}

/** The check for one method and score against one reader; null when the method reports no uncertainty (the baselines). */
export function uncertaintyVsError(result: EvalResult, method: string, score: UncertaintyScore = 'entropy', reader = DL_READER): UncertaintyCheck | null {
  const preds = result.predictions[method];
  const cmp = result.comparisons.find((c) => c.row === method && c.column === reader);
  if (!preds || !cmp) return null;
  const points: { id: string; uncertainty: number; errorPx: number }[] = [];
  for (const it of cmp.items) {
    const u = (preds[it.id] ?? []).map((p) => (p.uncertainty === null ? null : score === 'entropy-px' ? entropyPx(p.uncertainty, p.recist) : p.uncertainty));
    if (u.length === 0 || u.some((v) => v === null || !Number.isFinite(v))) continue;
    points.push({ id: it.id, uncertainty: mean(u as number[]), errorPx: it.cmp.long.locPx });
  }
  if (points.length === 0) return null;
  const x = points.map((p) => p.uncertainty), y = points.map((p) => p.errorPx);
  const byUncertainty = [...points].sort((a, b) => b.uncertainty - a.uncertainty);
  const third = Math.max(1, Math.floor(points.length / 3));
  return {
    method, score, reader, n: points.length,
    rho: spearman(x, y), interval: spearmanInterval(x, y),
    errorMostUncertainThird: mean(byUncertainty.slice(0, third).map((p) => p.errorPx)),
    errorLeastUncertainThird: mean(byUncertainty.slice(-third).map((p) => p.errorPx)),
    errorAll: mean(y),
    points,
  };
}
